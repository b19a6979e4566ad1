import { DEFAULT_DB } from '../search/store/index.js';

/** Opening a database for a command (a refused or missing file is a one-line usage error): the library's own. */
export { openStudyStore as openStore } from '../search/run-search.js';

/** The database a command uses without --db: $HWNAS_DB when set, else hwnas.db in the working directory. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.HWNAS_DB !== undefined && env.HWNAS_DB !== '' ? env.HWNAS_DB : DEFAULT_DB;
}
