// Chooses and opens the database. One PostgreSQL dialect everywhere: a PostgreSQL server when a URL is
// given (option or DATABASE_URL), otherwise PostgreSQL embedded in this process (PGlite) in a local folder.
// Migrations are applied on open, so a fresh checkout, a CI run and a production server all converge.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { type Database, EMBEDDED_TRANSACTIONS, finish } from './assemble.ts';
import { resolveDataFolder } from './data-folder.ts';
import { type SharedEmbedded, shareEmbedded } from './embedded-share.ts';
import { DatabaseLockedError, type LockHolder } from './errors.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { acquireLock, type HeldLock } from './lock.ts';
import { applyMigrations, migrationsSettled } from './migrate/apply.ts';
import { repairInterruptedMigrations } from './migrate/repair.ts';
import { withWholeScriptExecution } from './migrate/script-fix.ts';
import { keepToOwner, narrow } from './owner-only.ts';
import { pgliteQuery } from './raw.ts';
import type { AppendBatching } from './repositories/index.ts';
import { copyTemplate } from './template.ts';

export { type Database, redact } from './assemble.ts';

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
   * Embedded only: a short look (status, list, show, and `analyze` of a small database), which starts
   * PostgreSQL with the least shared memory it needs: 2 MB of shared buffers instead of 128 and room
   * for 4 connections instead of 100 (LIGHT_START). Starting PGlite fills its shared memory, so a small
   * one starts faster in less memory (about 130 MB less resident); a long run keeps the large pool,
   * which spares it reads of the folder.
   */
  light?: boolean;
}

export function resolveDataDir(dataDir?: string): string {
  return dataDir ? path.resolve(dataDir) : resolveDataFolder(undefined).dir;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const url = options.databaseUrl ?? (process.env.DATABASE_URL || undefined);
  if (!url) return openEmbedded(resolveDataDir(options.dataDir), options);
  // Each driver is loaded when it is used: a command on the embedded database loads no PostgreSQL
  // client (pg, its Prisma adapter), one on a server or through another process no PGlite.
  const { openPostgres } = await import('./server.ts');
  return openPostgres(url, options);
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
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
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
 * PostgreSQL's settings for a short look, on top of PGlite's own. Shared buffers at 2 MB (256 pages):
 * a short look reads a few pages of each index and table, and a scan of a large table goes through a
 * small ring of buffers whatever the pool's size. Connections: PGlite is one backend however many
 * processes share it (embedded-share.ts), and a short look shares with no one, but PostgreSQL sizes its
 * lock and process tables for max_connections (100 by default, 3 MB).
 */
export const LIGHT_START: readonly string[] = ['-c', 'shared_buffers=2MB', '-c', 'max_connections=4'];

/**
 * PGlite on a folder (made by its initdb when new), migrated when asked. The caller holds the folder's
 * lock (or owns the folder alone), so no other migrator can be running.
 */
async function startPGlite(pgdata: string, migrate: boolean, light = false): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite({
    dataDir: pgdata,
    ...(light ? { startParams: [...PGlite.defaultStartParams, ...LIGHT_START] } : {}),
  });
  try {
    await db.waitReady;
    const query = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
    // Settled and up to date (one statement) is every open but the first after a migration is added.
    if (migrate && !(await migrationsSettled(query))) {
      await repairInterruptedMigrations(query);
      if (!(await migrationsSettled(query))) {
        const { PrismaPGlite } = await import('pglite-prisma-adapter');
        await applyMigrations(withWholeScriptExecution(new PrismaPGlite(db), (script) => db.exec(script)));
      }
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
        const { openThrough } = await import('./through.ts');
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
