import { createHash } from 'node:crypto';

/**
 * Content hash of a candidate within a study: sha256 of the space's stable key, truncated to 64 bits. A study of
 * 10^6 candidates collides with probability ~3·10^-8, and the short key keeps the unique index small: every
 * insert lands on a random page of it.
 */
export function contentHash(spaceId: string, key: string): string {
  return createHash('sha256').update(spaceId).update('\0').update(key).digest('hex').slice(0, 16);
}
