/**
 * Benchmark: 1,000,000 synthetic judgments (seeded; 4 arms, 5,000 judges, 2,000 questions, judge
 * and question effects) → CSV in a temp dir → full analysis in TypeScript, then the same work in
 * NumPy/SciPy (bench/analyze_million.py) on the same CSV. Prints figures; asserts nothing.
 *
 *   pnpm --filter @oversight/stats bench            (BENCH_ROWS=200000 for a quicker run)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, formatJudgmentsCsv, type SimulatedArm, simulateExperiment } from '../src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RESAMPLES = 2000;
const arms: SimulatedArm[] = [
  { arm: 'debate', protocol: 'debate', logit: 1.3 },
  { arm: 'interactive-debate', protocol: 'interactive-debate', logit: 1.4 },
  {
    arm: 'consultancy',
    protocol: 'consultancy',
    honestLogit: 1.8,
    dishonestLogit: -0.2,
    inductions: ['prompted', 'best-of-n'],
  },
  { arm: 'judge-alone', protocol: 'judge-alone', logit: 0.3 },
];

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const dir = mkdtempSync(join(tmpdir(), 'oversight-bench-'));
const csvPath = join(dir, 'judgments.csv');
try {
  const t = performance.now();
  const generated = simulateExperiment(
    { arms, judgments: N, judges: 5000, questions: 2000, arguers: 40, judgeSd: 0.6, questionSd: 0.5 },
    createRng(20240601),
  );
  writeFileSync(csvPath, formatJudgmentsCsv(generated));
  const genMs = performance.now() - t;
  console.log(
    `generated ${N.toLocaleString('en-US')} judgments → ${csvPath} (${mb(statSync(csvPath).size)}) in ${sec(genMs)}\n`,
  );

  // Each half runs in its own process so that parse time, analysis time and peak RSS are comparable.
  const run = (cmd: string, args: string[]) => {
    const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (res.status !== 0)
      throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}):\n${res.stderr.slice(-3000)}`);
    const lines = res.stdout.trim().split('\n');
    const result = lines.find((l) => l.startsWith('RESULT '));
    if (!result) throw new Error(`${cmd}: no RESULT line`);
    console.log(lines.filter((l) => !l.startsWith('RESULT ')).join('\n'));
    console.log('');
    return JSON.parse(result.slice(7)) as {
      parse: number;
      analysis: number;
      maxrss_mb: number;
      parser?: string;
    };
  };
  const ts = run(process.execPath, [
    '--import',
    'tsx',
    join(here, 'analyze-csv.ts'),
    csvPath,
    String(RESAMPLES),
  ]);
  const py = run('python3', [join(here, 'analyze_million.py'), csvPath, String(RESAMPLES)]);
  const row = (label: string, a: number, b: number, unit: string, ratio: boolean) =>
    `  ${label.padEnd(12)} ${`${a.toFixed(2)} ${unit}`.padStart(12)} ${`${b.toFixed(2)} ${unit}`.padStart(12)}   ${ratio ? `${(b / a).toFixed(2)}×` : ''}`;
  console.log(`Same run, same CSV (${N.toLocaleString('en-US')} judgments, ${RESAMPLES} resamples):`);
  console.log(
    `  ${''.padEnd(12)} ${'TypeScript'.padStart(12)} ${'Python'.padStart(12)}   Python ÷ TypeScript   (Python parser: ${py.parser})`,
  );
  console.log(row('parse CSV', ts.parse, py.parse, 's', true));
  console.log(row('analysis', ts.analysis, py.analysis, 's', true));
  console.log(row('total', ts.parse + ts.analysis, py.parse + py.analysis, 's', true));
  console.log(
    `  ${'peak RSS'.padEnd(12)} ${`${ts.maxrss_mb.toFixed(0)} MB`.padStart(12)} ${`${py.maxrss_mb.toFixed(0)} MB`.padStart(12)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
