import { DEFAULT_DB } from '../search/store/default-db.js';

/**
 * The database a command uses without --db: $HWNAS_DB when set, else hwnas.db in the working directory. A leaf
 * module: the launcher's start and `--help` read it without loading the store, SQLite or the evaluators.
 */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.HWNAS_DB !== undefined && env.HWNAS_DB !== '' ? env.HWNAS_DB : DEFAULT_DB;
}
