// Events appended per second through `db.events.append` (one event per append, the runner's common case):
//   - embedded PGlite, one sequential writer (PGlite has a single connection anyway);
//   - a throwaway PostgreSQL server (default durability settings), 32 concurrent writers on distinct trials.
// Each figure is the median of 3 runs. Run: pnpm --filter @oversight/db bench
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Database, openDatabase } from '../src/index.ts';
import { findPostgresBin, startPostgres } from '../test/pg-server.ts';

const RUNS = 3;
const PGLITE_APPENDS = Number(process.env.BENCH_PGLITE_APPENDS ?? 3000);
const PG_WRITERS = 32;
const PG_APPENDS_PER_WRITER = Number(process.env.BENCH_PG_APPENDS ?? 150);

async function prepare(db: Database, run: string, trials: number): Promise<string[]> {
  const experimentId = `bench-${run}`;
  await db.questions.upsertMany('bench', [
    {
      id: 'bench-q',
      storyId: 'bench-s',
      storyTitle: '',
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
  const ids = Array.from({ length: trials }, (_, i) => `${experimentId}-t${i}`);
  await db.trials.createMany(
    ids.map((id, ordinal) => ({
      id,
      experimentId,
      arm: 'debate',
      protocol: 'debate',
      dataset: 'bench',
      questionId: 'bench-q',
      storyId: 'bench-s',
      judgeId: 'j',
      ordinal,
      status: 'active',
      owed: [],
      seats: [],
      created: { type: 'TrialCreated' },
    })),
  );
  return ids;
}

/** Each writer owns one trial and appends `count` events to it, one append per event. */
async function writer(db: Database, trialId: string, count: number): Promise<void> {
  for (let seq = 1; seq <= count; seq++) {
    await db.events.append({
      trialId,
      expectedSeq: seq,
      events: [{ type: 'ArgumentSubmitted', role: 'debater', text: 'x'.repeat(400), round: seq }],
      trial: { status: 'active' },
      owed: [],
    });
  }
}

async function measure(db: Database, run: string, writers: number, perWriter: number): Promise<number> {
  const trialIds = await prepare(db, run, writers);
  const start = performance.now();
  await Promise.all(trialIds.map((id) => writer(db, id, perWriter)));
  const seconds = (performance.now() - start) / 1000;
  return (writers * perWriter) / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (xs: number[]) => `${Math.round(median(xs))} events/s (runs: ${xs.map(Math.round).join(', ')})`;

async function benchPglite(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oversight-bench-'));
  try {
    const db = await openDatabase({ dataDir });
    try {
      const rates: number[] = [];
      for (let r = 0; r < RUNS; r++) rates.push(await measure(db, `pglite-${r}`, 1, PGLITE_APPENDS));
      console.log(`PGlite (embedded), 1 sequential writer, ${PGLITE_APPENDS} appends/run: ${fmt(rates)}`);
    } finally {
      await db.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchPostgres(): Promise<void> {
  if (!findPostgresBin()) {
    console.log('PostgreSQL server: skipped (no server binaries in $PG_BIN or /usr/lib/postgresql/*/bin)');
    return;
  }
  // Durable settings (fsync and synchronous commit on), as on a real server.
  const server = await startPostgres({ fast: false });
  try {
    const db = await openDatabase({
      databaseUrl: await server.createDatabase('bench'),
      poolSize: PG_WRITERS,
    });
    try {
      const rates: number[] = [];
      for (let r = 0; r < RUNS; r++)
        rates.push(await measure(db, `pg-${r}`, PG_WRITERS, PG_APPENDS_PER_WRITER));
      console.log(
        `PostgreSQL server, ${PG_WRITERS} concurrent writers x ${PG_APPENDS_PER_WRITER} appends/run: ${fmt(rates)}`,
      );
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
  }
}

console.log(`append benchmark (median of ${RUNS} runs; ${os.cpus().length} CPUs, Node ${process.version})`);
await benchPglite();
await benchPostgres();
