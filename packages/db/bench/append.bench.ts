// What the database layer ingests, whole trials at a time, against what the database does by itself
// in the same run. Each trial is planned (its TrialCreated, as `run` stores it), then given 8 more
// events of the sizes a simulated 3-round debate makes (~530 bytes each) and its Judgment:
//   - "instant": 1,024 trials in flight, each appending its 8 events at once (simulated participants);
//   - "move by move": 256 trials in flight, each appending its events one at a time (model participants).
// Appends go through `db.events.append`, which groups those made at the same time into one statement.
//   PostgreSQL server (fsync and synchronous_commit on): judgments/s and events/s, beside pgbench's
//     single-row INSERT transactions (32 clients) and COPY of the same event rows, with the ratios.
//   Embedded PGlite: the same, beside PGlite's own raw rate (COPY of the same rows into the same database).
// Medians of BENCH_RUNS (3). Run: pnpm --filter @oversight/db bench
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { type AppendInput, type Database, openDatabase, type TrialInput } from '../src/index.ts';
import { findPostgresBin, startPostgres } from '../test/pg-server.ts';
import { copyEvents, median, pgbenchInserts } from './references.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PG_TRIALS = Number(process.env.BENCH_PG_TRIALS ?? 20_000);
const PGLITE_TRIALS = Number(process.env.BENCH_PGLITE_TRIALS ?? 4_000);
const EVENTS = 8;

// Built once: generating text inside the timed loop would measure this script, not the database layer.
const fillers = Array.from({ length: 48 }, (_, seed) =>
  Array.from(
    { length: 300 },
    (_, i) => 'the pilot mapped the reef before the tide turned'[(i + seed) % 48],
  ).join(''),
);
const filler = (seed: number) => fillers[seed % 48]!;

function eventsOf(trial: number): AppendInput['events'] {
  return Array.from({ length: EVENTS }, (_, k) =>
    k % 3 === 2
      ? { type: 'BeliefReported', role: 'judge', round: 1 + Math.floor(k / 3), probabilities: [0.62, 0.38] }
      : {
          type: 'ArgumentSubmitted',
          role: k % 2 ? 'debater-b' : 'debater-a',
          round: 1 + Math.floor(k / 3),
          text: `Answer A is correct. The story says <quote>${filler(trial + k)}</quote>.`,
          quotes: [{ text: filler(trial + k), status: 'verified', similarity: 1, span: [10, 310] }],
          meta: { participantId: 'debate.arguer', simulated: true },
        },
  );
}

async function plan(db: Database, run: string, trials: number): Promise<string[]> {
  const experimentId = `bench-${run}`;
  await db.questions.upsertMany('bench', [
    {
      id: 'q',
      storyId: 's',
      storyTitle: 'S',
      question: '?',
      answers: ['a', 'b'],
      correctIndex: 0,
      source: 'x',
      metadata: {},
    },
  ]);
  await db.experiments.ensure({
    id: experimentId,
    name: experimentId,
    seed: 's',
    config: {},
    configHash: 'h',
  });
  const ids = Array.from({ length: trials }, (_, i) => `${experimentId}.debate.q${i}.0`);
  const rows: TrialInput[] = ids.map((id, ordinal) => ({
    id,
    experimentId,
    arm: 'debate',
    protocol: 'debate',
    dataset: 'bench',
    questionId: 'q',
    storyId: 's',
    judgeId: `j${ordinal % 500}`,
    ordinal,
    status: 'active',
    owed: [{ role: 'debater-a', participantId: 'debate.arguer', sinceSeq: 1, human: false }],
    seats: [],
    created: { type: 'TrialCreated', trialId: id, seed: `s/${id}`, rules: { protocol: 'debate', rounds: 3 } },
  }));
  for (let i = 0; i < rows.length; i += 1000) await db.trials.createMany(rows.slice(i, i + 1000));
  return ids;
}

const judgment = { probCorrect: 0.62, correct: true, rounds: 2, reward: -0.79, beliefs: [0.55, 0.6, 0.62] };

