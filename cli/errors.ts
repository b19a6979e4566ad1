export { UsageError, formatPath } from '../core/usage-error.js';
