/**
 * Bad input from outside (flags, files, rows): reported as one line naming what is wrong and where, exit code 2.
 * Throw it before anything is written. It lives in core so every layer can raise it; the CLI maps it to exit 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
