// A process killed while it migrates (SIGKILL, power loss) leaves its migration in `_prisma_migrations`
// as started but never finished, and every later open would refuse the database ("failed migrations").
// A migration's script runs as one transaction (script-fix.ts) that also records its checksum in
// MARKER_TABLE, so whether it took effect is known exactly: the repair marks it applied when the marker is
// there and rolled back when not (what `prisma migrate resolve --applied` / `--rolled-back` would do by
// hand), and the schema engine then applies what is still missing. The caller makes sure no other
// migrator is running meanwhile.
import { createHash } from 'node:crypto';

export const MARKER_TABLE = '_oversight_applied_scripts';

type Query = (sql: string) => Promise<Array<Record<string, unknown>>>;

/** The statements that, appended to a migration's script, record in the same transaction that it ran. */
export function markerStatements(script: string): string {
  const checksum = createHash('sha256').update(script).digest('hex');
  return `
CREATE TABLE IF NOT EXISTS "${MARKER_TABLE}" ("checksum" TEXT PRIMARY KEY, "appliedAt" TIMESTAMPTZ NOT NULL DEFAULT now());
INSERT INTO "${MARKER_TABLE}" ("checksum") VALUES ('${checksum}') ON CONFLICT DO NOTHING;`;
}

/** Resolves migrations left started but unfinished; returns their names. */
export async function repairInterruptedMigrations(query: Query): Promise<string[]> {
  const [tables] = await query(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS migrations, to_regclass('"${MARKER_TABLE}"') IS NOT NULL AS marker`,
  );
  if (!tables?.migrations) return [];
  const stuck = await query(
    `SELECT "id", "migration_name", "checksum" FROM "_prisma_migrations" WHERE "finished_at" IS NULL AND "rolled_back_at" IS NULL`,
  );
  for (const row of stuck) {
    const id = String(row.id).replace(/'/g, "''");
    const checksum = String(row.checksum).replace(/'/g, "''");
    const applied =
      tables.marker &&
      (await query(`SELECT 1 FROM "${MARKER_TABLE}" WHERE "checksum" = '${checksum}'`)).length > 0;
    await query(
      applied
        ? `UPDATE "_prisma_migrations" SET "finished_at" = now(), "applied_steps_count" = 1 WHERE "id" = '${id}'`
        : `UPDATE "_prisma_migrations" SET "rolled_back_at" = now() WHERE "id" = '${id}'`,
    );
  }
  return stuck.map((r) => String(r.migration_name));
}
