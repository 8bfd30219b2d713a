// The repository suites run against both backends: embedded PGlite in a temporary folder and a PostgreSQL
// server: CI's (OVERSIGHT_TEST_DATABASE_URL, started by .ci/run) or a throwaway one from the machine's
// binaries. Without either the server suites are skipped, saying so in their names; in CI (CI=true) they
// run and fail instead, so a run that tested one backend cannot pass for one that tested both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Database, openDatabase } from '../src/index.ts';
import { findPostgresBin, sharedServerUrl, startPostgres } from './pg-server.ts';

export interface Harness {
  /** Closed by teardown (replace it if a test reopens the database). */
  db: Database;
  /** Opens a second Database on the same storage (close `db` first for the embedded backend). */
  open(): Promise<Database>;
  teardown(): Promise<void>;
}

export interface Backend {
  name: string;
  /** Why the suite is skipped, or null when it runs. */
  skip: string | null;
  setup(): Promise<Harness>;
}

export function tempDir(prefix = 'oversight-db-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const serverAvailable = sharedServerUrl() !== null || findPostgresBin() !== null;
const inCI = /^(1|true)$/i.test(process.env.CI ?? '');

export const backends: Backend[] = [
  {
    name: 'embedded PGlite',
    skip: null,
    async setup() {
      const dataDir = tempDir();
      const open = () => openDatabase({ dataDir });
      const harness: Harness = {
        db: await open(),
        open,
        async teardown() {
          await harness.db.close();
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
      return harness;
    },
  },
  {
    name: 'PostgreSQL server',
    skip:
      serverAvailable || inCI
        ? null
        : 'SKIPPED: no PostgreSQL server (set OVERSIGHT_TEST_DATABASE_URL, or install the server binaries: $PG_BIN or /usr/lib/postgresql/*/bin)',
    async setup() {
      const server = await startPostgres();
      try {
        const databaseUrl = await server.createDatabase('oversight_test');
        const open = () => openDatabase({ databaseUrl, poolSize: 8 });
        const harness: Harness = {
          db: await open(),
          open,
          async teardown() {
            await harness.db.close();
            await server.stop();
          },
        };
        return harness;
      } catch (error) {
        await server.stop();
        throw error;
      }
    },
  },
];

export function suiteName(backend: Backend): string {
  return backend.skip ? `${backend.name} — ${backend.skip}` : backend.name;
}

let counter = 0;
/** Ids unique within a test file, so tests sharing one database do not see each other's rows. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}
