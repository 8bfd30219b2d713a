// Chooses and opens the database. One PostgreSQL dialect everywhere: a PostgreSQL server when a URL is
// given (option or DATABASE_URL), otherwise PostgreSQL embedded in this process (PGlite) in a local folder.
// Migrations are applied on open, so a fresh checkout, a CI run and a production server all converge.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { resolveDataFolder } from './data-folder.ts';
import { type SharedEmbedded, shareEmbedded } from './embedded-share.ts';
import { DatabaseLockedError, DatabaseUnreachableError, type LockHolder } from './errors.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { acquireLock } from './lock.ts';
import { applyMigrations, migrationsUpToDate } from './migrate/apply.ts';
import { repairInterruptedMigrations } from './migrate/repair.ts';
import { withWholeScriptExecution } from './migrate/script-fix.ts';
import { keepToOwner, narrow } from './owner-only.ts';
import { pgliteQuery, poolQuery, type RawQuery } from './raw.ts';
import { type AppendBatching, createRepositories, type Repositories } from './repositories/index.ts';

export interface OpenDatabaseOptions {
  /** Folder of the embedded database (pgdata/ and the lock). Default: $OVERSIGHT_DATA_DIR or ./.oversight */
  dataDir?: string;
  /** PostgreSQL server URL. Default: $DATABASE_URL; when neither is set the embedded database is used. */
  databaseUrl?: string;
  /** Apply pending migrations from prisma/migrations (default true). */
  migrate?: boolean;
  /** Connections in the pool for a PostgreSQL server (default 10). */
  poolSize?: number;
  /**
   * Embedded only: let other processes use the database through this one (a unix socket in the data
   * folder, advertised in the lock file), and use another process's when it holds the folder. Default true.
   */
  share?: boolean;
  /**
   * How appends made at the same time are written together (group commit): trials per statement and
   * statements at once. Default 500 trials; 2 statements at once on a server, 1 embedded (one connection).
   */
  appendBatching?: AppendBatching;
}

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
  /** Disconnects, shuts PGlite down cleanly and releases the lock. Safe to call twice. */
  close(): Promise<void>;
}

export function resolveDataDir(dataDir?: string): string {
  return dataDir ? path.resolve(dataDir) : resolveDataFolder(undefined).dir;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const url = options.databaseUrl ?? (process.env.DATABASE_URL || undefined);
  return url ? openPostgres(url, options) : openEmbedded(resolveDataDir(options.dataDir), options);
}

async function openEmbedded(requestedDir: string, options: OpenDatabaseOptions): Promise<Database> {
  const warning = keepToOwner(requestedDir);
  if (warning) console.error(`warning: ${warning}`);
  // The real path, so that two spellings of one folder (symlinks, ..) meet at the same lock.
  const dataDir = fs.realpathSync(requestedDir);
  const share = options.share !== false;
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(path.join(dataDir, 'db.lock'));
  } catch (error) {
    // Another live process holds the folder: use the database through it, if it shares it.
    if (share && error instanceof DatabaseLockedError && !error.sameProcess && error.holder?.socket) {
      const through = await openThrough(dataDir, error.holder, options).catch(() => null);
      if (through) return through;
    }
    throw error;
  }
  let pglite: PGlite | undefined;
  let shared: SharedEmbedded | null = null;
  try {
    // After a crash (even SIGKILL) PGlite starts PostgreSQL's WAL recovery on this folder, so every
    // committed transaction is there; the lock above guarantees no other process is using it meanwhile.
    const pgdata = path.join(dataDir, 'pgdata');
    const fresh = !fs.existsSync(path.join(pgdata, 'PG_VERSION'));
    pglite = new PGlite({ dataDir: pgdata });
    await pglite.waitReady.catch((error: unknown) => {
      throw diskFullOr(dataDir, error);
    });
    if (fresh) narrow(pgdata);
    const db = pglite;
    if (options.migrate !== false) {
      // This process holds the folder's lock: no other migrator can be running.
      const query = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
      await repairInterruptedMigrations(query);
      if (!(await migrationsUpToDate(query)))
        await applyMigrations(withWholeScriptExecution(new PrismaPGlite(db), (script) => db.exec(script)));
    }
    if (share) {
      shared = await shareEmbedded(db, dataDir);
      if (shared) lock.advertise(path.join(shared.socketDir, `.s.PGSQL.${shared.port}`));
    }
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    const listen: Database['listen'] = async (channel, onNotify) => {
      const stop = await db.listen(channel, onNotify);
      return async () => stop();
    };
    const sharing = shared;
    return finish(
      prisma,
      'embedded',
      dataDir,
      null,
      listen,
      async () => {
        try {
          await sharing?.close();
          await db.close();
        } finally {
          lock.release();
        }
      },
      pgliteQuery(db),
      { maxInFlight: 1, ...options.appendBatching },
    );
  } catch (error) {
    await shared?.close().catch(() => {});
    await pglite?.close().catch(() => {});
    lock.release();
    throw error;
  }
}

/**
 * PGlite says only that it "failed to initialize" when PostgreSQL cannot start, which on a full disk is
 * because its write-ahead log needs room (a segment is 16 MB): say so, as an ENOSPC error, when the
 * folder's file system is that full; any other failure is left as it was.
 */
function diskFullOr(dataDir: string, error: unknown): unknown {
  try {
    const { bavail, bsize } = fs.statfsSync(dataDir);
    const free = bavail * bsize;
    if (free >= 64 * 1024 * 1024) return error;
    return Object.assign(
      new Error(
        `cannot open the embedded database in ${dataDir}: the disk holding it is full (${(free / 1024 / 1024).toFixed(1)} MB free; PostgreSQL needs room for its write-ahead log to start): No space left on device`,
        { cause: error },
      ),
      { code: 'ENOSPC' },
    );
  } catch {
    return error;
  }
}

/** The embedded database held by another process, reached through its socket like a server. */
async function openThrough(
  dataDir: string,
  holder: LockHolder,
  options: OpenDatabaseOptions,
): Promise<Database> {
  const socketDir = path.dirname(holder.socket!);
  const port = Number(/\.s\.PGSQL\.(\d+)$/.exec(holder.socket!)?.[1] ?? 5432);
  const config = { host: socketDir, port, user: 'postgres', database: 'postgres' };
  const probe = new pg.Client({ ...config, connectionTimeoutMillis: 3_000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
  } finally {
    await probe.end().catch(() => {});
  }
  const pool = new pg.Pool({ ...config, max: options.poolSize ?? 4 });
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  // Notifications stay inside the holder's process: here, whoever listens polls.
  const listen: Database['listen'] = async () => async () => {};
  return finish(
    prisma,
    'embedded',
    `${dataDir} (through process ${holder.pid}: ${holder.command})`,
    holder.pid,
    listen,
    () => pool.end(),
    poolQuery(pool),
    { maxInFlight: 2, ...options.appendBatching },
  );
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
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
      upToDate = await migrationsUpToDate(async (sql) => (await client.query(sql)).rows);
    } finally {
      client.release();
    }
    if (!upToDate)
      await applyMigrations(withWholeScriptExecution(new PrismaPg(pool), (script) => pool.query(script)));
  } finally {
    await pool.end();
  }
}

function finish(
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
