import { DB_ENV, DEFAULT_DB, STORAGE_ENV } from '../search/store/default-db.js';

/**
 * The storage a command uses without --db or --storage: $HWNAS_STORAGE (an SQLite file or a postgresql:// URL),
 * else $HWNAS_DB, else hwnas.db in the working directory. A leaf module: the launcher's start and `--help` read it
 * without loading the store, SQLite, pg or the evaluators.
 */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of [STORAGE_ENV, DB_ENV]) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return value;
  }
  return DEFAULT_DB;
}