/** Every trial to its verdict: `inFlight` trials at a time, `perAppend` events per append. */
async function ingest(db: Database, ids: string[], inFlight: number, perAppend: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let t = next++; t < ids.length; t = next++) {
      const events = eventsOf(t);
      for (let k = 0; k < EVENTS; k += perAppend) {
        const last = k + perAppend >= EVENTS;
        await db.events.append({
          trialId: ids[t]!,
          expectedSeq: 1 + k,
          events: events.slice(k, k + perAppend),
          trial: { status: last ? 'finished' : 'active' },
          owed: last
            ? []
            : [{ role: 'judge', participantId: 'j', sinceSeq: 1 + k + perAppend, human: false }],
          ...(last ? { judgment } : {}),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (performance.now() - started) / 1000;
}

interface Rates {
  judgments: number[];
  events: number[];
}

async function measure(db: Database, label: string, trials: number): Promise<Record<string, Rates>> {
  const out: Record<string, Rates> = {};
  for (const [mode, inFlight, perAppend] of [
    ['instant', 1024, EVENTS],
    ['move by move', 256, 1],
  ] as const) {
    const rates: Rates = { judgments: [], events: [] };
    const n = mode === 'instant' ? trials : Math.ceil(trials / 4);
    for (let r = 0; r < RUNS; r++) {
      const ids = await plan(db, `${label}-${mode.replace(/ /g, '-')}-${r}`, n);
      const seconds = await ingest(db, ids, inFlight, perAppend);
      rates.judgments.push(n / seconds);
      rates.events.push((n * EVENTS) / seconds);
    }
    out[mode] = rates;
  }
  return out;
}

const fmt = (xs: number[]) => `${Math.round(median(xs))}/s (runs: ${xs.map(Math.round).join(', ')})`;

function report(rates: Record<string, Rates>, references: Array<[string, number]>) {
  for (const [mode, r] of Object.entries(rates)) {
    console.log(`  ${mode}: ${fmt(r.judgments)} judgments, ${fmt(r.events)} events`);
    for (const [name, rate] of references)
      console.log(`    events/s ÷ ${name} = ${(median(r.events) / rate).toFixed(2)}`);
  }
}

async function benchPostgres(): Promise<void> {
  if (!findPostgresBin()) {
    console.log('PostgreSQL server: skipped (no server binaries in $PG_BIN or /usr/lib/postgresql/*/bin)');
    return;
  }
  const server = await startPostgres({ fast: false });
  try {
    const url = await server.createDatabase('bench');
    const db = await openDatabase({ databaseUrl: url });
    try {
      const settings = ['fsync', 'synchronous_commit'].map(
        (s) => `${s} ${server.tool('psql', ['-Atc', `SHOW ${s}`]).trim()}`,
      );
      console.log(`PostgreSQL server on loopback (${settings.join(', ')}), ${PG_TRIALS} trials per run:`);
      const rates = await measure(db, 'pg', PG_TRIALS);
      const pgbench = pgbenchInserts(server, url, { clients: 32, seconds: 10 });
      const copy = copyEvents(server, url, 200_000);
      console.log(`  pgbench single-row durable INSERT transactions, 32 clients: ${Math.round(pgbench)}/s`);
      console.log(`  COPY (psql \\copy) of ${copy.rows} of these event rows: ${Math.round(copy.rate)}/s`);
      report(rates, [
        ['pgbench single-row rate', pgbench],
        ['COPY rate (aim ≥ 0.33)', copy.rate],
      ]);
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
  }
}

/** PGlite's own rate for these rows: COPY of the same events into a table like TrialEvent, same database. */
async function pgliteCopyRate(dataDir: string): Promise<{ rows: number; rate: number }> {
  const pglite = new PGlite({ dataDir: path.join(dataDir, 'pgdata') });
  try {
    const dump = await pglite.query(
      `COPY (SELECT "trialId", "seq", "type", "payload", "recordedAt" FROM "TrialEvent" WHERE "seq" > 0 LIMIT 100000) TO '/dev/blob'`,
    );
    const blob = dump.blob!;
    const rows = (await blob.text()).split('\n').length - 1;
    await pglite.exec('CREATE TABLE ref_copy (LIKE "TrialEvent" INCLUDING ALL)');
    const started = performance.now();
    await pglite.query(`COPY ref_copy FROM '/dev/blob'`, [], { blob });
    const rate = rows / ((performance.now() - started) / 1000);
    await pglite.exec('DROP TABLE ref_copy');
    return { rows, rate };
  } finally {
    await pglite.close();
  }
}

async function benchPglite(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oversight-bench-'));
  try {
    const db = await openDatabase({ dataDir, share: false });
    let rates: Record<string, Rates>;
    try {
      console.log(`Embedded PGlite (one process, one connection), ${PGLITE_TRIALS} trials per run:`);
      rates = await measure(db, 'pglite', PGLITE_TRIALS);
    } finally {
      await db.close();
    }
    const copy = await pgliteCopyRate(dataDir);
    console.log(
      `  PGlite's raw rate: COPY of ${copy.rows} of these event rows into the same database: ${Math.round(copy.rate)}/s`,
    );
    report(rates, [["PGlite's COPY rate", copy.rate]]);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(
  `append benchmark: whole trials of ${1 + EVENTS} events (medians of ${RUNS} runs; ${os.cpus().length} CPUs shared by client and server, Node ${process.version})`,
);
await benchPostgres();
await benchPglite();
