import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '@oversight/db';
import { type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync as cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

/**
 * AI debaters, consultants and judges through the real CLI against the local OpenAI-compatible
 * fake server: every kind of fault injected, and a rerun served entirely from the cache.
 */
const llmArguer = { kind: 'llm', endpoint: 'local', model: 'fake-model', temperature: 0.7, maxTokens: 300 };
const config = (name: string, baseURL: string, maxRetries: number) => ({
  name,
  seed: `${name}-seed`,
  dataset: { path: 'questions.jsonl' },
  judges: [
    {
      name: 'ai-judges',
      count: 12,
      participant: { kind: 'llm', endpoint: 'local', model: 'fake-model', temperature: 0 },
    },
  ],
  arms: [
    {
      name: 'debate',
      protocol: 'debate',
      rounds: 2,
      judgeMayEndEarly: false,
      trialsPerQuestion: 2,
      arguer: llmArguer,
    },
    {
      name: 'consultancy-best-of-2',
      protocol: 'consultancy',
      rounds: 2,
      judgeMayEndEarly: false,
      trialsPerQuestion: 2,
      arguer: { ...llmArguer, induction: { method: 'best-of-n', n: 2 } },
    },
  ],
  concurrency: 8,
  llm: { endpoints: { local: { baseURL, maxConcurrent: 8, timeoutMs: 1000, maxRetries } } },
});
const PLANNED = 8 * 2 * 2;

describe('an AI experiment through the CLI', () => {
  let server: FakeOpenAIServer;
  const dir = tempDir('ai');
  writeQuestions(dir, 8, 8);
  beforeAll(async () => {
    server = await startFakeOpenAI({});
  });
  afterAll(async () => {
    await server.close();
  });

  it('runs to completion with every kind of fault injected, recording why each failed trial stopped', async () => {
    server.configure({
      faults: {
        rate429: 0.06,
        retryAfterSeconds: 0.01,
        rate500: 0.06,
        rateHang: 0.02,
        rateMalformed: 0.05,
        rateBadContent: 0.08,
        seed: 5,
      },
    });
    const dataDir = path.join(dir, 'faults');
    const file = writeConfig(dir, config('ai-faults', server.url, 1), 'faults.json');
    const run = await cli(['run', file, '--data-dir', dataDir], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const outcomes = server.stats().outcomes as Record<string, number>;
    for (const fault of ['429', '500', 'hang', 'malformed', 'badContent'])
      expect(outcomes[fault], fault).toBeGreaterThan(0);

    const db = await openDatabase({ dataDir });
    try {
      const counts = await db.trials.countByStatus('ai-faults');
      expect((counts.finished ?? 0) + (counts.aborted ?? 0)).toBe(PLANNED);
      expect(counts.finished).toBeGreaterThan(0);
      expect(counts.aborted).toBeGreaterThan(0);
      const aborted = await db.trials.list('ai-faults', { status: ['aborted'] });
      const logs = await db.events.loadMany(aborted.map((t) => t.id));
      for (const trial of aborted) {
        const last = logs.get(trial.id)!.at(-1)!.payload;
        expect(last.type).toBe('TrialAborted');
        expect(String(last.reason)).toMatch(/fake-model|judge|malformed|429|500|timed? ?out|attempt/i);
      }
      const cost = await db.llm.costSummary('ai-faults');
      expect(cost.total.calls).toBeGreaterThan(PLANNED);
    } finally {
      await db.close();
    }
    const status = await cli(['status', 'ai-faults', '--data-dir', dataDir], { cwd: dir });
    expect(status.stdout).toMatch(/model usage/);
  });

  it('a rerun makes no model calls and exports the same bytes', async () => {
    server.configure({ faults: undefined });
    const dataDir = path.join(dir, 'rerun');
    const file = writeConfig(dir, config('ai-rerun', server.url, 3), 'rerun.json');
    expect((await cli(['run', file, '--data-dir', dataDir], { cwd: dir })).code).toBe(0);
    const requests = server.stats().chatCompletions;
    expect(
      (
        await cli(
          [
            'export',
            'ai-rerun',
            '--format',
            'jsonl',
            '--no-times',
            '--out',
            'first.jsonl',
            '--data-dir',
            dataDir,
          ],
          { cwd: dir },
        )
      ).code,
    ).toBe(0);

    expect(
      (await cli(['db', 'drop-experiment', 'ai-rerun', '--yes', '--data-dir', dataDir], { cwd: dir })).code,
    ).toBe(0);
    const again = await cli(['run', file, '--data-dir', dataDir], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(`ai-rerun: ${PLANNED} finished`);
    expect(server.stats().chatCompletions).toBe(requests);
    expect(
      (
        await cli(
          [
            'export',
            'ai-rerun',
            '--format',
            'jsonl',
            '--no-times',
            '--out',
            'second.jsonl',
            '--data-dir',
            dataDir,
          ],
          { cwd: dir },
        )
      ).code,
    ).toBe(0);
    const first = readFileSync(path.join(dir, 'first.jsonl'));
    expect(first.length).toBeGreaterThan(1000);
    expect(first.equals(readFileSync(path.join(dir, 'second.jsonl')))).toBe(true);
  });
});
