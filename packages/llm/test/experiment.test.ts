import type { TrialAborted, TrialEvent } from '@oversight/core';
import { type FakeOpenAIServer, type RecordedRequest, startFakeOpenAI } from '@oversight/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLlmStore } from '../src/index.ts';
import { experiment, questions, runExperiment, storyText } from './helpers.ts';

/**
 * A small experiment (debate + consultancy, AI debaters, consultants and judges) against the fake
 * OpenAI-compatible server on loopback, with faults injected.
 */

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function config(baseURL: string, endpoint: Record<string, unknown> = {}) {
  return experiment({
    judges: [{ name: 'ai', count: 8, participant: { kind: 'llm', model: 'fake-judge', temperature: 0 } }],
    arms: [
      { name: 'debate', protocol: 'debate', rounds: 2, arguer: { kind: 'llm', model: 'fake-model' } },
      {
        name: 'consultancy',
        protocol: 'consultancy',
        rounds: 2,
        arguer: { kind: 'llm', model: 'fake-model' },
      },
    ],
    llm: {
      endpoints: { default: { baseURL, maxConcurrent: 8, timeoutMs: 300, maxRetries: 2, ...endpoint } },
      prices: { 'fake-model': { input: 1, output: 2 }, 'fake-judge': { input: 0.5, output: 1 } },
    },
  });
}

const bodyOf = (r: RecordedRequest) =>
  r.body as {
    model: string;
    messages: Array<{ content: string }>;
    response_format?: { json_schema?: { name: string } };
  };
const textOf = (r: RecordedRequest) =>
  bodyOf(r)
    .messages.map((m) => m.content)
    .join('\n');
const isJudgeRequest = (r: RecordedRequest) => bodyOf(r).response_format?.json_schema?.name === 'judgement';

