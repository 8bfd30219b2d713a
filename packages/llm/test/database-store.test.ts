import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LlmConfigSchema } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatService, databaseLlmStore } from '../src/index.ts';

/** The store over the real database (embedded PGlite): cache hits survive, calls and cost add up. */

let db: Database;
let dir: string;
let server: FakeOpenAIServer;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'llm-db-'));
  db = await openDatabase({ dataDir: dir, databaseUrl: '' });
  server = await startFakeOpenAI();
}, 60_000);
afterAll(async () => {
  await server?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('databaseLlmStore', () => {
  it('caches completions and logs calls with their cost in the database', async () => {
    const config = LlmConfigSchema.parse({
      endpoints: { default: { baseURL: server.url } },
      prices: { m: { input: 1, output: 2 } },
    });
    const call = {
      endpoint: 'default',
      model: 'm',
      messages: [{ role: 'user' as const, content: 'Argue.' }],
      temperature: 0,
      maxTokens: 50,
      seed: 's',
      variant: 'speech',
      trialId: null,
      role: 'debater-a',
    };
    const first = await new ChatService({
      store: databaseLlmStore(db),
      config,
      experimentId: 'exp-1',
      env: {},
    }).complete(call);
    // A new service (a new process, say) finds it in the database.
    const second = await new ChatService({
      store: databaseLlmStore(db),
      config,
      experimentId: 'exp-1',
      env: {},
    }).complete(call);
    expect(second).toMatchObject({ content: first.content, cached: true });
    expect(server.stats().chatCompletions).toBe(1);
    const summary = await db.llm.costSummary('exp-1');
    expect(summary.total).toMatchObject({ calls: 2, cachedCalls: 1, promptTokens: first.usage.promptTokens });
    expect(summary.total.costUsd).toBeCloseTo(
      (first.usage.promptTokens + 2 * first.usage.completionTokens) / 1e6,
    );
  });
});
