export { SqliteStore, type OpenOptions } from './sqlite.js';
export { StoreError, StudyExistsError } from './errors.js';
export { contentHash } from './hash.js';
export { encodeJson, decodeJson } from './json.js';
export { SCHEMA_VERSION, APPLICATION_ID } from './schema.js';
export type * from './types.js';
export { DEFAULT_DB } from './default-db.js';