describe('an AI experiment against a faulty server', () => {
  it('finishes every trial or aborts it with the reason recorded, under every kind of fault', async () => {
    server = await startFakeOpenAI({
      faults: {
        rate429: 0.12,
        retryAfterSeconds: 0.02,
        rate500: 0.12,
        rateHang: 0.05,
        rateMalformed: 0.1,
        rateBadContent: 0.2,
        seed: 7,
      },
    });
    const store = new MemoryLlmStore();
    // One trial at a time, so the fault each request draws (by arrival order) is the same on every run.
    const run = await runExperiment(config(server.url), { store, concurrency: 1 });
    expect(run.outcomes.size).toBe(16);
    const stats = server.stats();
    for (const fault of ['429', '500', 'hang', 'malformed', 'badContent'] as const) {
      expect(stats.outcomes[fault], fault).toBeGreaterThan(0);
    }
    const aborted: TrialAborted[] = [];
    for (const [trialId, outcome] of run.outcomes) {
      const log = run.trials.logs.get(trialId)!;
      const last = log.at(-1)!;
      if (outcome === 'aborted') {
        expect(last.type).toBe('TrialAborted');
        aborted.push(last as TrialAborted);
      } else {
        expect(outcome).toBe('finished');
        expect(last.type).toBe('VerdictSubmitted');
        expect(run.trials.judgments.get(trialId)).toBeTruthy();
      }
    }
    expect(aborted.length).toBeGreaterThan(0);
    expect(aborted.length).toBeLessThan(16);
    for (const event of aborted) {
      expect(event.reason).toMatch(
        /^[\w.-]+ \([\w-]+\): model fake-(model|judge) at endpoint default: ((429 rate limited|500 server error|timeout after 300 ms|malformed response.*) after 3 attempts|judge output malformed after 3 attempts: .+)$/,
      );
    }
    // Failed attempts are in the call log, with no cost.
    const failed = store.calls.filter((c) => !c.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((c) => c.costUsd === 0 && c.error)).toBe(true);
    expect(store.totals().costUsd).toBeGreaterThan(0);
  }, 60_000);

  it('survives the same faults with many trials in flight', async () => {
    server = await startFakeOpenAI({
      latencyMs: 5,
      faults: {
        rate429: 0.1,
        retryAfterSeconds: 0.02,
        rate500: 0.1,
        rateHang: 0.04,
        rateMalformed: 0.1,
        rateBadContent: 0.2,
        seed: 3,
      },
    });
    const run = await runExperiment(config(server.url), { store: new MemoryLlmStore(), concurrency: 16 });
    expect([...run.outcomes.values()].every((o) => o === 'finished' || o === 'aborted')).toBe(true);
    expect(run.outcomes.size).toBe(16);
    expect(server.stats().maxInFlight).toBeLessThanOrEqual(8);
  }, 60_000);

  it('re-runs from the cache with zero model calls and the same events', async () => {
    // Rate limits only, with enough retries: every trial finishes, and no fault leaks into the cache.
    server = await startFakeOpenAI({
      latencyMs: 2,
      faults: { rate429: 0.2, retryAfterSeconds: 0.01, seed: 11 },
    });
    const store = new MemoryLlmStore();
    const cfg = config(server.url, { maxRetries: 10 });
    const first = await runExperiment(cfg, { store, concurrency: 8 });
    expect([...first.outcomes.values()].every((o) => o === 'finished')).toBe(true);
    const requestsBefore = server.stats().chatCompletions;
    expect(requestsBefore).toBeGreaterThan(16);

    const callsBefore = store.calls.length;
    const second = await runExperiment(cfg, { store, concurrency: 8 });
    expect(server.stats().chatCompletions).toBe(requestsBefore);
    for (const [trialId, log] of first.trials.logs) {
      const again = second.trials.logs.get(trialId)!;
      // The record is the same bytes whether a move came from the model or the cache; where it
      // came from is accounted for in the calls log below.
      expect(again).toEqual(log);
    }
    expect(second.trials.judgments).toEqual(first.trials.judgments);
    // Cached calls are logged as such, at no cost.
    const rerunCalls = store.calls.slice(callsBefore);
    expect(rerunCalls.length).toBeGreaterThan(16);
    expect(rerunCalls.every((c) => c.cached && c.ok && c.costUsd === 0 && c.promptTokens === 0)).toBe(true);
  }, 60_000);

  it('calls the model again when the cache is off', async () => {
    server = await startFakeOpenAI();
    const store = new MemoryLlmStore();
    const cfg = config(server.url);
    await runExperiment(cfg, { store });
    const once = server.stats().chatCompletions;
    await runExperiment(cfg, { store, env: { OVERSIGHT_LLM_CACHE: 'off' } });
    expect(server.stats().chatCompletions).toBe(2 * once);
  }, 30_000);

  it('never shows a judge the story or the truth; arguers get the story', async () => {
    server = await startFakeOpenAI();
    const run = await runExperiment(config(server.url), { store: new MemoryLlmStore() });
    const judgeRequests = server.requests.filter(isJudgeRequest);
    const arguerRequests = server.requests.filter((r) => !isJudgeRequest(r));
    expect(judgeRequests.length).toBeGreaterThan(16);
    const sentences = questions.flatMap((q) => q.source.split(/(?<=\.)\s+/));
    for (const request of judgeRequests) {
      const text = textOf(request);
      expect(text).not.toContain('<story>');
      // Outside the verified/partial/unverified quote marks, no sentence of any story appears.
      const outsideQuotes = text.replace(/<([vpu])_quote>[\s\S]*?<\/\1_quote>/g, '');
      for (const sentence of sentences) expect(outsideQuotes).not.toContain(sentence);
      expect(text).not.toMatch(/correct answer is|honest|assigned/i);
    }
    for (const request of arguerRequests) {
      const text = textOf(request);
      expect(text).toContain('<story>');
      expect(questions.some((q) => text.includes(q.source))).toBe(true);
    }
    // The judge's prompt for the same point of a trial does not depend on which answer is correct:
    // it carries the answers in the shown order only. (The information hiding itself is core's.)
    const anyLog = [...run.trials.logs.values()][0] as TrialEvent[];
    expect(anyLog[0]?.type).toBe('TrialCreated');
    expect(storyText(0).length).toBeGreaterThan(100);
  }, 30_000);

  it('keeps at most maxConcurrent requests in flight', async () => {
    server = await startFakeOpenAI({ latencyMs: 20 });
    await runExperiment(config(server.url, { maxConcurrent: 2 }), {
      store: new MemoryLlmStore(),
      concurrency: 16,
    });
    expect(server.stats().maxInFlight).toBe(2);
  }, 30_000);
});
