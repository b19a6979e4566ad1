/** Opening a database for a command (a refused or missing file is a one-line usage error): the library's own. */
export { openStudyStore as openStore } from '../search/run-search.js';

export { defaultDbPath } from './default-db.js';
