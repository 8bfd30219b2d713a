import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsDir, openDatabase } from '../src/index.ts';
import { migrationsSettled } from '../src/migrate/apply.ts';
import { MARKER_TABLE, markerStatements, repairInterruptedMigrations } from '../src/migrate/repair.ts';
import { backends, type Harness, suiteName, tempDir } from './backends.ts';

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

const folders = fs
  .readdirSync(migrationsDir)
  .filter((f) => fs.existsSync(path.join(migrationsDir, f, 'migration.sql')))
  .sort();

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(`migrations on ${suiteName(backend)}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await backend.setup();
    });
    afterAll(async () => {
      await h?.teardown();
    });

    it('are applied on open and recorded in _prisma_migrations as prisma migrate deploy would', async () => {
      const rows = await h.db.prisma.$queryRawUnsafe<MigrationRow[]>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
      );
      expect(rows.map((r) => r.migration_name)).toEqual(folders);
      for (const row of rows) {
        // The CLI compares this checksum (sha256 of the file) to decide whether a migration was edited.
        const sql = fs.readFileSync(path.join(migrationsDir, row.migration_name, 'migration.sql'));
        expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
        expect(row.finished_at).not.toBeNull();
        expect(row.rolled_back_at).toBeNull();
        expect(row.applied_steps_count).toBe(1);
      }
      expect(await h.db.prisma.trialEvent.count()).toBe(0);
    });

    it('skip the repair and the schema engine on open only when every migration is recorded, finished, with its checksum', async () => {
      const query = (sql: string) => h.db.prisma.$queryRawUnsafe<Array<Record<string, unknown>>>(sql);
      expect(await migrationsSettled(query)).toBe(true);
      const last = folders.at(-1)!;
      const [row] = await query(`SELECT checksum FROM _prisma_migrations WHERE migration_name = '${last}'`);
      await query(`UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = '${last}'`);
      expect(await migrationsSettled(query)).toBe(false);
      await query(
        `UPDATE _prisma_migrations SET checksum = '${row!.checksum}', rolled_back_at = now() WHERE migration_name = '${last}'`,
      );
      expect(await migrationsSettled(query)).toBe(false);
      await query(`UPDATE _prisma_migrations SET rolled_back_at = NULL WHERE migration_name = '${last}'`);
      expect(await migrationsSettled(query)).toBe(true);
      // A migration left started by a killed process: the repair has work to do.
      await query(`UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = '${last}'`);
      expect(await migrationsSettled(query)).toBe(false);
      await query(`UPDATE _prisma_migrations SET finished_at = now() WHERE migration_name = '${last}'`);
      expect(await migrationsSettled(query)).toBe(true);
    });

    it('are idempotent on reopen', async () => {
      await h.db.experiments.ensure({ id: 'keep', name: 'keep', seed: 's', config: {}, configHash: 'h' });
      if (h.db.kind === 'embedded') await h.db.close();
      const again = await h.open();
      try {
        const rows = await again.prisma.$queryRawUnsafe<MigrationRow[]>(
          'SELECT migration_name FROM _prisma_migrations',
        );
        expect(rows).toHaveLength(folders.length);
        expect(await again.experiments.get('keep')).not.toBeNull();
      } finally {
        await again.close();
      }
      if (h.db.kind === 'embedded') h.db = await h.open();
    });

    it('go on after a process was killed between its migration committing and being marked finished', async () => {
      const last = folders.at(-1)!;
      // Killed after the script committed, before the engine marked it finished.
      await h.db.prisma.$executeRawUnsafe(
        `UPDATE _prisma_migrations SET finished_at = NULL, applied_steps_count = 0 WHERE migration_name = '${last}'`,
      );
      const reopen = async () => {
        if (h.db.kind === 'embedded') await h.db.close();
        const again = await h.open();
        if (h.db.kind === 'embedded') h.db = again;
        else await again.close();
      };
      await reopen();
      const state = () =>
        h.db.prisma.$queryRawUnsafe<MigrationRow[]>(
          `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations WHERE migration_name = '${last}' ORDER BY started_at`,
        );
      expect((await state()).map((r) => [r.finished_at !== null, r.rolled_back_at])).toEqual([[true, null]]);

      const rows = await state();
      expect(rows.map((r) => r.applied_steps_count)).toEqual([1]);
    });
  });
}

describe('a database never migrated', () => {
  it('is not settled (no _prisma_migrations yet), and other errors are not taken for that', async () => {
    const db = new PGlite();
    try {
      const query = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
      expect(await migrationsSettled(query)).toBe(false);
      await expect(
        migrationsSettled(async () => {
          throw Object.assign(new Error('connection lost'), { code: '08006' });
        }),
      ).rejects.toThrow('connection lost');
    } finally {
      await db.close();
    }
  });
});

describe('migrate: false', () => {
  it('opens without touching the schema', async () => {
    const dataDir = tempDir();
    try {
      const db = await openDatabase({ dataDir, migrate: false });
      try {
        const tables = await db.prisma.$queryRawUnsafe<unknown[]>(
          "SELECT 1 FROM information_schema.tables WHERE table_name = '_prisma_migrations'",
        );
        expect(tables).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('repairing a migration left started by a killed process', () => {
  it('marks it applied when its script committed (the marker is there) and rolled back when not', async () => {
    const db = new PGlite();
    try {
      await db.exec(`
        CREATE TABLE _prisma_migrations (id text PRIMARY KEY, migration_name text, checksum text,
          finished_at timestamptz, rolled_back_at timestamptz, applied_steps_count int NOT NULL DEFAULT 0);
        CREATE TABLE ${MARKER_TABLE} (checksum text PRIMARY KEY);
        INSERT INTO ${MARKER_TABLE} VALUES ('committed');
        INSERT INTO _prisma_migrations (id, migration_name, checksum, finished_at, applied_steps_count) VALUES
          ('1', '0001_done', 'done', now(), 1), ('2', '0002_committed', 'committed', NULL, 0), ('3', '0003_lost', 'lost', NULL, 0);`);
      const query = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
      expect(await repairInterruptedMigrations(query)).toEqual(['0002_committed', '0003_lost']);
      const rows = await query(
        'SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations ORDER BY id',
      );
      expect(rows).toEqual([
        { migration_name: '0001_done', finished: true, rolled_back: false },
        { migration_name: '0002_committed', finished: true, rolled_back: false },
        { migration_name: '0003_lost', finished: false, rolled_back: true },
      ]);
      expect(await repairInterruptedMigrations(query)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('records a script as applied in the same transaction as the script', () => {
    expect(markerStatements('CREATE TABLE x ();')).toContain(
      createHash('sha256').update('CREATE TABLE x ();').digest('hex'),
    );
  });
});
