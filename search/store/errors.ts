/** A database that cannot be used: not hwnas's, from a newer hwnas, unreadable, or missing. One line. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}
