// Chooses and opens the database. One PostgreSQL dialect everywhere: a PostgreSQL server when a URL is
// given (option or DATABASE_URL), otherwise PostgreSQL embedded in this process (PGlite) in a local folder.
// Migrations are applied on open, so a fresh checkout, a CI run and a production server all converge.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { resolveDataFolder } from './data-folder.ts';
import { type SharedEmbedded, shareEmbedded } from './embedded-share.ts';
import {
  DatabaseHostGoneError,
  DatabaseLockedError,
  DatabaseUnreachableError,
  type LockHolder,
} from './errors.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { acquireLock, type HeldLock } from './lock.ts';
import { applyMigrations, migrationsUpToDate } from './migrate/apply.ts';
import { repairInterruptedMigrations } from './migrate/repair.ts';
import { withWholeScriptExecution } from './migrate/script-fix.ts';
import { keepToOwner, narrow } from './owner-only.ts';
import { pgliteQuery, poolQuery, type RawQuery } from './raw.ts';
import { type AppendBatching, createRepositories, type Repositories } from './repositories/index.ts';
import { copyTemplate } from './template.ts';

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
  /**
   * Embedded only: `read` for commands that only read (status, export, analyze). A reader that holds
   * the folder shares it with no one and is soon done, so a writer waits for it rather than joining it;
   * a writer that holds it shares it with everyone. Default `write`.
   */
  access?: 'read' | 'write';
  /**
   * Embedded only: how long to wait for a holder that is starting, closing, or only reading, before
   * giving up with DatabaseLockedError (default 10 minutes).
   */
  waitMs?: number;
  /** Embedded only: where to say what this process waits for (default: stderr, as "database: ..."). */
  onWait?: (message: string) => void;
  /**
   * Embedded only: a short look (status, list, show): PostgreSQL's shared buffers at 8 MB instead of
   * 128 MB. Starting PGlite fills its buffer pool, so a small one starts faster in less memory (about
   * 170 MB less resident); a long run keeps the large one, which spares it reads of the folder.
   */
  light?: boolean;
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
const EMBEDDED_TRANSACTIONS = { maxWait: 60_000, timeout: 120_000 };

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
  const access = options.access ?? 'write';
  const say = options.onWait ?? ((message: string) => console.error(`database: ${message}`));
  const taken = await takeOrJoin(dataDir, options, access, say);
  if ('through' in taken) return taken.through;
  const { lock } = taken;
  // A reader is soon done and does not share: a writer arriving meanwhile waits for it instead of
  // joining a process that would end under it.
  const share = options.share !== false && access === 'write';
  let pglite: PGlite | undefined;
  let shared: SharedEmbedded | null = null;
  try {
    // After a crash (even SIGKILL) PGlite starts PostgreSQL's WAL recovery on this folder, so every
    // committed transaction is there; the lock above guarantees no other process is using it meanwhile.
    const pgdata = path.join(dataDir, 'pgdata');
    const migrate = options.migrate !== false;
    const fresh = !fs.existsSync(path.join(pgdata, 'PG_VERSION'));
    // A new database is a copy of a migrated template when one can be had (template.ts).
    if (fresh && migrate)
      await copyTemplate(pgdata, async (making) => {
        const maker = await startPGlite(making, true);
        await maker.close();
        narrow(making);
      });
    pglite = await startPGlite(pgdata, migrate, options.light).catch((error: unknown) => {
      throw diskFullOr(dataDir, error);
    });
    if (fresh) narrow(pgdata);
    const db = pglite;
    if (share) shared = await shareEmbedded(db, dataDir);
    lock.advertise('serving', shared ? path.join(shared.socketDir, `.s.PGSQL.${shared.port}`) : undefined);
    const prisma = new PrismaClient({
      adapter: new PrismaPGlite(db),
      transactionOptions: EMBEDDED_TRANSACTIONS,
    });
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
          // New arrivals wait for the folder from now on; those already here finish their work first.
          lock.advertise('closing');
          if (sharing) await whileGuestsStay(sharing, say);
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
 * PGlite on a folder (made by its initdb when new), migrated when asked. The caller holds the folder's
 * lock (or owns the folder alone), so no other migrator can be running.
 */
async function startPGlite(pgdata: string, migrate: boolean, light = false): Promise<PGlite> {
  const db = new PGlite({
    dataDir: pgdata,
    ...(light ? { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=8MB'] } : {}),
  });
  try {
    await db.waitReady;
    if (migrate) {
      const query = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
      await repairInterruptedMigrations(query);
      if (!(await migrationsUpToDate(query)))
        await applyMigrations(withWholeScriptExecution(new PrismaPGlite(db), (script) => db.exec(script)));
    }
    return db;
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

/**
 * This process's turn with the folder: its lock, or the database through the process that holds it.
 * A holder that is starting, closing, or only reading is waited for (saying so once); one that
 * cannot be joined (on another machine, not sharing) is reported at once.
 */
async function takeOrJoin(
  dataDir: string,
  options: OpenDatabaseOptions,
  access: 'read' | 'write',
  say: (message: string) => void,
): Promise<{ lock: HeldLock } | { through: Database }> {
  const lockPath = path.join(dataDir, 'db.lock');
  const started = Date.now();
  const waitMs = options.waitMs ?? 10 * 60_000;
  let said = '';
  for (;;) {
    try {
      return { lock: acquireLock(lockPath, access) };
    } catch (error) {
      if (!(error instanceof DatabaseLockedError) || error.sameProcess || options.share === false)
        throw error;
      const holder = error.holder;
      if (holder && holder.hostname !== os.hostname())
        throw new DatabaseLockedError(lockPath, holder, false, 'on another machine');
      if (holder && holder.state === 'serving' && !holder.socket && holder.access !== 'read')
        throw new DatabaseLockedError(lockPath, holder, false, 'which does not share it');
      const joinable =
        holder?.socket && holder.state !== 'closing' && !(holder.access === 'read' && access === 'write');
      if (joinable) {
        const through = await openThrough(dataDir, holder, options).catch(() => null);
        if (through) return { through };
      }
      if (Date.now() - started > waitMs)
        throw new DatabaseLockedError(
          lockPath,
          holder,
          false,
          `which has not let it go in the ${Math.round(waitMs / 1000)} s this process waited`,
        );
      const waitingFor = waitReason(holder);
      if (waitingFor !== said) {
        said = waitingFor;
        say(waitingFor);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function waitReason(holder: LockHolder | null): string {
  if (!holder) return 'waiting for the process that is taking the database to finish writing its lock';
  const who = `process ${holder.pid} (${holder.command})`;
  if (holder.state === 'closing') return `waiting for ${who}, which is closing the database, to let it go`;
  if (holder.access === 'read') return `waiting for ${who}, which is reading the database, to finish`;
  return `waiting for ${who}, which is opening the database, to share it`;
}

/**
 * Waits until no other process uses the database through this one, saying once who is still there.
 * Ctrl-C or SIGTERM ends the wait: this process then closes, and those processes stop, saying why.
 */
async function whileGuestsStay(shared: SharedEmbedded, say: (message: string) => void): Promise<void> {
  if (shared.connected().length === 0) return;
  let stopped = false;
  let wake = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    say(
      `still in use through this process by ${[...new Set(shared.connected())].join(', ')}; this process ends when that is done (Ctrl-C ends it now, and that process then stops, saying so)`,
    );
    while (!stopped && shared.connected().length > 0)
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
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
async function openThrough(
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
