// Durable judgments per second on one PostgreSQL server (fsync and synchronous_commit on), whole trials
// of simulated participants (debate and consultancy, 3 rounds, ~9 events each), through the real CLI:
// `oversight run` (one process) and 1, 2 and 4 `oversight serve` processes; then, in the same run on the same
// server, what PostgreSQL does by itself: pgbench single-row INSERT transactions (32 clients) and COPY
// of the project's own event rows. Prints medians of BENCH_INGEST_RUNS runs and the ratios.
//   pnpm --filter @oversight/cli bench:ingest     (BENCH_INGEST_TRIALS per run, default 24,000)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExperimentConfigSchema } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { startPostgres } from '@oversight/db/testing/pg-server';
import { copyEvents, median, pgbenchInserts } from '@oversight/db/testing/references';
import { loadBundledQuestions, persistPlan, streamExperiment } from '@oversight/runner';
import { childEnv } from '@oversight/testkit';
import { launcher, type Span, serveBehindGate, spanSince } from './processes.ts';

const TRIALS = Number(process.env.BENCH_INGEST_TRIALS ?? 24_000);
const RUNS = Number(process.env.BENCH_INGEST_RUNS ?? 3);
const QUESTIONS = 300;
const TARGET = 3_200;
const SERVES = [1, 2, 4];

const config = (name: string) => ({
  name,
  seed: name,
  dataset: { bundled: 'nyu-2023-quality' },
  questions: { limit: QUESTIONS },
  judges: [{ name: 'sim', count: 4000, participant: { kind: 'simulated-judge' } }],
  arms: ['debate', 'consultancy'].map((protocol) => ({
    name: protocol,
    protocol,
    rounds: 3,
    judgeMayEndEarly: false,
    trialsPerQuestion: Math.max(1, Math.round(TRIALS / QUESTIONS / 2)),
  })),
});

// Wall-clock time of day (UTC), printed with each process so it can be matched to the server's log.
const clock = () => new Date().toISOString().slice(11, 23);

