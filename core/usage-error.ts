/**
 * Bad input from outside (flags, files, rows): reported as one line naming what is wrong and where, exit code 2.
 * Throw it before anything is written. It lives in core so every layer can raise it; the CLI maps it to exit 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Format a zod issue path as `field.sub[2].x` for messages. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}
