// The floor under `oversight status`: PGlite alone, started as a short look starts it (the same
// PostgreSQL settings, WebAssembly compiled by Liftoff only), opening a data folder and running one
// query, without the CLI, Prisma, the lock or the migrations check. Plain JavaScript, so nothing is
// compiled on the way in. Run by startup.bench.ts:
//   node --liftoff-only pglite-floor.mjs <pgdata> '<PostgreSQL start parameters as JSON>'
import { createRequire } from 'node:module';
import path from 'node:path';

const [pgdata, params] = process.argv.slice(2);
// The ES module build, which the CLI loads (resolved from the database package, which depends on it).
const cjs = createRequire(new URL('../../../packages/db/package.json', import.meta.url)).resolve(
  '@electric-sql/pglite',
);
const { PGlite } = await import(path.join(path.dirname(cjs), 'index.js'));
const db = new PGlite({
  dataDir: pgdata,
  startParams: [...PGlite.defaultStartParams, ...JSON.parse(params)],
});
const { rows } = await db.query('SELECT count(*)::int AS trials FROM "Trial"');
await db.close();
console.log(`${rows[0].trials} trials`);
