// The embedded database held by another process, reached through the unix socket it shares
// (embedded-share.ts) with the PostgreSQL driver, as a server would be. Loaded only when a process joins
// one, so a process that holds the database itself does not load the driver.
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { type Database, EMBEDDED_TRANSACTIONS, finish } from './assemble.ts';
import { DatabaseHostGoneError, type LockHolder } from './errors.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import type { OpenDatabaseOptions } from './open.ts';
import { poolQuery } from './raw.ts';

/** What a guest's connections call themselves, so the host can say who still uses it. */
function applicationName(): string {
  const command = process.argv.slice(1).join(' ');
  return `process ${process.pid} (${command.length > 200 ? `${command.slice(0, 199)}…` : command})`;
}

/**
 * The embedded database held by another process, reached through its socket like a server. One
 * connection stays open for as long as this Database is: the host sees it and waits for this process
 * before closing, and its end says the host went away (then no new connection is tried).
 */
export async function openThrough(
  dataDir: string,
  holder: LockHolder,
  options: OpenDatabaseOptions,
): Promise<Database> {
  const socketDir = path.dirname(holder.socket!);
  const port = Number(/\.s\.PGSQL\.(\d+)$/.exec(holder.socket!)?.[1] ?? 5432);
  const config = {
    host: socketDir,
    port,
    user: 'postgres',
    database: 'postgres',
    application_name: applicationName(),
  };
  let closing = false;
  let gone = false;
  const presence = new pg.Client({ ...config, connectionTimeoutMillis: 3_000 });
  presence.on('error', () => {});
  presence.on('end', () => {
    if (!closing) gone = true;
  });
  try {
    await presence.connect();
  } catch (error) {
    await presence.end().catch(() => {});
    throw error;
  }
  // Idle connections are kept (no idle timeout), so the host counts this process as present until it closes.
  const pool = new GuestPool({ ...config, max: options.poolSize ?? 4, idleTimeoutMillis: 0 }, () =>
    gone ? new DatabaseHostGoneError(holder) : null,
  );
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: EMBEDDED_TRANSACTIONS });
  // Notifications stay inside the holder's process: here, whoever listens polls.
  const listen: Database['listen'] = async () => async () => {};
  const db = finish(
    prisma,
    'embedded',
    `${dataDir} (through process ${holder.pid}: ${holder.command})`,
    holder.pid,
    listen,
    async () => {
      closing = true;
      await pool.end();
      await presence.end().catch(() => {});
    },
    poolQuery(pool),
    { maxInFlight: 2, ...options.appendBatching },
  );
  const hostGone = async () => {
    if (!gone && !closing) {
      // The statement that failed may have heard of it before this connection did: ask (a host that is
      // only busy answers late, and is not gone).
      const refused = await Promise.race([
        presence.query('SELECT 1').then(
          () => false,
          () => true,
        ),
        new Promise<boolean>((resolve) => setTimeout(resolve, 2_000, false).unref()),
      ]);
      if (refused) gone = true;
    }
    return gone ? new DatabaseHostGoneError(holder) : null;
  };
  return { ...db, hostGone };
}

/** A pool that opens no connection once the host has gone: it fails with the reason instead. */
class GuestPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly refusal: () => Error | null,
  ) {
    super(config);
  }

  // biome-ignore lint/suspicious/noExplicitAny: pg.Pool's connect is overloaded (promise and callback).
  override connect(callback?: any): any {
    const refused = this.refusal();
    if (!refused) return callback ? super.connect(callback) : super.connect();
    if (callback) {
      process.nextTick(callback, refused);
      return undefined;
    }
    return Promise.reject(refused);
  }
}
