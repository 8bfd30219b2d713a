// Applies prisma/migrations to a database through a driver adapter, using the WebAssembly schema engine.
// The engine records each migration in `_prisma_migrations` exactly as `prisma migrate deploy` does, so a
// database migrated here and one migrated by the CLI on a connected machine are interchangeable.
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
