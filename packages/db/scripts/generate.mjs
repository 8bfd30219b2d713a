// `prisma generate` needs no native engine, but the CLI insists on locating one first; on machines
// without access to Prisma's binary host we point it at any executable (node itself) so it proceeds.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
};
const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const result = spawnSync(
  process.execPath,
  [prismaCli, 'generate', '--schema', path.join(root, 'prisma/schema.prisma')],
  {
    env,
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
