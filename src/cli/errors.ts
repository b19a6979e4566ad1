export { UsageError } from '../core/usage-error.js';

/** Format a zod issue path as `field.sub[2].x` for messages. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** One line for a zod error: `<where>: <field>: <message>` for the first issue. */
export function zodMessage(where: string, error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return `${where}: ${formatPath(issue.path)}: ${issue.message}`;
}
