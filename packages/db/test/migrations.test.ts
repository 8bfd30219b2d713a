import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsDir, openDatabase } from '../src/index.ts';
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
  });
}

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
