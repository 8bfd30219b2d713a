/**
 * Assembles src/wasm/resample.wat into src/wasm/resample-wasm.ts (the module's bytes, base64), with
 * wabt's wat2wasm from npm (not a dependency of the package: run this after editing the .wat).
 *
 *   npx -y pnpm@12.4.2 --filter @oversight/stats exec tsx scripts/build-resample-wasm.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wat = join(here, '..', 'src', 'wasm', 'resample.wat');
const dir = mkdtempSync(join(tmpdir(), 'resample-wasm-'));
try {
  const out = join(dir, 'resample.wasm');
  execFileSync('npx', ['-y', '-p', 'wabt@1.0.39', 'wat2wasm', wat, '-o', out], { stdio: 'inherit' });
  const bytes = readFileSync(out);
  const lines = bytes.toString('base64').match(/.{1,100}/g) ?? [];
  writeFileSync(
    join(here, '..', 'src', 'wasm', 'resample-wasm.ts'),
    `/** resample.wat assembled by scripts/build-resample-wasm.ts (wabt 1.0.39 wat2wasm): ${bytes.length} bytes. */\nexport const RESAMPLE_WASM_BASE64 =\n${lines.map((l) => `  '${l}'`).join(' +\n')};\n`,
  );
  console.log(`src/wasm/resample-wasm.ts: ${bytes.length} bytes`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
