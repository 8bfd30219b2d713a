import { existsSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '@oversight/db';
import { type DataFolder, resolveDataFolder as resolveFolder } from '@oversight/db/data-folder';
import { keepToOwner } from '@oversight/db/owner-only';
import { env, userCwd } from './env.ts';
import { DataFolderError, UsageError } from './exit-codes.ts';

/** The embedded database's folder: the project's one rule (packages/db/src/data-folder.ts), from where the command was typed. */
export function resolveDataFolder(option: string | undefined, from: string = userCwd): DataFolder {
  return resolveFolder(option, from, env);
}

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** Everything about the folder that would make opening it fail half-way, found before anything is written. */
function checkFolder(folder: DataFolder, create: boolean): void {
  const { dir, source } = folder;
  const choose = `choose another folder with --data-dir DIR (now from ${source})`;
  let isNew = false;
  try {
    if (!statSync(dir).isDirectory())
      throw new DataFolderError(`the database folder ${dir} is a file, not a folder; ${choose}`);
  } catch (error) {
    if (error instanceof DataFolderError) throw error;
    if (errno(error) !== 'ENOENT')
      throw new DataFolderError(`cannot use the database folder ${dir} (${errno(error)}); ${choose}`);
    isNew = true;
  }
  if (!create && (isNew || !existsSync(path.join(dir, 'pgdata'))))
    throw new UsageError(
      `no database in ${dir} (from ${source}): nothing has been run with it yet. ` +
        'Check --data-dir / OVERSIGHT_DATA_DIR, or start with  oversight run <config>  (or  oversight demo)',
    );
  // Created 0700, or checked: the folder holds everything people typed (see packages/db/src/owner-only.ts).
  let warning: string | null;
  try {
    warning = keepToOwner(dir);
  } catch (error) {
    if ((error as Error).name === 'DataFolderPermissionError') throw error;
    throw new DataFolderError(
      `cannot ${isNew ? 'create' : 'use'} the database folder ${dir} (${errno(error)}); ${choose}`,
    );
  }
  if (warning) console.error(`warning: ${warning}`);
  // The embedded database writes on every open (its lock, its write-ahead log), even to read.
  const probe = path.join(dir, `.write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (error) {
    const code = errno(error);
    const why = code === 'EROFS' ? 'it is on a read-only file system' : `it is not writable (${code})`;
    throw new DataFolderError(
      `cannot use the database folder ${dir}: ${why}; give yourself write access to it, or copy it to a writable place and pass --data-dir`,
    );
  }
}

/**
 * Bytes of the embedded database's tables and indexes on disk (pgdata/base: every database's files,
 * catalogs included; not the write-ahead log, whose size says nothing of the data), or null when the
 * command uses a server (DATABASE_URL) or the folder has no database yet. One directory read per
 * database and a stat per file: a few milliseconds, before anything is opened.
 */
export function embeddedTableBytes(dataDirOption: string | undefined): number | null {
  if (env.DATABASE_URL) return null;
  const base = path.join(resolveDataFolder(dataDirOption).dir, 'pgdata', 'base');
  let total = 0;
  try {
    for (const db of readdirSync(base, { withFileTypes: true })) {
      if (!db.isDirectory()) continue;
      const dir = path.join(base, db.name);
      for (const file of readdirSync(dir)) {
        try {
          total += statSync(path.join(dir, file)).size;
        } catch {
          // gone meanwhile (a table dropped by another process)
        }
      }
    }
  } catch {
    return null;
  }
  return total;
}

export interface OpenOptions {
  /** Create the database when the folder has none (commands that add data); others refuse. */
  create?: boolean;
  /** Whether the work only reads (default: what the command line's command does, see setDatabaseAccess). */
  access?: 'read' | 'write';
}

let commandAccess: 'read' | 'write' = 'write';
let commandLight = false;

/** What the command being run does with the database (cli.ts sets it from READ_ONLY_COMMANDS, LIGHT_COMMANDS). */
export function setDatabaseAccess(access: 'read' | 'write', light = false): void {
  commandAccess = access;
  commandLight = light;
}

/** Opens the embedded database (or DATABASE_URL's server), having checked its folder first. */
export async function openProjectDatabase(
  dataDir: string | undefined,
  options: OpenOptions = {},
): Promise<Database> {
  const server = Boolean(env.DATABASE_URL);
  const folder = resolveDataFolder(dataDir);
  if (!server) checkFolder(folder, options.create ?? false);
  // Loaded here, not at the top: the database drivers take a while to load, and most of the
  // CLI's work (help, validation, power) needs none of them.
  const { openDatabase } = await import('@oversight/db');
  let db: Database;
  try {
    db = await openDatabase(
      server ? {} : { dataDir: folder.dir, access: options.access ?? commandAccess, light: commandLight },
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR', 'EISDIR'].includes(code))
      throw new DataFolderError(
        `cannot open the database in ${folder.dir} (${code}); ${(error as Error).message}`,
      );
    throw error;
  }
  console.error(`database: ${db.location}${server ? ' (DATABASE_URL)' : ` (${folder.source})`}`);
  return db;
}

export async function withDatabase<T>(
  dataDir: string | undefined,
  work: (db: Database) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const db = await openProjectDatabase(dataDir, options);
  try {
    return await work(db);
  } catch (error) {
    // Through another process that ended meanwhile: say that, not what the driver made of it.
    throw (await db.hostGone()) ?? error;
  } finally {
    await db.close();
  }
}
