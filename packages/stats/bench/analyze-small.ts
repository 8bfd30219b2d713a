/**
 * Benchmark: the analysis of small studies, the ones people run first (issue 22: a 60-judgment
 * experiment took 6.4 s and 493 MB, most of it a million bootstrap resamples chasing an interval
 * end that never settled). Four 60-judgment designs, each analysed in this process after one
 * warm-up run; prints the analysis time (median of 5) and the process's peak RSS. Then the same
 * size through the command people type: `oversight analyze` of a 60-judgment experiment (run first
 * with `oversight run` on the embedded database in a temporary folder: 10 questions, one debate
 * arm, 12 simulated judges, as apps/cli/bench/startup.bench.ts), as it starts (light, the database
 * being small) and with OVERSIGHT_LIGHT=off (as it started before), in alternating rounds; prints
 * the medians of wall time, of its analysis time (its OVERSIGHT_TIMINGS line) and of peak RSS
 * (GNU time's, else the command's own), against the issue's bound (200 MB). Asserts nothing.
 *
 *   pnpm --filter @oversight/stats exec tsx bench/analyze-small.ts
 *   (BENCH_CLI_ROUNDS, default 5; 0 leaves the command out)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeExperiment, createRng, type JudgmentRow, simulateExperiment } from '../src/index.ts';

function study(
  name: string,
  arms: { arm: string; protocol: JudgmentRow['protocol']; logit: number }[],
  judges: number,
) {
  return {
    name,
    rows: simulateExperiment({ arms, judgments: 60, judges, questions: 20, arguers: 4 }, createRng(name)),
  };
}

const designs = [
  study(
    '3 arms, 8 judges',
    [
      { arm: 'debate', protocol: 'debate', logit: 1 },
      { arm: 'consultancy', protocol: 'consultancy', logit: 0.4 },
      { arm: 'oracle', protocol: 'oracle', logit: 4 },
    ],
    8,
  ),
  study(
    '2 arms, 3 judges',
    [
      { arm: 'debate', protocol: 'debate', logit: 1 },
      { arm: 'judge-alone', protocol: 'judge-alone', logit: 0 },
    ],
    3,
  ),
  study(
    '4 arms, 20 judges',
    [
      { arm: 'debate', protocol: 'debate', logit: 1 },
      { arm: 'interactive-debate', protocol: 'interactive-debate', logit: 1.2 },
      { arm: 'consultancy', protocol: 'consultancy', logit: 0.4 },
      { arm: 'oracle', protocol: 'oracle', logit: 6 },
    ],
    20,
  ),
  study('1 arm, 1 judge (an AI re-judging)', [{ arm: 'debate', protocol: 'debate', logit: 0.8 }], 1),
];

for (const d of designs) {
  analyzeExperiment(d.rows);
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    analyzeExperiment(d.rows);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`${d.name.padEnd(36)} analysis ${(times[2]! / 1000).toFixed(3)} s (median of 5)`);
}
console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

const ROUNDS = Number(process.env.BENCH_CLI_ROUNDS ?? 5);
if (ROUNDS > 0) {
  const launcher = fileURLToPath(new URL('../../../apps/cli/bin/oversight.mjs', import.meta.url));
  const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const dir = mkdtempSync(join(tmpdir(), 'oversight-analyze-small-'));
  const dataDir = join(dir, 'data');
  /** One `oversight` command in the folder; its wall time, peak RSS and stderr. */
  const oversight = (args: readonly string[], env: NodeJS.ProcessEnv = {}) => {
    const command = [process.execPath, launcher, ...args, '--data-dir', dataDir];
    const started = performance.now();
    const r = spawnSync(gnuTime ?? command[0]!, gnuTime ? ['-f', 'PEAK %M', ...command] : command.slice(1), {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: dir, DATABASE_URL: '', OVERSIGHT_TIMINGS: '1', ...env },
    });
    const seconds = (performance.now() - started) / 1000;
    if (r.status !== 0) throw new Error(`oversight ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
    const peak = /PEAK (\d+)/.exec(r.stderr)?.[1];
    const own = /report [\d.]+ s \(peak (\d+) MB\)/.exec(r.stderr)?.[1];
    const analysis = /analysis ([\d.]+) s/.exec(r.stderr)?.[1];
    return {
      seconds,
      peakMb: peak ? Number(peak) / 1024 : Number(own),
      analysis: Number(analysis),
    };
  };
  try {
    const questions = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({
        id: `q${i}`,
        storyId: `s${i % 5}`,
        question: `Question ${i}?`,
        answers: ['one', 'two'],
        correctIndex: i % 2,
        source: `Story ${i % 5}: one thing happened, and then another, and one of them is the answer.`,
      }),
    );
    writeFileSync(join(dir, 'questions.jsonl'), `${questions.join('\n')}\n`);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        name: 'small',
        seed: 1,
        dataset: { path: 'questions.jsonl' },
        judges: [{ count: 12 }],
        arms: [{ name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 6 }],
      }),
    );
    oversight(['run', 'config.json']);
    const cases: Array<[string, NodeJS.ProcessEnv]> = [
      ['oversight analyze (60 judgments)', {}],
      ['the same, OVERSIGHT_LIGHT=off', { OVERSIGHT_LIGHT: 'off' }],
    ];
    const samples = new Map(cases.map(([name]) => [name, [] as Array<ReturnType<typeof oversight>>]));
    // One round not counted: it builds the CLI's bundle if a source changed and warms the file cache.
    for (const [, env] of cases) oversight(['analyze', 'small', '--out', join(dir, 'report')], env);
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, env] of cases)
        samples.get(name)!.push(oversight(['analyze', 'small', '--out', join(dir, 'report')], env));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `\nthrough the command, medians of ${ROUNDS} alternating rounds (load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at the end):`,
    );
    for (const [name] of cases) {
      const s = samples.get(name)!;
      const peak = median(s.map((x) => x.peakMb));
      console.log(
        `${name.padEnd(36)} wall ${median(s.map((x) => x.seconds)).toFixed(2)} s, analysis ${median(
          s.map((x) => x.analysis),
        ).toFixed(
          3,
        )} s, peak RSS ${peak.toFixed(0)} MB${name === cases[0]![0] ? ` (${peak < 200 ? 'under' : 'OVER'} 200 MB)` : ''}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
