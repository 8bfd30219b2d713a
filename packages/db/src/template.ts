// A new embedded database starts as a copy of a migrated template instead of from PGlite's initdb
// and the migrations: initdb alone takes seconds (about 4 s on a quiet 2-core machine, 20 s on a
// loaded one) and the schema engine more, every time a folder is new (each test, each pilot's folder),
// while copying the 40 MB result takes a fraction of a second. The template is made the first time,
// by that very path (PGlite's initdb, then applyMigrations), once per PGlite version and set of
// migrations, and kept in this package's node_modules/.cache. Anything that goes wrong with it falls
// back to making the database in place; OVERSIGHT_DB_TEMPLATE=off always does.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMigrations } from './migrate/migrations.ts';

/** Where templates are kept: this package's own cache folder. */
const cacheDir = fileURLToPath(new URL('../node_modules/.cache/oversight-db-templates/', import.meta.url));

function templateKey(): string {
  const hash = createHash('sha256');
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  hash.update(`format 1\n${fs.readFileSync(path.join(path.dirname(pglite), '../package.json'), 'utf8')}`);
  for (const m of loadMigrations().migrationDirectories) {
    const content = m.migrationFile.content;
    hash.update(`\n${m.path}\n${content.tag === 'ok' ? content.value : ''}`);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Makes `pgdata` (which must not exist) a copy of the template, making the template first when there
 * is none (`make` creates a migrated database in the folder it is given). Returns false, having
 * changed nothing, when templates are off or it could not be done; the caller then makes it in place.
 */
export async function copyTemplate(
  pgdata: string,
  make: (pgdata: string) => Promise<void>,
): Promise<boolean> {
  if (process.env.OVERSIGHT_DB_TEMPLATE === 'off' || fs.existsSync(pgdata)) return false;
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const copying = `${pgdata}.copy-${unique}`;
  try {
    const template = path.join(cacheDir, templateKey());
    if (!fs.existsSync(path.join(template, 'PG_VERSION'))) {
      // Made beside its place and renamed into it whole: a reader never sees half a template, and of
      // two processes making one at once, the second's rename fails and its copy is dropped.
      const making = `${template}.making-${unique}`;
      fs.mkdirSync(cacheDir, { recursive: true });
      try {
        await make(making);
        fs.renameSync(making, template);
      } catch (error) {
        fs.rmSync(making, { recursive: true, force: true });
        if (!fs.existsSync(path.join(template, 'PG_VERSION'))) throw error;
      }
    }
    fs.cpSync(template, copying, { recursive: true });
    fs.renameSync(copying, pgdata);
    return true;
  } catch {
    fs.rmSync(copying, { recursive: true, force: true });
    return false;
  }
}
