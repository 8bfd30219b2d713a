// A PostgreSQL server (DATABASE_URL): a pool, migrations applied on open, LISTEN on a connection of its
// own. Loaded only when a server is used.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { type Database, finish, redact } from './assemble.ts';
import { DatabaseUnreachableError } from './errors.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { applyMigrations, migrationsSettled } from './migrate/apply.ts';
import { repairInterruptedMigrations } from './migrate/repair.ts';
import { withWholeScriptExecution } from './migrate/script-fix.ts';
import type { OpenDatabaseOptions } from './open.ts';
import { poolQuery } from './raw.ts';

export async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const location = redact(url);
  await checkReachable(url, location);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // No JIT compilation on the project's connections. Its statements are short (an append, a page of
    // events), but on a large log the planner's estimate for a few thousand trials' events crosses
    // jit_above_cost, and compiling then costs ten times the query: a 24,000-trial run beside some
    // 400,000 stored trials spent 1.7 s of the server's time loading events instead of 0.2 s. Set on
    // each new connection before it is handed out, not in the startup packet (which a pooler such as
    // PgBouncer may refuse); a server without JIT (before PostgreSQL 11) refuses it, which is ignored.
    onConnect: async (client) => {
      await client.query('SET jit = off').catch(() => {});
    },
  });
  // An idle client losing its connection (server restart) emits 'error'; without a listener that would
  // crash the process. The next query reconnects or fails with a normal error.
  pool.on('error', () => {});
  try {
    if (options.migrate !== false) await migratePostgres(url);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    const listeners = new Set<() => Promise<void>>();
    // LISTEN needs a connection of its own for as long as it listens (a pooled one would be recycled).
    // When the server restarts, the connection ends: it is made again, backing off, until it is stopped.
    const listen: Database['listen'] = async (channel, onNotify) => {
      let client: pg.Client | null = null;
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      const connect = async () => {
        const c = new pg.Client({ connectionString: url });
        c.on('error', () => {});
        c.on('notification', (n) => {
          if (n.channel === channel) onNotify(n.payload ?? '');
        });
        c.on('end', () => {
          if (!stopped && client === c) again(200);
        });
        await c.connect();
        await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
        client = c;
      };
      const again = (delay: number) => {
        client = null;
        retry = setTimeout(() => {
          if (stopped) return;
          connect().catch(() => again(Math.min(delay * 2, 5_000)));
        }, delay);
        retry.unref();
      };
      await connect();
      const stop = async () => {
        stopped = true;
        clearTimeout(retry);
        listeners.delete(stop);
        await client?.end().catch(() => {});
      };
      listeners.add(stop);
      return stop;
    };
    return finish(
      prisma,
      'postgres',
      location,
      null,
      listen,
      async () => {
        await Promise.all([...listeners].map((stop) => stop()));
        await pool.end();
      },
      poolQuery(pool),
      { maxInFlight: 2, ...options.appendBatching },
    );
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
}

// The engine serialises concurrent migrators with a session-level advisory lock (pg_advisory_lock), so lock
// and unlock must run on the same connection: a pool could run them on different ones and leave the lock
// held, making the next process time out. Hence a dedicated one-connection pool, ended afterwards.
async function migratePostgres(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  try {
    // Repaired under the engine's own advisory lock (Prisma's 72707369), only when no other process holds
    // it: one that does may be migrating right now, and its unfinished row is not a killed one.
    const client = await pool.connect();
    let upToDate = false;
    try {
      const [{ locked }] = (await client.query('SELECT pg_try_advisory_lock(72707369) AS locked')).rows;
      if (locked)
        try {
          await repairInterruptedMigrations(async (sql) => (await client.query(sql)).rows);
        } finally {
          await client.query('SELECT pg_advisory_unlock(72707369)');
        }
      upToDate = await migrationsSettled(async (sql) => (await client.query(sql)).rows);
    } finally {
      client.release();
    }
    if (!upToDate)
      await applyMigrations(withWholeScriptExecution(new PrismaPg(pool), (script) => pool.query(script)));
  } finally {
    await pool.end();
  }
}

async function checkReachable(url: string, location: string): Promise<void> {
  // One plain connection first, with a short timeout, so a wrong DATABASE_URL gives a clear message
  // (instead of a hang or a driver error from inside the migration engine).
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new DatabaseUnreachableError(describeServer(url, location), error);
  } finally {
    await client.end().catch(() => {});
  }
}

function describeServer(url: string, location: string): string {
  try {
    const parsed = new URL(url);
    const db = parsed.pathname.replace(/^\//, '');
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${db ? ` (database "${db}")` : ''}`;
  } catch {
    return location;
  }
}
