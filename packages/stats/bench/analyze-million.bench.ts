/**
 * Benchmark: 1,000,000 synthetic judgments (seeded; 4 arms, 5,000 judges, 2,000 questions, judge
 * and question effects) → CSV in a temp dir → full analysis in TypeScript, then, on the same CSV in
 * the same run: the same work in NumPy/SciPy (bench/analyze_million.py; with the PATH's python3,
 * with OpenBLAS threads and core settings taken away, and with Debian's python3 + pandas.read_csv),
 * and R (bench/analyze_million.R: data.table::fread and lme4::glmer on the judge GLMM). Prints
 * every figure and the ratio to TypeScript; asserts nothing. Tools that are not installed are
 * skipped with the command that installs them.
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

  // Each side runs in its own process so that parse time, analysis time and peak RSS are comparable.
  type Result = {
    parse: number;
    analysis?: number;
    aggregate?: number;
    glmm?: number;
    sd?: number;
    maxrss_mb: number | null;
    parser?: string;
  };
  const run = (
    label: string,
    cmd: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): Result | null => {
    const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env });
    if (res.error || res.status !== 0) {
      console.log(
        `${label}: skipped (${res.error?.message ?? `exit ${res.status}: ${res.stderr.trim().split('\n').slice(-2).join(' ')}`})\n`,
      );
      return null;
    }
    const lines = res.stdout.trim().split('\n');
    const result = lines.find((l) => l.startsWith('RESULT '));
    if (!result) throw new Error(`${label}: no RESULT line`);
    console.log(`[${label}]`);
    console.log(lines.filter((l) => !l.startsWith('RESULT ')).join('\n'));
    console.log('');
    return JSON.parse(result.slice(7)) as Result;
  };
  const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
  const script = join(here, 'analyze_million.py');
  const ts = run('TypeScript', process.execPath, [
    '--import',
    'tsx',
    join(here, 'analyze-csv.ts'),
    csvPath,
    String(RESAMPLES),
  ])!;
  const python: { label: string; result: Result }[] = [];
  const py = (label: string, cmd: string, env?: NodeJS.ProcessEnv) => {
    const result = run(label, cmd, [script, csvPath, String(RESAMPLES)], env);
    if (result) python.push({ label, result });
  };
  // The project's first script: the python3 on the PATH (NumPy/SciPy with OpenBLAS; no pandas there).
  py('python3 (PATH), OpenBLAS as configured', 'python3');
  // OpenBLAS threads on 2 cores, and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines
  // to dodge old OpenBLAS bugs), can slow a current NumPy: measure without them in the same run.
  const { OPENBLAS_CORETYPE: _core, OPENBLAS_L2_SIZE: _l2, ...clean } = process.env;
  py('python3 (PATH), OPENBLAS_NUM_THREADS=1, CORETYPE/L2_SIZE unset', 'python3', {
    ...clean,
    OPENBLAS_NUM_THREADS: '1',
  });
  // pandas: Debian's python3-pandas is for /usr/bin/python3 (with Debian's NumPy and SciPy).
  if (has('/usr/bin/python3', ['-c', 'import pandas, scipy']))
    py('/usr/bin/python3 with pandas.read_csv', '/usr/bin/python3');
  else
    console.log('pandas: skipped (apt-get install -y python3-pandas python3-scipy for /usr/bin/python3)\n');
  let r: Result | null = null;
  if (has('Rscript', ['-e', 'library(data.table); library(lme4)']))
    r = run('R', 'Rscript', [join(here, 'analyze_million.R'), csvPath]);
  else console.log('R: skipped (apt-get install -y r-base-core r-cran-data.table r-cran-lme4)\n');

  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && a > 0 ? `${(b / a).toFixed(2)}×` : '–';
  const secs = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(2)} s`);
  const line = (cells: string[]) =>
    console.log(
      `  ${cells[0]!.padEnd(84)} ${cells[1]!.padStart(9)} ${cells[2]!.padStart(9)} ${cells[3]!.padStart(9)}`,
    );
  console.log(
    `Same run, same CSV (${N.toLocaleString('en-US')} judgments, ${RESAMPLES} resamples); ratio = other ÷ TypeScript:`,
  );
  line(['', 'TypeScript', 'other', 'ratio']);
  for (const { label, result } of python) {
    line([
      `parse CSV: ${label} (${result.parser})`,
      secs(ts.parse),
      secs(result.parse),
      ratio(ts.parse, result.parse),
    ]);
    line([
      `analysis: ${label}`,
      secs(ts.analysis),
      secs(result.analysis),
      ratio(ts.analysis, result.analysis),
    ]);
    line([
      `total: ${label}`,
      secs(ts.parse + ts.analysis!),
      secs(result.parse + result.analysis!),
      ratio(ts.parse + ts.analysis!, result.parse + result.analysis!),
    ]);
  }
  if (r) {
    line(['parse CSV: R data.table::fread', secs(ts.parse), secs(r.parse), ratio(ts.parse, r.parse)]);
    line([
      'judge × arm cells: R data.table',
      secs(ts.aggregate),
      secs(r.aggregate),
      ratio(ts.aggregate, r.aggregate),
    ]);
    line([
      `judge GLMM, 25-point AGQ: R lme4::glmer (SD ${r.sd?.toFixed(3)} vs ${ts.sd?.toFixed(3)})`,
      secs(ts.glmm),
      secs(r.glmm),
      ratio(ts.glmm, r.glmm),
    ]);
  }
  console.log(
    `  peak RSS: TypeScript ${ts.maxrss_mb?.toFixed(0)} MB; ${python.map(({ label, result }) => `${label} ${result.maxrss_mb?.toFixed(0)} MB`).join('; ')}`,
  );
  console.log(
    `  OpenBLAS settings here: OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}, OPENBLAS_L2_SIZE=${process.env.OPENBLAS_L2_SIZE ?? '(unset)'}, OPENBLAS_NUM_THREADS=${process.env.OPENBLAS_NUM_THREADS ?? '(unset)'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
