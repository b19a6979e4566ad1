/** The database a command uses when --db is not given: a file in the working directory. */
export const DEFAULT_DB = 'hwnas.db';
