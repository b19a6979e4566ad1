/**
 * What a PostgreSQL error means for hwnas: one line for the user (never the password), and whether waiting and
 * trying again can help (the server restarting, a dropped connection, a serialisation conflict).
 */

interface PgLikeError {
  readonly code?: string;
  readonly message?: string;
  readonly address?: string;
  readonly port?: number;
}

/** Node socket errors of a server that is away for now (ENOTFOUND too: a name server that hiccups mid-study). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** SQLSTATEs worth a retry: shutdown or start-up in progress, too many connections, conflicts between transactions. */
const RETRY_STATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);

export function isTransient(error: unknown): boolean {
  const e = error as PgLikeError | undefined;
  const code = e?.code ?? '';
  if (SOCKET_CODES.has(code) || RETRY_STATES.has(code) || code.startsWith('08')) return true;
  // node-postgres reports a dropped connection without a code.
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|Client was closed/i.test(e?.message ?? '');
}

/** One line for a failed connection or statement; `shown` is the redacted URL. */
export function describePgError(error: unknown, shown: string): string {
  const e = error as PgLikeError | undefined;
  const code = e?.code ?? '';
  const message = (e?.message ?? String(error)).split('\n')[0];
  switch (code) {
    case '28P01':
      return `${shown}: ${message} (check the password: in the URL, PGPASSWORD or ~/.pgpass)`;
    case '28000':
      return `${shown}: the server refused the connection (${message})`;
    case '3D000':
      return `${shown}: ${message} (create it first: createdb)`;
    case 'ECONNREFUSED':
      return `${shown}: cannot connect (connection refused): is the server running and listening there?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${shown}: cannot connect (unknown host)`;
    case 'ETIMEDOUT':
      return `${shown}: cannot connect (timed out)`;
  }
  if (/SASL|client password must be a string/.test(message)) return `${shown}: the server asks for a password and none was given (in the URL, PGPASSWORD or ~/.pgpass)`;
  if (/timeout expired|connection timeout/i.test(message)) return `${shown}: cannot connect (timed out)`;
  return `${shown}: ${message}${code ? ` (${code})` : ''}`;
}
