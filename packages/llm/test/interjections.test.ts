import type { JudgeInterjected } from '@oversight/core';
import { type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLlmStore } from '../src/index.ts';
import { experiment, isJudge, promptOf, runExperiment } from './helpers.ts';

/**
 * A judge who asks while the debaters write (any-time interjections, here a simulated judge that
 * always asks): each question reaches both model debaters' next speeches, marked as the judge's, and
 * neither speech of the round being written.
 */

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('questions at any time, to model debaters', () => {
  it('reach both debaters’ next speeches as the judge’s, and not the round being written', async () => {
    server = await startFakeOpenAI();
    const config = experiment({
      judges: [
        {
          name: 'sim',
          count: 8,
          participant: { kind: 'simulated-judge', interjections: { rate: 1, effect: 0.5 } },
        },
      ],
      arms: [
        {
          name: 'any-time',
          protocol: 'debate',
          rounds: 3,
          trialsPerQuestion: 2,
          interjections: 'any-time',
          maxInterjections: 5,
          beliefsEachRound: false,
          judgeMayEndEarly: false,
          arguer: { kind: 'llm', model: 'fake-model' },
        },
      ],
      llm: {
        endpoints: { default: { baseURL: server.url, maxConcurrent: 4, timeoutMs: 2000, maxRetries: 0 } },
      },
    });
    const run = await runExperiment(config, { store: new MemoryLlmStore(), concurrency: 1 });
    expect([...run.outcomes.values()].every((o) => o === 'finished')).toBe(true);
    const speeches = server.requests
      .flatMap((r) => (r.body ? [r.body as Parameters<typeof promptOf>[0]] : []))
      .filter((b) => !isJudge(b))
      .map(promptOf);
    for (const [, log] of run.logs()) {
      const asked = log.filter((e): e is JudgeInterjected => e.type === 'JudgeInterjected');
      // One question as each round but the last started (nobody would answer one during the last).
      expect(asked.map((a) => [a.round, a.atAnyTime])).toEqual([
        [1, true],
        [2, true],
      ]);
      // Both debaters' speeches of round 2 were asked with the question (as the judge's); round 1's without.
      const question = asked[0]!.text;
      const marked = speeches.filter((p) => p.includes('[Round 1] Judge:') && p.includes(question));
      expect(marked.length).toBeGreaterThanOrEqual(2);
      // And each is told to answer it, although it sits before their own round-1 speech in the
      // transcript (it came while that speech was written).
      const told = speeches.filter((p) => p.includes(`Answer the judge's question: "${question}"`));
      expect(told.some((p) => p.includes('You are Debater A'))).toBe(true);
      expect(told.some((p) => p.includes('You are Debater B'))).toBe(true);
    }
    // The first speeches of each trial carry no question: it was asked while they were written.
    const firstSpeeches = speeches.filter((p) => !p.includes('[Round 1]'));
    expect(firstSpeeches.every((p) => !p.includes('Which passage of the story settles it?'))).toBe(true);
  });
});
