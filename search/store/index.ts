export { SqliteStore, type OpenOptions } from './sqlite.js';
export { StoreError, StudyExistsError } from './errors.js';
export { contentHash } from './hash.js';
export { encodeJson, decodeJson } from './json.js';
export { SCHEMA_VERSION, APPLICATION_ID } from './schema.js';
export type * from './types.js';
export { DEFAULT_DB, STORAGE_ENV, openStore, isPostgresUrl, redactUrl, type StoreOptions } from './open.js';
export type { Store, CoordinatorLock, Awaitable } from './store.js';
export type { TaskQueue, NewTask, LeasedTask, WorkerInfo, LeaseFilter, ServingWorker, StudyActivity } from './queue.js';
