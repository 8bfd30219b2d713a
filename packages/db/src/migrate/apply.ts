// Applies prisma/migrations to a database through a driver adapter, using the WebAssembly schema engine.
// The engine records each migration in `_prisma_migrations` exactly as `prisma migrate deploy` does, so a
// database migrated here and one migrated by the CLI on a connected machine are interchangeable.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { withSchemaEngine } from './engine.ts';
import { loadMigrations, migrationsDir, schemaPath } from './migrations.ts';

export async function applyMigrations(
  factory: SqlMigrationAwareDriverAdapterFactory,
  dir: string = migrationsDir,
): Promise<string[]> {
  const migrationsList = loadMigrations(dir);
  if (migrationsList.migrationDirectories.length === 0) {
    throw new Error(
      `No migrations found in ${dir}; run \`pnpm --filter @oversight/db migration:create init\`.`,
    );
  }
  const schema = { schemaPath, schemaText: readFileSync(schemaPath, 'utf8') };
  return withSchemaEngine(factory, schema, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList,
      filters: { externalTables: [], externalEnums: [] },
    });
    return appliedMigrationNames;
  });
}

type Query = (sql: string) => Promise<Array<Record<string, unknown>>>;

/**
 * Whether every migration is recorded as applied, with the checksum (sha256 of its script) Prisma
 * recorded: then opening skips the schema engine, whose WebAssembly instance costs every command
 * about 100 MB of memory and a quarter of a second, for nothing to do.
 */
export async function migrationsUpToDate(query: Query, dir: string = migrationsDir): Promise<boolean> {
  const [table] = await query(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!table?.present) return false;
  const applied = new Map(
    (
      await query(
        `SELECT "migration_name", "checksum" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`,
      )
    ).map((row) => [String(row.migration_name), String(row.checksum)]),
  );
  return loadMigrations(dir).migrationDirectories.every((m) => {
    const file = m.migrationFile.content;
    return file.tag === 'ok' && applied.get(m.path) === createHash('sha256').update(file.value).digest('hex');
  });
}
