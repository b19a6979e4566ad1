import { defaultDbPath } from './default-db.js';
import { openStudyStore } from '../search/run-search.js';
import type { Store } from '../search/store/index.js';
import { UsageError } from './errors.js';

/** The flags that name a storage, for every command that reads or writes studies. */
export const STORAGE_FLAGS = {
  db: { type: 'string', value: 'file|url', help: 'the database: an SQLite file (default hwnas.db, or $HWNAS_STORAGE / $HWNAS_DB) or a postgresql:// URL' },
  storage: { type: 'string', value: 'url', help: 'the same as --db: postgresql://user@host:5432/db or an SQLite file' },
} as const;

/** How the flags are shown in usage lines. */
export const STORAGE_USAGE = '[--db hwnas.db | --storage postgresql://user@host:5432/db]';

/**
 * The storage a command uses: --storage or --db (an SQLite file, or a postgresql:// URL in either), else the
 * HWNAS_STORAGE (or HWNAS_DB) environment variable, else hwnas.db in the working directory.
 */
export function storageOf(values: { readonly db?: string; readonly storage?: string }, env: NodeJS.ProcessEnv = process.env): string {
  if (values.db !== undefined && values.storage !== undefined) throw new UsageError('--db and --storage name the same thing: give one of them');
  const named = values.storage ?? values.db;
  if (named !== undefined && named.trim() === '') throw new UsageError(`${values.storage !== undefined ? '--storage' : '--db'}: empty`);
  return named ?? defaultDbPath(env);
}

/** A server that went away (and came back), said on stderr: the command waits for it. */
export const openStoreWaitLine = (message: string): void => console.error(`hwnas: ${message}`);

/**
 * Opens a storage for a command (the library's own: a refused, missing or unreachable one is a one-line usage
 * error); a server that goes away later is waited for, with a line on stderr.
 */
export function openStore(location: string, options: { mustExist?: boolean; readonly?: boolean } = {}): Promise<Store> {
  return openStudyStore(location, { ...options, onWait: openStoreWaitLine });
}

export { defaultDbPath };
