// What a command costs before it does anything: `oversight --help`, and `oversight status` on a small
// embedded database (60 judgments), which opens PGlite, each beside Node doing nothing (`node -e 0`),
// beside `status` started as every other command starts the database (OVERSIGHT_LIGHT=off), and beside
// the floor under `status`: PGlite alone opening the same folder as `status` starts it and running one
// query (pglite-floor.mjs), in alternating rounds so a busy machine moves all of them alike. Prints
// medians of wall time and of peak resident memory (GNU time's %M), the ratios, and `status` against
// its targets (0.5 s, 150 MB).
//   npx -y pnpm@12.4.2 --filter @oversight/cli bench:startup      (BENCH_STARTUP_ROUNDS, default 7)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIGHT_START } from '@oversight/db';
import { childEnv } from '@oversight/testkit';
import { launcher } from './processes.ts';

const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 7);
const dir = mkdtempSync(path.join(os.tmpdir(), 'oversight-startup-'));
const dataDir = path.join(dir, 'data');
const floorScript = fileURLToPath(new URL('./pglite-floor.mjs', import.meta.url));
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

interface Sample {
  seconds: number;
  peakMb: number;
}

function measure(args: readonly string[], env: NodeJS.ProcessEnv = {}): Sample {
  const command = [process.execPath, ...args];
  const started = performance.now();
  const r = gnuTime
    ? spawnSync(gnuTime, ['-f', 'PEAK %M', ...command], {
        cwd: dir,
        encoding: 'utf8',
        env: childEnv({ ...process.env, INIT_CWD: dir, DATABASE_URL: '', ...env }),
      })
    : spawnSync(command[0]!, command.slice(1), {
        cwd: dir,
        encoding: 'utf8',
        env: childEnv({ ...process.env, INIT_CWD: dir, DATABASE_URL: '', ...env }),
      });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const peak = /PEAK (\d+)/.exec(r.stderr)?.[1];
  return { seconds, peakMb: peak ? Number(peak) / 1024 : Number.NaN };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

try {
  // 60 judgments: 10 questions, one arm of 6 trials each, simulated.
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
  writeFileSync(path.join(dir, 'questions.jsonl'), `${questions.join('\n')}\n`);
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      name: 'small',
      seed: 1,
      dataset: { path: 'questions.jsonl' },
      judges: [{ count: 12 }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 6 }],
    }),
  );
  measure([launcher, 'run', 'config.json', '--data-dir', dataDir]);
  const cases: Array<[string, readonly string[], NodeJS.ProcessEnv]> = [
    ['node -e 0', ['-e', '0'], {}],
    ['oversight --help', [launcher, '--help'], {}],
    ['oversight status', [launcher, 'status', 'small', '--data-dir', dataDir], {}],
    [
      'oversight status, OVERSIGHT_LIGHT=off',
      [launcher, 'status', 'small', '--data-dir', dataDir],
      { OVERSIGHT_LIGHT: 'off' },
    ],
    [
      'floor: PGlite open + 1 query',
      ['--liftoff-only', floorScript, path.join(dataDir, 'pgdata'), JSON.stringify(LIGHT_START)],
      {},
    ],
  ];
  const samples = new Map<string, Sample[]>(cases.map(([name]) => [name, []]));
  // One round first, not counted: it builds the bundle if a source changed and warms the file cache.
  for (const [, args, env] of cases) measure(args, env);
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, args, env] of cases) samples.get(name)!.push(measure(args, env));
  const load = os.loadavg().map((l) => l.toFixed(1));
  console.log(
    `start-up, medians of ${ROUNDS} alternating rounds (${os.cpus().length} cores, load average ${load.join(' ')} at the end):`,
  );
  const of = (name: string) => ({
    seconds: median(samples.get(name)!.map((s) => s.seconds)),
    peakMb: median(samples.get(name)!.map((s) => s.peakMb)),
  });
  for (const [name] of cases) {
    const m = of(name);
    console.log(
      `  ${name.padEnd(40)} ${m.seconds.toFixed(2)} s  ${Number.isNaN(m.peakMb) ? '' : `${m.peakMb.toFixed(0)} MB`}`,
    );
  }
  const node = of('node -e 0');
  const help = of('oversight --help');
  const status = of('oversight status');
  const heavy = of('oversight status, OVERSIGHT_LIGHT=off');
  const floor = of('floor: PGlite open + 1 query');
  console.log(
    `  status / --help ${(status.seconds / help.seconds).toFixed(2)}x in time; status light / as before ${(status.seconds / heavy.seconds).toFixed(2)}x in time, ${(status.peakMb / heavy.peakMb).toFixed(2)}x in memory; --help / node -e 0 ${(help.seconds / node.seconds).toFixed(2)}x`,
  );
  const meets = (value: number, target: number) => (value <= target ? 'met' : 'missed');
  console.log(
    `  status against its targets: ${status.seconds.toFixed(2)} s of 0.5 (${meets(status.seconds, 0.5)}), ${status.peakMb.toFixed(0)} MB of 150 (${meets(status.peakMb, 150)}); the floor, PGlite alone, is ${floor.seconds.toFixed(2)} s (${(floor.seconds / status.seconds).toFixed(2)} of status) and ${floor.peakMb.toFixed(0)} MB (${(floor.peakMb / status.peakMb).toFixed(2)})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