const dir = mkdtempSync(path.join(os.tmpdir(), 'oversight-ingest-'));
const questions = await loadBundledQuestions();
// The server set up as for a deployment ingesting this fast: at about 330 MB of WAL per 24,000 trials,
// PostgreSQL's default max_wal_size (1 GB) starts a checkpoint every 20 s or so, and the first change
// to each page after one is logged as the whole page. Durability is the same (fsync and
// synchronous_commit stay on); pgbench and COPY below run on this server too. Statements over a
// second, lock waits, checkpoints and autovacuum runs go to its log, printed at the end: a run that
// stalls or slows then shows whether the server was waiting (and on what), busy, or the client was.
const server = await startPostgres({
  fast: false,
  settings: {
    log_min_duration_statement: '1000',
    log_lock_waits: 'on',
    log_checkpoints: 'on',
    log_autovacuum_min_duration: '0',
    max_wal_size: '8GB',
    checkpoint_timeout: '15min',
    shared_buffers: `${Math.floor(os.totalmem() / 4 / 2 ** 20)}MB`,
  },
});
try {
  const url = await server.createDatabase('ingest');
  const db = await openDatabase({ databaseUrl: url });
  const rate = (s: Span) => ({ judgments: s.trials / s.seconds, events: s.events / s.seconds });
  const fmt = (xs: number[]) => `${Math.round(median(xs))} (runs: ${xs.map(Math.round).join(', ')})`;
  // `fromGate`: judgments/s of `serve` from opening the gate, warm-up included.
  const results: Record<string, Array<{ judgments: number; events: number; fromGate?: number }>> = {
    run: [],
  };
  for (const n of SERVES) results[`serve${n}`] = [];
  try {
    console.log(
      `ingest: ${TRIALS} simulated trials per run, ${RUNS} runs each; PostgreSQL ${server.tool('psql', ['-Atc', 'SHOW server_version']).trim()} on loopback, fsync ${server.tool('psql', ['-Atc', 'SHOW fsync']).trim()}, synchronous_commit ${server.tool('psql', ['-Atc', 'SHOW synchronous_commit']).trim()}; ${os.cpus().length} CPUs shared by client and server`,
    );
    for (let r = 0; r < RUNS; r++) {
      // One process: `oversight run` plans, then drives every trial (its own timing: first to last event).
      const file = path.join(dir, `run-${r}.json`);
      writeFileSync(file, JSON.stringify(config(`ingest-run-${r}`)));
      const started = performance.now();
      const startedAt = clock();
      const run = spawnSync(process.execPath, [launcher, 'run', file], {
        env: childEnv({ ...process.env, DATABASE_URL: url }),
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`oversight run failed (${run.status}):\n${run.stderr}`);
      const wall = (performance.now() - started) / 1000;
      const span = await spanSince(db, `ingest-run-${r}`);
      results.run!.push(rate(span));
      console.log(
        `  run ${r + 1}: oversight run: ${span.trials} judgments, ${span.events} events in ${span.seconds.toFixed(1)} s of appending (${wall.toFixed(1)} s with planning and start-up, ${startedAt} to ${clock()} UTC)`,
      );

      // `oversight serve` processes on trials planned beforehand.
      for (const n of SERVES) {
        const name = `ingest-serve${n}-${r}`;
        const parsed = ExperimentConfigSchema.parse(config(name));
        await persistPlan(db, streamExperiment(parsed, questions, 'nyu-2023-quality'), 'nyu-2023-quality');
        const servedAt = clock();
        const served = await serveBehindGate(db, url, name, n);
        // As for `run`: first to last append. From the gate adds the warm-up (questions read, sources
        // indexed, the first thousand trials computed before their first commit).
        const appending = await spanSince(db, name);
        results[`serve${n}`]!.push({ ...rate(appending), fromGate: rate(served).judgments });
        console.log(
          `  run ${r + 1}: ${n} oversight serve: ${appending.trials} judgments, ${appending.events} events in ${appending.seconds.toFixed(1)} s of appending (all ${served.trials} in ${served.seconds.toFixed(1)} s from opening the gate; ${servedAt} to ${clock()} UTC)`,
        );
      }
    }
    const pgbench = pgbenchInserts(server, url, { clients: 32, seconds: 10 });
    const copy = copyEvents(server, url, 200_000);
    console.log('\nsame server, same run:');
    console.log(
      `  pgbench, single-row durable INSERT transactions, 32 clients: ${Math.round(pgbench)} rows/s`,
    );
    console.log(
      `  COPY (psql \\copy) of ${copy.rows} of the project's event rows: ${Math.round(copy.rate)} rows/s`,
    );
    console.log('\nthe project (medians; judgments/s over first to last append):');
    for (const [label, key] of [
      ['oversight run, 1 process', 'run'],
      ...SERVES.map((n) => [`oversight serve, ${n} process${n > 1 ? 'es' : ''}`, `serve${n}`] as const),
    ] as const) {
      const j = results[key]!.map((x) => x.judgments);
      const e = results[key]!.map((x) => x.events);
      console.log(`  ${label}: ${fmt(j)} durable judgments/s, ${fmt(e)} events/s`);
      const g = results[key]!.flatMap((x) => (x.fromGate === undefined ? [] : [x.fromGate]));
      if (g.length > 0) console.log(`    from opening the gate: ${fmt(g)} judgments/s`);
      console.log(
        `    ratios: events/s ÷ COPY rows/s = ${(median(e) / copy.rate).toFixed(2)} (aim ≥ 0.33); events/s ÷ pgbench rows/s = ${(median(e) / pgbench).toFixed(2)}; judgments/s ÷ ${TARGET} = ${(median(j) / TARGET).toFixed(2)}`,
      );
    }
  } finally {
    await db.close();
  }
  const lines = server.log().split('\n');
  // An autovacuum's first line is written when it ends; its time and CPU are on a later line of it.
  const usage = (from: number) => {
    const line = lines.slice(from + 1, from + 16).find((l) => l.includes('system usage:'));
    const m = line && /user: ([\d.]+) s, system: ([\d.]+) s, elapsed: ([\d.]+) s/.exec(line);
    return m ? ` (took ${m[3]} s, CPU ${(Number(m[1]) + Number(m[2])).toFixed(2)} s)` : '';
  };
  const notable = lines.flatMap((line, i) => {
    if (/automatic (vacuum|analyze) of table "[^"]*\.public\./.test(line)) return [line + usage(i)];
    return /duration: \d|still waiting|acquired|checkpoint complete/.test(line) ? [line] : [];
  });
  console.log(
    `\nthe server's log: statements over 1 s, lock waits, checkpoints, autovacuum (${notable.length})${notable.length ? ':' : ''}`,
  );
  for (const line of notable) console.log(`  ${line.length > 240 ? `${line.slice(0, 240)}…` : line}`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
