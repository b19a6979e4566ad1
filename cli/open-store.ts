import { SqliteStore, StoreError } from '../search/store/index.js';
import { UsageError } from './errors.js';

/** Opens a database for a command, turning a refused or missing file into a one-line usage error. */
export function openStore(path: string, options: { mustExist?: boolean; readonly?: boolean } = {}): SqliteStore {
  try {
    return SqliteStore.open(path, options);
  } catch (error) {
    if (error instanceof StoreError) throw new UsageError(error.message);
    throw error;
  }
}
