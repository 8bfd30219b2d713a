// A million simulated trials through the real command, in bounded memory: `oversight run` (planning
// streamed to the database, then every trial driven), `run` again (everything planned: straight to the
// work, nothing left), `status`, `analyze` and `export` (both reading in pages). Prints each command's
// time and peak resident memory (VmHWM, read from /proc while it runs), and the storage per judgment.
//   pnpm --filter @oversight/cli bench:million            (a durable PostgreSQL server on loopback)
//   pnpm --filter @oversight/cli bench:million --embedded (the embedded database in a temporary folder)
//   BENCH_MILLION_TRIALS=100000 to try it smaller
// `analyze` prints the time of each of its phases (OVERSIGHT_TIMINGS); on the embedded database it runs
// twice, as it starts on a database this size and started light (OVERSIGHT_LIGHT=on: small shared
// buffers, PGlite's WebAssembly by the baseline compiler only, as on a small database), to show what
// the light start would cost here.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '@oversight/db';
import { startPostgres } from '@oversight/db/testing/pg-server';
import { loadBundledQuestions } from '@oversight/runner';
import { spawnChild } from '@oversight/testkit';
import { launcher } from './processes.ts';

const TRIALS = Number(process.env.BENCH_MILLION_TRIALS ?? 1_000_000);
const embedded = process.argv.includes('--embedded');
const dir = mkdtempSync(path.join(os.tmpdir(), 'oversight-million-'));

interface Measured {
  code: number | null;
  seconds: number;
  peakMb: number;
  stdout: string;
  stderr: string;
}

/** Runs `oversight <args>`, polling its peak resident memory (VmHWM) until it exits. */
function measured(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const child = spawnChild(process.execPath, [launcher, ...args], {
    cwd: dir,
    env: { ...process.env, INIT_CWD: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = performance.now();
  let stdout = '';
  let stderr = '';
  let peakKb = 0;
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c;
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c;
  });
  const poll = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (hwm) peakKb = Math.max(peakKb, Number(hwm));
    } catch {
      // gone
    }
  }, 100);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearInterval(poll);
      resolve({ code, seconds: (performance.now() - started) / 1000, peakMb: peakKb / 1024, stdout, stderr });
    }),
  );
}

const questions = await loadBundledQuestions();
const perStory = new Map<string, number>();
for (const q of questions) perStory.set(q.storyId, (perStory.get(q.storyId) ?? 0) + 1);
// Three arms keep trials per question under the config's cap of 1,000.
const ARMS = ['debate', 'interactive-debate', 'consultancy'];
const perQuestion = Math.ceil(TRIALS / (questions.length * ARMS.length));
// No judge may see a story twice: enough judges for the story with the most trials.
const judges = Math.ceil(Math.max(...perStory.values()) * ARMS.length * perQuestion * 1.05);
const name = 'million';
const configFile = path.join(dir, 'million.json');
writeFileSync(
  configFile,
  JSON.stringify({
    name,
    seed: 'million-1',
    dataset: { bundled: 'nyu-2023-quality' },
    judges: [{ name: 'sim', count: judges, participant: { kind: 'simulated-judge' } }],
    arms: ARMS.map((protocol) => ({
      name: protocol,
      protocol,
      rounds: 3,
      judgeMayEndEarly: false,
      trialsPerQuestion: perQuestion,
    })),
  }),
);

const server = embedded ? null : await startPostgres({ fast: false });
try {
  const url = server ? await server.createDatabase('million') : null;
  const env = url ? { DATABASE_URL: url } : { DATABASE_URL: '', OVERSIGHT_DATA_DIR: path.join(dir, 'data') };
  const where = url
    ? 'a PostgreSQL server on loopback (fsync and synchronous_commit on)'
    : 'the embedded database';
  console.log(
    `${questions.length * ARMS.length * perQuestion} trials (${questions.length} questions x ${ARMS.length} arms x ${perQuestion}, ${judges} simulated judges) on ${where}`,
  );
  type Step = [label: string, args: string[], env?: NodeJS.ProcessEnv];
  const analyze = ['analyze', name, '--out', path.join(dir, 'report')];
  const analyzeLight: Step[] = embedded
    ? [
        [
          'analyze, started light (OVERSIGHT_LIGHT=on)',
          analyze,
          { OVERSIGHT_TIMINGS: '1', OVERSIGHT_LIGHT: 'on' },
        ],
      ]
    : [];
  const steps: Step[] = [
    ['run (plan + drive)', ['run', configFile]],
    ['run again (all planned, nothing left)', ['run', configFile]],
    ['status', ['status', name]],
    ['analyze', analyze, { OVERSIGHT_TIMINGS: '1' }],
    ...analyzeLight,
    ['export csv', ['export', name, '--format', 'csv', '--no-times', '--out', path.join(dir, 'million.csv')]],
  ];
  const peaks: Record<string, number> = {};
  for (const [label, args, extra] of steps) {
    const m = await measured(args, { ...env, ...extra });
    if (m.code !== 0) throw new Error(`${label} failed (${m.code}):\n${m.stderr.slice(-2000)}`);
    peaks[label] = m.peakMb;
    const planning = /planning, (\d+) of/.test(m.stderr) ? ' (planning streamed in batches)' : '';
    console.log(`  ${label}: ${m.seconds.toFixed(1)} s, peak RSS ${Math.round(m.peakMb)} MB${planning}`);
    if (label === 'status') console.log(`    ${m.stdout.trim().split('\n')[0]}`);
    const timings = /^timings: .*$/m.exec(m.stderr)?.[0];
    if (timings) console.log(`    ${timings}`);
    if (label.startsWith('export'))
      console.log(`    ${(statSync(path.join(dir, 'million.csv')).size / 1e6).toFixed(0)} MB of CSV`);
  }
  const top = Math.max(...Object.values(peaks));
  console.log(`  largest peak: ${Math.round(top)} MB (${top < 1024 ? 'under' : 'OVER'} 1 GB)`);

  const db = await openDatabase(url ? { databaseUrl: url } : { dataDir: path.join(dir, 'data') });
  try {
    const judgments = await db.judgments.count(name);
    const [size] = await db.prisma.$queryRaw<
      Array<{ bytes: bigint }>
    >`SELECT pg_database_size(current_database()) AS bytes`;
    const tables = await db.prisma.$queryRaw<Array<{ name: string; bytes: bigint }>>`
      SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 6`;
    console.log(
      `  storage: ${(Number(size!.bytes) / 1e9).toFixed(2)} GB for ${judgments} judgments = ${Math.round(Number(size!.bytes) / judgments)} bytes per judgment (${tables.map((t) => `${t.name} ${Math.round(Number(t.bytes) / judgments)}`).join(', ')})`,
    );
  } finally {
    await db.close();
  }
} finally {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
