// What every way of opening the database returns (open.ts for the embedded database held here,
// through.ts for one reached through the process holding it, server.ts for a PostgreSQL server): the
// repositories over a Prisma client, and how to close it. Kept apart from the drivers, so opening loads
// only the one it uses.
import type { PrismaClient } from './generated/prisma/client.ts';
import type { RawQuery } from './raw.ts';
import { type AppendBatching, createRepositories, type Repositories } from './repositories/index.ts';

export interface Database extends Repositories {
  prisma: PrismaClient;
  kind: 'embedded' | 'postgres';
  /** Embedded, reached through the process that holds it (its pid); null when this process holds it or for a server. */
  through: number | null;
  /** The data folder, or the server URL without its password. */
  location: string;
  /**
   * Calls `onNotify(payload)` for each NOTIFY on `channel` (appends send one when a trial needs driving
   * or a person has a new notice: see NOTIFY_CHANNEL). Embedded: notifications raised in this process.
   * Returns a function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Embedded, through another process: when that process has ended while this one was using it, the
   * error that says so (its statements then fail, and a caller should show this rather than the
   * driver's words). Asks the host once when it has not heard it go. Null otherwise.
   */
  hostGone(): Promise<Error | null>;
  /**
   * Disconnects, shuts PGlite down cleanly and releases the lock. A holder that other processes use
   * through it first waits until they are done (saying so). Safe to call twice.
   */
  close(): Promise<void>;
}

/**
 * The embedded database is one backend: every transaction, this process's and those of processes
 * using it through this one, waits for the one before it. Prisma's defaults (2 s to start one, 5 s to
 * finish it) suit a server's pool; here a busy moment (several processes, a loaded machine) is a queue,
 * not a failure ("Unable to start a transaction in the given time" in a test on a loaded machine).
 */
export const EMBEDDED_TRANSACTIONS = { maxWait: 60_000, timeout: 120_000 };

export function finish(
  prisma: PrismaClient,
  kind: Database['kind'],
  location: string,
  through: number | null,
  listen: Database['listen'],
  shutdown: () => Promise<void>,
  raw: RawQuery,
  batching: AppendBatching,
): Database {
  let closing: Promise<void> | undefined;
  return {
    prisma,
    kind,
    location,
    through,
    listen,
    ...createRepositories(prisma, raw, batching),
    hostGone: async () => null,
    close() {
      closing ??= (async () => {
        try {
          await prisma.$disconnect();
        } finally {
          await shutdown();
        }
      })();
      return closing;
    },
  };
}

/** The URL without its password, for messages and `Database.location`. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL server in DATABASE_URL (not a parseable URL)';
  }
}
