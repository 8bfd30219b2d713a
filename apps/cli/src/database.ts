import { type Database, openDatabase } from '@oversight/db';
import { resolveUserPath } from './config-file.ts';
import { env } from './env.ts';

/** Opens the embedded database (or DATABASE_URL's server); `--data-dir` beats OVERSIGHT_DATA_DIR. */
export async function openProjectDatabase(dataDir: string | undefined): Promise<Database> {
  const dir = dataDir ?? env.OVERSIGHT_DATA_DIR;
  return openDatabase(dir ? { dataDir: resolveUserPath(dir) } : { dataDir: resolveUserPath('.oversight') });
}

export async function withDatabase<T>(
  dataDir: string | undefined,
  work: (db: Database) => Promise<T>,
): Promise<T> {
  const db = await openProjectDatabase(dataDir);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
