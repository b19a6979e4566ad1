import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { SearchSpace } from '../core/space.js';
import { getSpace, SPACES } from '../core/spaces/index.js';
import { userSpace } from '../core/spaces/user-space.js';
import { UsageError } from '../core/usage-error.js';
import { didYouMean } from '../core/suggest.js';

const SPACE_FILE = /\.(json|ya?ml)$/;

/** A space as a study records it: a built-in id, a space file, or a space definition inline (`defineSpace`). */
export type SpaceRef = string | Readonly<Record<string, unknown>>;

/** The id of the space a reference names, without reading a file. */
export function spaceRefName(ref: SpaceRef): string {
  return typeof ref === 'string' ? ref : String(ref.id ?? 'space');
}

/** A built-in space by id, a user's space file (.json, .yaml, .yml; see core/spaces/user-space.ts), or a definition. */
export function resolveSpace(idOrPath: SpaceRef): SearchSpace {
  if (typeof idOrPath !== 'string') return userSpace(idOrPath, `space '${spaceRefName(idOrPath)}'`);
  if (!SPACE_FILE.test(idOrPath)) {
    if (!SPACES[idOrPath]) throw new UsageError(`unknown search space '${idOrPath}'${didYouMean(idOrPath, Object.keys(SPACES))}; valid: ${Object.keys(SPACES).join(', ')}, or a space file (.json/.yaml)`);
    return getSpace(idOrPath);
  }
  let text: string;
  try {
    text = readFileSync(idOrPath, 'utf8');
  } catch (error) {
    throw new UsageError(`${idOrPath}: cannot read space file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return spaceFromText(text, idOrPath);
}

/** Whether a space reference names a file (else a built-in id). */
export function isSpaceFile(idOrPath: string): boolean {
  return SPACE_FILE.test(idOrPath);
}

/** A user's space from its file's text (as a study stores it); `path` names it in messages and picks JSON or YAML. */
export function spaceFromText(text: string, path: string): SearchSpace {
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]})`);
  }
  return userSpace(data, path);
}
