// `oversight serve` as it is deployed: several processes on one PostgreSQL server sharing an AI
// experiment, one of them killed mid-run; and on the embedded database, other commands beside it.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ExperimentConfigSchema, type TrialEvent } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { type PostgresServer, startPostgres } from '@oversight/db/testing/pg-server';
import { loadQuestionFile, persistPlan, planExperiment } from '@oversight/runner';
import { type FakeOpenAIServer, spawnChild, startFakeOpenAI } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync, launcher, tempDir, writeConfig, writeQuestions } from './cli.ts';

const dir = tempDir('serve');
const questionsFile = writeQuestions(dir, 6, 6);
const llm = (model: string) => ({ kind: 'llm', endpoint: 'local', model, temperature: 0, maxTokens: 200 });
const aiConfig = (name: string, baseURL: string) =>
  ExperimentConfigSchema.parse({
    name,
    seed: name,
    dataset: { path: 'questions.jsonl' },
    judges: [{ name: 'ai-judges', count: 12, participant: llm('judge-model') }],
    arms: [
      {
        name: 'debate',
        protocol: 'debate',
        rounds: 2,
        judgeMayEndEarly: false,
        trialsPerQuestion: 2,
        arguer: llm('arguer-model'),
      },
      {
        name: 'consultancy',
        protocol: 'consultancy',
        rounds: 2,
        judgeMayEndEarly: false,
        trialsPerQuestion: 2,
        arguer: llm('arguer-model'),
      },
    ],
    // No cache: every model move is one request, so the fake server's count is the number of calls paid.
    llm: {
      cache: false,
      endpoints: { local: { baseURL, maxConcurrent: 16, timeoutMs: 5000, maxRetries: 0 } },
    },
  });

/** Plans an experiment into the database without driving it: the work the services share. */
async function plan(db: Database, name: string, baseURL: string): Promise<number> {
  const config = aiConfig(name, baseURL);
  const planned = planExperiment(config, await loadQuestionFile(questionsFile), 'serve-questions');
  await persistPlan(db, planned, 'serve-questions', questionsFile);
  return planned.trials.length;
}

function startServe(args: string[], env: NodeJS.ProcessEnv): ChildProcess & { output: () => string } {
  const child = spawnChild(process.execPath, [launcher, 'serve', ...args], {
    cwd: dir,
    env: { ...process.env, INIT_CWD: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: () => string };
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c;
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c;
  });
  child.output = () => out;
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

/** Model moves in the finished logs: what the experiment needed to pay for (one request each without retries). */
async function modelMoves(db: Database, experimentId: string): Promise<number> {
  const trials = await db.trials.list(experimentId);
  const logs = await db.events.loadMany(trials.map((t) => t.id));
  let moves = 0;
  for (const log of logs.values())
    for (const { payload } of log) {
      const e = payload as TrialEvent;
      if (
        (e.type === 'ArgumentSubmitted' || e.type === 'BeliefReported' || e.type === 'VerdictSubmitted') &&
        e.meta?.model
      )
        moves += 1;
    }
  return moves;
}

describe('serve on a PostgreSQL server', () => {
  let pg: PostgresServer;
  let fake: FakeOpenAIServer;
  let url: string;
  let db: Database;
  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase('serve');
    db = await openDatabase({ databaseUrl: url });
    fake = await startFakeOpenAI({ latencyMs: 15 });
  });
  afterAll(async () => {
    await db?.close();
    await fake?.close();
    await pg?.stop();
  });

  it('4 processes drive every trial once and pay for no model call twice', async () => {
    const planned = await plan(db, 'shared', fake.url);
    fake.reset();
    const services = Array.from({ length: 4 }, () =>
      startServe(['shared', '--until-idle', '--concurrency', '4'], { DATABASE_URL: url }),
    );
    const codes = await Promise.all(services.map(exited));
    expect(codes, services.map((s) => s.output()).join('\n')).toEqual([0, 0, 0, 0]);
    expect(await db.trials.countByStatus('shared')).toEqual({ finished: planned });
    expect(await db.judgments.count('shared')).toBe(planned);
    // Each process did part of the work (the summary line each prints), and no request was made twice.
    const served = services.map((s) => Number(/served (\d+) trial runs/.exec(s.output())?.[1] ?? 0));
    expect(served.reduce((a, b) => a + b, 0)).toBe(planned);
    expect(served.filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(fake.stats().chatCompletions).toBe(await modelMoves(db, 'shared'));
  });

  it('finishes a killed process’s trials once its leases expire', async () => {
    const planned = await plan(db, 'killed', fake.url);
    const env = { DATABASE_URL: url };
    const victim = startServe(['killed', '--concurrency', '6', '--lease-seconds', '2'], env);
    // Kill it while it holds leases mid-trial.
    for (let i = 0; i < 600; i++) {
      const held = await db.prisma.trial.count({
        where: { experimentId: 'killed', leaseOwner: { contains: `:${victim.pid}:` } },
      });
      const moved = await db.prisma.trialEvent.count({
        where: { trialId: { startsWith: 'killed.' }, seq: { gt: 0 } },
      });
      if (held > 0 && moved > 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    victim.kill('SIGKILL');
    await exited(victim);
    const stranded = await db.prisma.trial.count({
      where: { experimentId: 'killed', status: 'active', leaseOwner: { not: null } },
    });
    expect(stranded).toBeGreaterThan(0);
    const survivors = [1, 2].map(() => startServe(['killed', '--until-idle', '--lease-seconds', '2'], env));
    expect(await Promise.all(survivors.map(exited))).toEqual([0, 0]);
    expect(await db.trials.countByStatus('killed')).toEqual({ finished: planned });
    expect(await db.judgments.count('killed')).toBe(planned);
  });
});

describe('serve on the embedded database', () => {
  it('leaves status and export working from another process', async () => {
    const dataDir = path.join(dir, 'embedded');
    const file = writeConfig(
      dir,
      {
        name: 'beside',
        seed: 1,
        dataset: { path: 'questions.jsonl' },
        judges: [{ name: 'people', participant: { kind: 'human', platform: 'terminal' } }],
        arms: [{ name: 'consultancy', protocol: 'consultancy', rounds: 1, trialsPerQuestion: 2 }],
      },
      'beside.json',
    );
    const run = await cliAsync(['run', file, '--data-dir', dataDir], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const service = startServe(['beside', '--data-dir', dataDir], {});
    try {
      for (let i = 0; i < 400 && !service.output().includes('serving'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(service.output()).toContain('serving beside');
      const status = await cliAsync(['status', 'beside', '--data-dir', dataDir], { cwd: dir });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/beside: 12 trials: 12 waiting/);
      expect(status.stdout).toMatch(/waiting on \(open seat\): 12 as judge/);
      const exported = await cliAsync(['export', 'beside', '--format', 'jsonl', '--data-dir', dataDir], {
        cwd: dir,
      });
      expect(exported.code, exported.stderr).toBe(0);
    } finally {
      service.kill('SIGTERM');
      expect(await exited(service)).toBe(0);
    }
  });
});
