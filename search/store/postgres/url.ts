import { StoreError } from '../errors.js';

/** Whether a storage location names a PostgreSQL server rather than an SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/**
 * The URL as it may be shown: no password, no query (which may carry one: `?password=`, `sslpassword=`), and
 * nothing when it does not parse.
 */
export function redactUrl(location: string): string {
  try {
    const u = new URL(location.trim());
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `${u.protocol}//${user}${u.host}${u.pathname}`;
  } catch {
    return 'postgresql://…';
  }
}

/**
 * Checks a server URL before any connection: postgresql://[user[:password]@]host[:port]/database. One line
 * naming what is wrong, and never the password.
 */
export function checkPostgresUrl(location: string): URL {
  const shown = redactUrl(location);
  let u: URL;
  try {
    u = new URL(location.trim());
  } catch {
    throw new StoreError(`${shown}: not a valid URL; expected postgresql://user@host:5432/database`);
  }
  if (!/^postgres(ql)?:$/i.test(u.protocol)) throw new StoreError(`${shown}: expected a postgresql:// URL`);
  if (!u.hostname) throw new StoreError(`${shown}: no host; expected postgresql://user@host:5432/database`);
  if (u.port !== '' && !(Number(u.port) >= 1 && Number(u.port) <= 65535)) throw new StoreError(`${shown}: port must be 1–65535`);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!db || db.includes('/')) throw new StoreError(`${shown}: no database name; expected postgresql://user@host:5432/database`);
  return u;
}
