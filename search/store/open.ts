/**
 * One factory for every storage: a postgresql:// URL opens a server store, anything else an SQLite file. The
 * server client (pg) is loaded only when a URL is given.
 */
import { SqliteStore, type OpenOptions } from './sqlite.js';
import type { Store } from './store.js';
import { isPostgresUrl } from './postgres/url.js';
import type { PgOpenOptions } from './postgres/postgres.js';

export { DEFAULT_DB, STORAGE_ENV } from './default-db.js';

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
