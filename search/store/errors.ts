/** A database that cannot be used: not hwnas's, from a newer hwnas, unreadable, or missing. One line. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}

/** A study name already taken in the database (also when another process took it a moment ago). */
export class StudyExistsError extends StoreError {}
