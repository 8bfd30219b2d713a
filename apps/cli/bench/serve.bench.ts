// Trials per second with 1, 2 and 4 `oversight serve` processes sharing one PostgreSQL server (default
// durability: fsync and synchronous commit on), end to end: real CLI processes, the real database, and
// model participants answered by the fake OpenAI server on loopback with a fixed latency per request.
// Also with simulated participants only (no waiting on a model: CPU-bound on this 2-core machine), and
// with a slow model where each process may drive only 8 trials at once. On 2 cores shared with the
// server and the fake, CPU-bound work cannot gain from more processes; waiting-bound work does.
// The services start first and wait at a gate (every trial leased to a placeholder), so that all of them
// are up before any work begins; the rate counts from opening the gate to the last event appended.
//   pnpm --filter @oversight/cli bench            (BENCH_SERVE_TRIALS, BENCH_SERVE_LATENCY_MS to change)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ExperimentConfigInput, ExperimentConfigSchema, type Question } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { startPostgres } from '@oversight/db/testing/pg-server';
import { persistPlan, planExperiment } from '@oversight/runner';
import { benchQuestions, spawnChild, startFakeOpenAI } from '@oversight/testkit';
import { launcher } from './processes.ts';

const TRIALS = Number(process.env.BENCH_SERVE_TRIALS ?? 800);
const LATENCY_MS = Number(process.env.BENCH_SERVE_LATENCY_MS ?? 40);
const PROCESSES = [1, 2, 4];

const questions: Question[] = benchQuestions(TRIALS / 4, 40);

function arms(arguer: ExperimentConfigInput['arms'][number]['arguer']): ExperimentConfigInput['arms'] {
  return [
    { name: 'debate', protocol: 'debate', rounds: 2, judgeMayEndEarly: false, trialsPerQuestion: 2, arguer },
    {
      name: 'consultancy',
      protocol: 'consultancy',
      rounds: 2,
      judgeMayEndEarly: false,
      trialsPerQuestion: 2,
      arguer,
    },
  ];
}

async function runOnce(
  db: Database,
  url: string,
  name: string,
  config: ExperimentConfigInput,
  processes: number,
  concurrency: number,
  count: number,
) {
  const parsed = ExperimentConfigSchema.parse({ ...config, name, seed: name });
  const plan = planExperiment(parsed, questions.slice(0, count / 4), 'bench');
  await persistPlan(db, plan, 'bench');
  const gate = { experimentId: name };
  await db.prisma.trial.updateMany({
    where: gate,
    data: { leaseOwner: 'gate', leaseUntil: new Date(Date.now() + 3_600_000) },
  });
  const children = Array.from({ length: processes }, () => {
    const args = [launcher, 'serve', name, '--until-idle', '--concurrency', String(concurrency)];
    const child = spawnChild(process.execPath, args, {
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const up = new Promise<void>((resolve) => {
      let err = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        err += chunk;
        if (err.includes('serving')) resolve();
      });
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { up, exit };
  });
  await Promise.all(children.map((c) => c.up));
  const opened = new Date();
  await db.prisma.trial.updateMany({ where: gate, data: { leaseOwner: null, leaseUntil: null } });
  const codes = await Promise.all(children.map((c) => c.exit));
  if (codes.some((c) => c !== 0)) throw new Error(`a serve process failed: exit codes ${codes.join(', ')}`);
  const [span] = await db.prisma.$queryRaw<Array<{ last: Date; n: number }>>`
    SELECT max(e."recordedAt") AS last, count(DISTINCT t."id")::int AS n
    FROM "TrialEvent" e JOIN "Trial" t ON t."id" = e."trialId"
    WHERE t."experimentId" = ${name} AND e."seq" > 0 AND t."status" = 'finished'`;
  const seconds = (span!.last.getTime() - opened.getTime()) / 1000;
  return { finished: span!.n, rate: span!.n / seconds, seconds };
}

const pg = await startPostgres({ fast: false });
const fake = await startFakeOpenAI({ latencyMs: LATENCY_MS });
// A slow model, each process allowed 8 trials at once: the case several processes are for (a process's
// own limit, not the machine's CPU, bounds it).
const SLOW_MS = 400;
const slow = await startFakeOpenAI({ latencyMs: SLOW_MS });
const dir = mkdtempSync(path.join(tmpdir(), 'oversight-serve-bench-'));
writeFileSync(path.join(dir, 'README'), 'serve benchmark scratch folder\n');
try {
  const url = await pg.createDatabase('serve_bench');
  const db = await openDatabase({ databaseUrl: url });
  try {
    const llm = (model: string) => ({
      kind: 'llm' as const,
      endpoint: 'local',
      model,
      temperature: 0,
      maxTokens: 200,
    });
    const ai: ExperimentConfigInput = {
      name: 'x',
      seed: 'x',
      judges: [{ name: 'ai', count: 64, participant: llm('judge') }],
      arms: arms(llm('arguer')),
      llm: {
        cache: false,
        endpoints: { local: { baseURL: fake.url, maxConcurrent: 64, timeoutMs: 10_000, maxRetries: 0 } },
      },
    };
    const slowAi: ExperimentConfigInput = {
      ...ai,
      llm: {
        cache: false,
        endpoints: { local: { baseURL: slow.url, maxConcurrent: 64, timeoutMs: 10_000, maxRetries: 0 } },
      },
    };
    const simulated: ExperimentConfigInput = {
      name: 'x',
      seed: 'x',
      judges: [{ count: 64 }],
      arms: arms(undefined),
    };
    console.log(
      `serve: ${TRIALS} trials per run (debate and consultancy, 2 rounds, ~7 moves each), PostgreSQL server with fsync on; fake model latency ${LATENCY_MS} ms`,
    );
    for (const [label, config, concurrency, count] of [
      [`model participants (${LATENCY_MS} ms), 32 trials at once per process`, ai, 32, TRIALS],
      [`simulated participants, 32 trials at once per process`, simulated, 32, TRIALS],
      [`slow model (${SLOW_MS} ms), 8 trials at once per process`, slowAi, 8, 96],
    ] as const) {
      const results: Array<{ processes: number; rate: number }> = [];
      for (const processes of PROCESSES) {
        const tag = label.split(' ')[0]!.replace(/\W/g, '');
        const r = await runOnce(
          db,
          url,
          `bench-${tag}-${concurrency}-${processes}`,
          config,
          processes,
          concurrency,
          count,
        );
        results.push({ processes, rate: r.rate });
        console.log(
          `  ${label}, ${processes} process${processes > 1 ? 'es' : ''}: ${r.rate.toFixed(1)} trials/s (${r.finished} trials in ${r.seconds.toFixed(2)} s)`,
        );
      }
      const one = results[0]!.rate;
      console.log(
        `  ${label}: speed-up over 1 process: ${results.map((r) => `${r.processes}: ${(r.rate / one).toFixed(2)}x`).join(', ')}`,
      );
    }
  } finally {
    await db.close();
  }
} finally {
  await fake.close();
  await slow.close();
  await pg.stop();
}
