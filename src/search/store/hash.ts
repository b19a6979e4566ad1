import { createHash } from 'node:crypto';

/**
 * Content hash of a candidate within a study: sha256 of the space's stable key, truncated to 128 bits
 * (collisions are negligible for any study size and the unique index stays small).
 */
export function contentHash(spaceId: string, key: string): string {
  return createHash('sha256').update(spaceId).update('\0').update(key).digest('hex').slice(0, 32);
}
