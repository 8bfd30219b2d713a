/**
 * Whether an error means the database could not be reached or went away for a while (a server
 * restarting, a connection cut, the server refusing connections while it starts or shuts down), so
 * the same statement may succeed if tried again later, as opposed to a statement the database refused.
 * Such a statement was either committed whole or not at all; the (trial, seq) key makes a retry safe.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    const text = `${(e as Error).message ?? ''} ${JSON.stringify((e as { meta?: unknown }).meta ?? '')}`;
    if (TRANSIENT_TEXT.test(text)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

// Node's socket errors, and PostgreSQL's SQLSTATE classes 08 (connection exception) and 57P (operator
// intervention: admin shutdown, crash shutdown, cannot connect now).
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTCONN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const TRANSIENT_TEXT =
  /ECONNREFUSED|ECONNRESET|EPIPE|Connection terminated|connection (?:is )?closed|terminating connection|the database system is (?:starting up|shutting down|in recovery mode)|server closed the connection|Client has encountered a connection error|Can't reach database server|timeout exceeded when trying to connect|"(?:57P0[123]|08\d{3})"/i;
