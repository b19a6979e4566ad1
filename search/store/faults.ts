/**
 * SQLite's and the file system's faults, as one line naming the database file and what to do. The store turns
 * every error its methods meet into these (sqlite.ts, `guarded`), so a command prints one line, never a stack.
 */
import { StoreError } from './errors.js';

/** Exit code of a fault of the machine (a full disk, an I/O error, a peer holding the lock): the input was fine. */
export const FAULT_EXIT_CODE = 1;

/** The StoreError for `error` met while using the database at `path`, or undefined when it is not a fault of the file. */
export function storeFault(path: string, error: unknown, busyTimeoutMs: number): StoreError | undefined {
  if (error instanceof StoreError) return error;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StoreError(
      `${path}: the database is damaged (${message}); nothing was changed. Keep a copy, and recover what it holds with: sqlite3 ${path} .recover | sqlite3 recovered.db`,
    );
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || (code.startsWith('SQLITE_IOERR') && /full|space/i.test(message))) {
    return new StoreError(`${path}: the disk is full (${message}); what was recorded is kept: free some space, then resume the study`, FAULT_EXIT_CODE);
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return readOnly(path);
  if (code.startsWith('SQLITE_IOERR')) {
    return new StoreError(`${path}: input/output error (${code}: ${message}); what was recorded is kept: check the disk, then resume the study`, FAULT_EXIT_CODE);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(`${path}: another process kept the database busy for over ${busyTimeoutMs / 1000} s (${code}); try again when it is done`, FAULT_EXIT_CODE);
  }
  if (code.startsWith('SQLITE_CANTOPEN')) return new StoreError(`${path}: cannot open (${message}); check that the file and its folder can be read`);
  return undefined;
}

/** A database the process cannot write: the file, its folder, or its -wal/-shm files. */
export function readOnly(path: string): StoreError {
  return new StoreError(`${path}: read-only (the file or its folder cannot be written); make them writable, or copy the database somewhere writable`);
}
