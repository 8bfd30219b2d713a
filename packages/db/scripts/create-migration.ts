// `pnpm --filter @oversight/db migration:create <name>`: diffs the existing migrations against
// prisma/schema.prisma with the WebAssembly schema engine (works offline, unlike `prisma migrate dev`)
// and writes the next numbered folder, e.g. prisma/migrations/0002_add_index/migration.sql.
// The migrations are replayed on an in-memory PGlite shadow database, so no server is needed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { withSchemaEngine } from '../src/migrate/engine.ts';
import {
  loadMigrations,
  lockfileContent,
  lockfileName,
  migrationsDir,
  schemaPath,
} from '../src/migrate/migrations.ts';

const rawName = process.argv.slice(2).join('_');
const name = rawName
  .toLowerCase()
  .replace(/[^a-z0-9]+/g, '_')
  .replace(/^_+|_+$/g, '');
if (!name) {
  console.error('usage: pnpm --filter @oversight/db migration:create <name>   (e.g. add_trial_index)');
  process.exit(2);
}

const schemaText = readFileSync(schemaPath, 'utf8');
const existing = loadMigrations();
const pglite = new PGlite();
try {
  const from =
    existing.migrationDirectories.length === 0
      ? { tag: 'empty' as const }
      : {
          tag: 'migrations' as const,
          ...existing,
          lockfile: { path: lockfileName, content: lockfileContent },
        };
  const result = await withSchemaEngine(new PrismaPGlite(pglite), { schemaPath, schemaText }, (engine) =>
    engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schemaText }] },
      script: true,
      // With exitCode set, the engine reports 2 when the diff is non-empty and 0 when nothing changed.
      exitCode: true,
      filters: { externalTables: [], externalEnums: [] },
    }),
  );
  if (result.exitCode === 0) {
    console.log(
      `No changes: the ${existing.migrationDirectories.length} migration(s) in ${migrationsDir} already match ${schemaPath}.`,
    );
    process.exitCode = 0;
  } else {
    const next = existing.migrationDirectories.length + 1;
    const folder = `${String(next).padStart(4, '0')}_${name}`;
    mkdirSync(path.join(migrationsDir, folder), { recursive: true });
    writeFileSync(path.join(migrationsDir, folder, 'migration.sql'), result.stdout ?? '');
    writeFileSync(path.join(migrationsDir, lockfileName), lockfileContent);
    console.log(
      `Wrote ${path.join(migrationsDir, folder, 'migration.sql')}; review it, then commit it with the schema.`,
    );
  }
} finally {
  await pglite.close();
}
