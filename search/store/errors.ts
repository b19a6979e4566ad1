/**
 * A database that cannot be used: not hwnas's, from a newer hwnas, damaged, read-only, missing, or a fault met
 * while using it (a full disk). One line naming the file; `exitCode` 2 for the file given, 1 for a fault of the
 * machine.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
  }
}

/** A study name already taken in the database (also when another process took it a moment ago). */
export class StudyExistsError extends StoreError {}
