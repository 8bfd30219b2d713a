import { LlmSpecSchema, type TrialEvent } from '@oversight/core';
import type { ChatRequest, FakeOpenAIServer } from '@oversight/testkit';
import { startFakeOpenAI } from '@oversight/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLlmStore, rejudgeTrials } from '../src/index.ts';
import { experiment, promptOf, questions, runExperiment } from './helpers.ts';

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Finished trials judged by (simulated) people, standing in for the imported NYU debates. */
async function humanJudgedTrials() {
  const config = experiment({
    name: 'human-debates',
    judges: [{ name: 'people', count: 6 }],
    arms: [
      { name: 'debate', protocol: 'interactive-debate', rounds: 3, arguer: { kind: 'simulated-arguer' } },
      { name: 'consultancy', protocol: 'consultancy', rounds: 2, arguer: { kind: 'simulated-arguer' } },
    ],
  });
  return runExperiment(config, { store: new MemoryLlmStore() });
}

/** The fake endpoint and the AI judge every re-judging here uses. */
function judgeSetup() {
  return {
    llmConfig: {
      endpoints: {
        local: {
          baseURL: server!.url,
          apiKeyEnv: 'X_API_KEY',
          maxConcurrent: 4,
          timeoutMs: 5000,
          maxRetries: 1,
        },
      },
      prices: {},
      cache: true,
    },
    judgeSpec: LlmSpecSchema.parse({ kind: 'llm', endpoint: 'local', model: 'judge-model', temperature: 0 }),
  };
}

describe('re-judging finished trials with an AI judge', () => {
  it('judges each transcript without the human’s beliefs and returns a new trial and judgment per trial', async () => {
    const human = await humanJudgedTrials();
    server = await startFakeOpenAI();
    const store = new MemoryLlmStore();
    const logs = [...human.trials.logs.values()];
    // One trial still running: skipped.
    const unfinished = logs[0]!.slice(0, 2);
    const summary = await rejudgeTrials({
      store,
      ...judgeSetup(),
      trials: [...logs, unfinished],
      questions: (created) => questions.find((q) => q.id === created.questionId)!,
      env: {},
    });
    expect(summary.failed).toEqual([]);
    const unfinishedId = (unfinished[0] as { trialId: string }).trialId;
    expect(summary.skipped).toEqual([{ trialId: unfinishedId, reason: 'no verdict yet' }]);
    expect(summary.results).toHaveLength(logs.length);
    for (const result of summary.results) {
      const source = human.trials.logs.get(result.sourceTrialId)!;
      const created = result.events[0]!;
      expect(created).toMatchObject({
        type: 'TrialCreated',
        trialId: `${result.sourceTrialId}+ai-judge.judge-model`,
        judgeId: 'ai-judge.judge-model',
      });
      expect(result.judgment.arm).toMatch(/^(debate|consultancy)\+ai-judge$/);
      expect(result.judgment.judgeId).toBe('ai-judge.judge-model');
      expect(result.judgment.trialId).toBe(result.trialId);
      // Same transcript (the arguers' speeches and the judge's questions), the AI's verdict at the end.
      const speeches = (events: TrialEvent[]) =>
        events.filter((e) => e.type === 'ArgumentSubmitted' || e.type === 'JudgeInterjected');
      expect(speeches(result.events)).toEqual(speeches(source));
      const verdict = result.events.at(-1)!;
      expect(verdict).toMatchObject({
        type: 'VerdictSubmitted',
        meta: { model: 'judge-model', participantId: 'ai-judge.judge-model' },
      });
      // The human's beliefs are gone from the new log.
      for (const e of result.events) if (e.type === 'BeliefReported') expect(e.probabilities).toBeNull();
    }
    const judgeRequests = server.requests.map((r) => r.body as ChatRequest);
    expect(judgeRequests).toHaveLength(logs.length);
    for (const request of judgeRequests) {
      const prompt = promptOf(request);
      expect(prompt).not.toContain('probabilities so far');
      expect(prompt).not.toContain('<story>');
      expect(prompt).toContain('Give your final probabilities now.');
    }
    // Calls are logged under the source experiment and the new trial id.
    expect(
      store.calls.every(
        (c) => c.experimentId === 'human-debates' && c.trialId?.endsWith('+ai-judge.judge-model'),
      ),
    ).toBe(true);

    // Again: all from the cache.
    const before = server.stats().chatCompletions;
    const again = await rejudgeTrials({
      store,
      ...judgeSetup(),
      trials: logs,
      questions: (created) => questions.find((q) => q.id === created.questionId)!,
      env: {},
    });
    expect(server.stats().chatCompletions).toBe(before);
    expect(again.results.map((r) => r.judgment)).toEqual(summary.results.map((r) => r.judgment));
  });

  it('reports trials the judge could not judge, and goes on', async () => {
    const human = await humanJudgedTrials();
    server = await startFakeOpenAI({ faultScript: ['500', '500'] });
    const summary = await rejudgeTrials({
      store: new MemoryLlmStore(),
      llmConfig: {
        endpoints: {
          default: {
            baseURL: server.url,
            apiKeyEnv: 'X_API_KEY',
            maxConcurrent: 1,
            timeoutMs: 5000,
            maxRetries: 1,
          },
        },
        prices: {},
        cache: true,
      },
      judgeSpec: LlmSpecSchema.parse({ kind: 'llm', model: 'judge-model' }),
      trials: [...human.trials.logs.values()],
      questions: (created) => questions.find((q) => q.id === created.questionId)!,
      concurrency: 1,
      retry: { baseDelayMs: 1 },
    });
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0]!.reason).toBe(
      'model judge-model at endpoint default: 500 server error after 2 attempts',
    );
    expect(summary.results).toHaveLength(human.trials.logs.size - 1);
  });
});
