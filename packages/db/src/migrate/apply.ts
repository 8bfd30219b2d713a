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
 * Whether the migrations are settled and up to date, in one statement: none left started and unfinished
 * (repair.ts), and every one recorded as applied with the checksum (sha256 of its script) Prisma
 * recorded. Then opening skips the repair and the schema engine, whose WebAssembly instance costs every
 * command about 100 MB of memory and a quarter of a second, for nothing to do. A database never migrated
 * (no `_prisma_migrations` yet: the driver's undefined_table error) is not.
 */
export async function migrationsSettled(query: Query, dir: string = migrationsDir): Promise<boolean> {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await query(
      `SELECT "migration_name", "checksum", "finished_at" IS NOT NULL AS "finished", "rolled_back_at" IS NOT NULL AS "rolledBack" FROM "_prisma_migrations"`,
    );
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') return false;
    throw error;
  }
  if (rows.some((row) => !row.finished && !row.rolledBack)) return false;
  const applied = new Map(
    rows
      .filter((row) => row.finished && !row.rolledBack)
      .map((row) => [String(row.migration_name), String(row.checksum)]),
  );
  return loadMigrations(dir).migrationDirectories.every((m) => {
    const file = m.migrationFile.content;
    return file.tag === 'ok' && applied.get(m.path) === createHash('sha256').update(file.value).digest('hex');
  });
}
