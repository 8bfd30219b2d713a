/**
 * Benchmark: 1,000,000 synthetic judgments (seeded; 4 arms, 5,000 judges, 2,000 questions, judge
 * and question effects) → CSV in a temp dir → full analysis in TypeScript, then, on the same CSV in
 * the same run: the same work in NumPy/SciPy (bench/analyze_million.py; with the PATH's python3,
 * with OpenBLAS threads and core settings taken away, and with Debian's python3 + pandas.read_csv),
 * and R (bench/analyze_million.R: data.table::fread and lme4::glmer on the judge GLMM). Every tool
 * runs BENCH_REPEATS times (default 3), in alternating order; prints each run, then the medians of
 * wall-clock and CPU seconds and their ratios to TypeScript (CPU time, all threads of a process,
 * moves less with the machine's load than the wall clock); asserts nothing. Tools that are not
 * installed are skipped with the command that installs them.
 *
 *   pnpm --filter @oversight/stats bench      (BENCH_ROWS=200000 for a quicker run, BENCH_REPEATS=1)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, formatJudgmentsCsv, type SimulatedArm, simulateExperiment } from '../src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RESAMPLES = 2000;
/** Rounds of every tool; the figures are medians (BENCH_REPEATS; default 3). */
const REPEATS = Math.max(1, Number(process.env.BENCH_REPEATS ?? 3));
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
    parse_cpu?: number;
    analysis_cpu?: number;
    aggregate_cpu?: number;
    glmm_cpu?: number;
    sd?: number;
    maxrss_mb: number | null;
    parser?: string;
  };
  const run = (
    label: string,
    cmd: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
    print = true,
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
    const printed = lines.filter((l) => !l.startsWith('RESULT '));
    console.log(`[${label}]`);
    // the first run prints everything (the TypeScript report's tables); later runs their timings
    console.log(
      (print
        ? printed
        : printed.filter(
            (l) =>
              /^\S|^ {2}(parse|analysis|judge GLMM|fread|aggregate|glmer|memory)/.test(l) &&
              !l.startsWith('Arm') &&
              !l.includes('│'),
          )
      ).join('\n'),
    );
    console.log('');
    return JSON.parse(result.slice(7)) as Result;
  };
  const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
  const script = join(here, 'analyze_million.py');
  // The project's first script: the python3 on the PATH (NumPy/SciPy with OpenBLAS; no pandas there).
  // OpenBLAS threads on 2 cores, and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines
  // to dodge old OpenBLAS bugs), can slow a current NumPy: measure without them in the same run.
  const { OPENBLAS_CORETYPE: _core, OPENBLAS_L2_SIZE: _l2, ...clean } = process.env;
  const others: { label: string; cmd: string; args: string[]; env?: NodeJS.ProcessEnv }[] = [
    {
      label: 'python3 (PATH), OpenBLAS as configured',
      cmd: 'python3',
      args: [script, csvPath, String(RESAMPLES)],
    },
    {
      label: 'python3 (PATH), OPENBLAS_NUM_THREADS=1, CORETYPE/L2_SIZE unset',
      cmd: 'python3',
      args: [script, csvPath, String(RESAMPLES)],
      env: { ...clean, OPENBLAS_NUM_THREADS: '1' },
    },
  ];
  // pandas: Debian's python3-pandas is for /usr/bin/python3 (with Debian's NumPy and SciPy).
  if (has('/usr/bin/python3', ['-c', 'import pandas, scipy']))
    others.push({
      label: '/usr/bin/python3 with pandas.read_csv',
      cmd: '/usr/bin/python3',
      args: [script, csvPath, String(RESAMPLES)],
    });
  else
    console.log('pandas: skipped (apt-get install -y python3-pandas python3-scipy for /usr/bin/python3)\n');
  const withR = has('Rscript', ['-e', 'library(data.table); library(lme4)']);
  if (!withR) console.log('R: skipped (apt-get install -y r-base-core r-cran-data.table r-cran-lme4)\n');

  // REPEATS rounds, each running every tool once on the same CSV, TypeScript first in odd rounds and
  // last in even ones, so that a change in the machine's load falls on both sides of each ratio.
  const ts: Result[] = [];
  const results = new Map<string, Result[]>(others.map((o) => [o.label, []]));
  const rResults: Result[] = [];
  const tsRun = (round: number) => {
    const r = run(
      `TypeScript, round ${round + 1}`,
      process.execPath,
      ['--import', 'tsx', join(here, 'analyze-csv.ts'), csvPath, String(RESAMPLES)],
      process.env,
      round === 0,
    );
    if (!r) throw new Error('the TypeScript analysis failed');
    ts.push(r);
  };
  for (let round = 0; round < REPEATS; round++) {
    if (round % 2 === 0) tsRun(round);
    for (const o of round % 2 === 0 ? others : [...others].reverse()) {
      const r = run(`${o.label}, round ${round + 1}`, o.cmd, o.args, o.env ?? process.env);
      if (r) results.get(o.label)!.push(r);
    }
    if (withR) {
      const r = run(`R, round ${round + 1}`, 'Rscript', [join(here, 'analyze_million.R'), csvPath]);
      if (r) rResults.push(r);
    }
    if (round % 2 === 1) tsRun(round);
  }

  const median = (values: (number | undefined)[]): number | undefined => {
    const v = values.filter((x): x is number => x !== undefined && x !== null).sort((a, b) => a - b);
    if (v.length === 0) return undefined;
    const m = Math.floor(v.length / 2);
    return v.length % 2 ? v[m] : (v[m - 1]! + v[m]!) / 2;
  };
  const med = (rs: Result[], key: keyof Result) => median(rs.map((r) => r[key] as number | undefined));
  const sum = (rs: Result[], a: keyof Result, b: keyof Result) =>
    median(
      rs.map((r) =>
        r[a] === undefined || r[b] === undefined ? undefined : (r[a] as number) + (r[b] as number),
      ),
    );
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && a > 0 ? `${(b / a).toFixed(2)}×` : '–';
  const secs = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(2)} s`);
  const line = (cells: string[]) =>
    console.log(
      `  ${cells[0]!.padEnd(72)} ${cells
        .slice(1)
        .map((c, i) => c.padStart(i % 3 === 2 ? 7 : 9))
        .join(' ')}`,
    );
  const row = (
    label: string,
    a: [number | undefined, number | undefined],
    b: [number | undefined, number | undefined],
  ) => line([label, secs(a[0]), secs(b[0]), ratio(a[0], b[0]), secs(a[1]), secs(b[1]), ratio(a[1], b[1])]);
  console.log(
    `Same CSV (${N.toLocaleString('en-US')} judgments, ${RESAMPLES} resamples), ${REPEATS} round(s) of every tool, medians; ratio = other ÷ TypeScript (above 1: TypeScript faster):`,
  );
  line(['', 'TS wall', 'other', 'ratio', 'TS CPU', 'other', 'ratio']);
  for (const o of others) {
    const rs = results.get(o.label)!;
    if (rs.length === 0) continue;
    row(
      `parse CSV: ${o.label} (${rs[0]!.parser})`,
      [med(ts, 'parse'), med(ts, 'parse_cpu')],
      [med(rs, 'parse'), med(rs, 'parse_cpu')],
    );
    row(
      `analysis: ${o.label}`,
      [med(ts, 'analysis'), med(ts, 'analysis_cpu')],
      [med(rs, 'analysis'), med(rs, 'analysis_cpu')],
    );
    row(
      `total: ${o.label}`,
      [sum(ts, 'parse', 'analysis'), sum(ts, 'parse_cpu', 'analysis_cpu')],
      [sum(rs, 'parse', 'analysis'), sum(rs, 'parse_cpu', 'analysis_cpu')],
    );
  }
  if (rResults.length > 0) {
    row(
      'parse CSV: R data.table::fread',
      [med(ts, 'parse'), med(ts, 'parse_cpu')],
      [med(rResults, 'parse'), med(rResults, 'parse_cpu')],
    );
    row(
      'judge × arm cells: R data.table',
      [med(ts, 'aggregate'), med(ts, 'aggregate_cpu')],
      [med(rResults, 'aggregate'), med(rResults, 'aggregate_cpu')],
    );
    row(
      `judge GLMM, 25-point AGQ: R lme4::glmer (SD ${rResults[0]!.sd?.toFixed(3)} vs ${ts[0]!.sd?.toFixed(3)})`,
      [med(ts, 'glmm'), med(ts, 'glmm_cpu')],
      [med(rResults, 'glmm'), med(rResults, 'glmm_cpu')],
    );
  }
  console.log('  analysis, each round (TypeScript / other, wall seconds):');
  for (const o of others) {
    const rs = results.get(o.label)!;
    console.log(
      `    ${o.label}: ${rs.map((r, i) => `${ts[i]?.analysis?.toFixed(2)} / ${r.analysis?.toFixed(2)}`).join(', ')}`,
    );
  }
  console.log(
    `  peak RSS (median): TypeScript ${med(ts, 'maxrss_mb')?.toFixed(0)} MB; ${others
      .filter((o) => results.get(o.label)!.length > 0)
      .map((o) => `${o.label} ${med(results.get(o.label)!, 'maxrss_mb')?.toFixed(0)} MB`)
      .join('; ')}`,
  );
  console.log(
    `  OpenBLAS settings here: OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}, OPENBLAS_L2_SIZE=${process.env.OPENBLAS_L2_SIZE ?? '(unset)'}, OPENBLAS_NUM_THREADS=${process.env.OPENBLAS_NUM_THREADS ?? '(unset)'}`,
  );
  console.log(
    `  load average at the end: ${loadavg()
      .map((v) => v.toFixed(1))
      .join(' ')} (${cpus().length} cores)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
