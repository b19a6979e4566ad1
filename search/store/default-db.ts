/** The database a command uses when neither --db, --storage nor the environment names one: a file in the working directory. */
export const DEFAULT_DB = 'hwnas.db';

/** The environment variable that names the storage when no flag does (a URL there stays out of `ps` and shell history). */
export const STORAGE_ENV = 'HWNAS_STORAGE';

/** The older name of STORAGE_ENV, for an SQLite file; still read when STORAGE_ENV is unset. */
export const DB_ENV = 'HWNAS_DB';
