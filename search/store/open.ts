/**
 * One factory for every storage: a postgresql:// URL opens a server store, anything else an SQLite file. The
 * server client (pg) is loaded only when a URL is given.
 */
import { SqliteStore, type OpenOptions } from './sqlite.js';
import type { Store } from './store.js';
import { isPostgresUrl } from './postgres/url.js';
import type { PgOpenOptions } from './postgres/postgres.js';

/** The database a command uses when neither --db, --storage nor HWNAS_STORAGE names one: a file in the working directory. */
export const DEFAULT_DB = 'hwnas.db';

/** The environment variable that names the storage when no flag does (a URL there stays out of `ps` and shell history). */
export const STORAGE_ENV = 'HWNAS_STORAGE';

export type StoreOptions = OpenOptions & Pick<PgOpenOptions, 'onWait' | 'reconnectTimeoutMs'>;

export async function openStore(location: string, options: StoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(location)) {
    const { PostgresStore } = await import('./postgres/postgres.js');
    return PostgresStore.open(location, options);
  }
  return SqliteStore.open(location, options);
}

export { isPostgresUrl };
export { redactUrl } from './postgres/url.js';
