// Chooses and opens the database. One PostgreSQL dialect everywhere: a PostgreSQL server when a URL is
// given (option or DATABASE_URL), otherwise PostgreSQL embedded in this process (PGlite) in a local folder.
// Migrations are applied on open, so a fresh checkout, a CI run and a production server all converge.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { DatabaseUnreachableError } from './errors.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { acquireLock } from './lock.ts';
import { applyMigrations } from './migrate/apply.ts';
import { withWholeScriptExecution } from './migrate/script-fix.ts';
import { createRepositories, type Repositories } from './repositories/index.ts';

export interface OpenDatabaseOptions {
  /** Folder of the embedded database (pgdata/ and the lock). Default: $OVERSIGHT_DATA_DIR or ./.oversight */
  dataDir?: string;
  /** PostgreSQL server URL. Default: $DATABASE_URL; when neither is set the embedded database is used. */
  databaseUrl?: string;
  /** Apply pending migrations from prisma/migrations (default true). */
  migrate?: boolean;
  /** Connections in the pool for a PostgreSQL server (default 10). */
  poolSize?: number;
}

export interface Database extends Repositories {
  prisma: PrismaClient;
  kind: 'embedded' | 'postgres';
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
  return path.resolve(dataDir ?? (process.env.OVERSIGHT_DATA_DIR || path.join(process.cwd(), '.oversight')));
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const url = options.databaseUrl ?? (process.env.DATABASE_URL || undefined);
  return url ? openPostgres(url, options) : openEmbedded(resolveDataDir(options.dataDir), options);
}

async function openEmbedded(requestedDir: string, options: OpenDatabaseOptions): Promise<Database> {
  fs.mkdirSync(requestedDir, { recursive: true });
  // The real path, so that two spellings of one folder (symlinks, ..) meet at the same lock.
  const dataDir = fs.realpathSync(requestedDir);
  const lock = acquireLock(path.join(dataDir, 'db.lock'));
  let pglite: PGlite | undefined;
  try {
    // After a crash (even SIGKILL) PGlite starts PostgreSQL's WAL recovery on this folder, so every
    // committed transaction is there; the lock above guarantees no other process is using it meanwhile.
    pglite = new PGlite({ dataDir: path.join(dataDir, 'pgdata') });
    await pglite.waitReady;
    const db = pglite;
    if (options.migrate !== false) {
      await applyMigrations(withWholeScriptExecution(new PrismaPGlite(db), (script) => db.exec(script)));
    }
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    const listen: Database['listen'] = async (channel, onNotify) => {
      const stop = await db.listen(channel, onNotify);
      return async () => stop();
    };
    return finish(prisma, 'embedded', dataDir, listen, async () => {
      try {
        await db.close();
      } finally {
        lock.release();
      }
    });
  } catch (error) {
    await pglite?.close().catch(() => {});
    lock.release();
    throw error;
  }
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const location = redact(url);
  await checkReachable(url, location);
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle client losing its connection (server restart) emits 'error'; without a listener that would
  // crash the process. The next query reconnects or fails with a normal error.
  pool.on('error', () => {});
  try {
    if (options.migrate !== false) await migratePostgres(url);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    const listeners = new Set<pg.Client>();
    // LISTEN needs a connection of its own for as long as it listens (a pooled one would be recycled).
    const listen: Database['listen'] = async (channel, onNotify) => {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      client.on('notification', (n) => {
        if (n.channel === channel) onNotify(n.payload ?? '');
      });
      await client.connect();
      await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      listeners.add(client);
      return async () => {
        listeners.delete(client);
        await client.end().catch(() => {});
      };
    };
    return finish(prisma, 'postgres', location, listen, async () => {
      await Promise.all([...listeners].map((c) => c.end().catch(() => {})));
      await pool.end();
    });
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
    await applyMigrations(withWholeScriptExecution(new PrismaPg(pool), (script) => pool.query(script)));
  } finally {
    await pool.end();
  }
}

function finish(
  prisma: PrismaClient,
  kind: Database['kind'],
  location: string,
  listen: Database['listen'],
  shutdown: () => Promise<void>,
): Database {
  let closing: Promise<void> | undefined;
  return {
    prisma,
    kind,
    location,
    listen,
    ...createRepositories(prisma),
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
