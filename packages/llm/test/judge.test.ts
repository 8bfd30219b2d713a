import type {
  BeliefReported,
  JudgeInterjected,
  TrialAborted,
  TrialEvent,
  VerdictSubmitted,
} from '@oversight/core';
import { type ChatRequest, type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLlmStore } from '../src/index.ts';
import { experiment, isJudge, promptOf, questions, runExperiment } from './helpers.ts';

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Answers listed in a judge prompt, in the order shown. */
function shownAnswers(prompt: string): string[] {
  return [...prompt.matchAll(/^([A-Z])\) (.+)$/gm)].map((m) => m[2]!);
}

function debate(baseURL: string, judge: Record<string, unknown>, arm: Record<string, unknown> = {}) {
  return experiment({
    judges: [{ name: 'ai', count: 4, participant: { kind: 'llm', model: 'judge-model', ...judge } }],
    arms: [
      {
        name: 'debate',
        protocol: 'debate',
        rounds: 1,
        trialsPerQuestion: 2,
        arguer: { kind: 'llm', model: 'arguer-model' },
        ...arm,
      },
    ],
    llm: { endpoints: { default: { baseURL, maxRetries: 1 } } },
  });
}

const verdicts = (logs: Map<string, TrialEvent[]>) =>
  [...logs.values()]
    .map((log) => log.at(-1))
    .filter((e): e is VerdictSubmitted => e?.type === 'VerdictSubmitted');

describe('judging in both answer orders', () => {
  it('measures a judge that favours whatever is shown first, and averages it away', async () => {
    server = await startFakeOpenAI({
      reply: (request) =>
        isJudge(request) ? { rationale: 'first looks right', probabilities: [0.7, 0.3] } : 'An argument.',
    });
    const run = await runExperiment(debate(server.url, { bothOrders: true }), {
      store: new MemoryLlmStore(),
    });
    const all = verdicts(run.trials.logs);
    expect(all).toHaveLength(8);
    for (const verdict of all) {
      expect(verdict.meta?.positionBias).toBeCloseTo(0.4);
      expect(verdict.probabilities[0]).toBeCloseTo(0.5);
      expect(verdict.probabilities[1]).toBeCloseTo(0.5);
    }
    // Each verdict took two judge calls, one per order, with the answers reversed in the second.
    const judgeCalls = server.requests.map((r) => r.body as ChatRequest).filter(isJudge);
    expect(judgeCalls).toHaveLength(16);
    const orders = new Set(judgeCalls.map((b) => shownAnswers(promptOf(b)).join(' | ')));
    for (const q of questions) {
      const [a, b] = q.answers;
      expect(orders.has(`${a} | ${b}`) && orders.has(`${b} | ${a}`)).toBe(true);
    }
  });

  it('finds no bias in a judge that goes by content, and keeps its answer', async () => {
    server = await startFakeOpenAI({
      reply: (request) => {
        if (!isJudge(request)) return 'An argument.';
        const answers = shownAnswers(promptOf(request));
        // Always 0.8 on whichever answer is the correct one of its question.
        const correct = questions.find((q) => answers.includes(q.answers[q.correctIndex]!))!;
        const p = answers.map((a) => (a === correct.answers[correct.correctIndex] ? 0.8 : 0.2));
        return { rationale: 'content', probabilities: p };
      },
    });
    const run = await runExperiment(debate(server.url, { bothOrders: true }), {
      store: new MemoryLlmStore(),
    });
    for (const [trialId, judgment] of run.trials.judgments) {
      expect(judgment.probCorrect, trialId).toBeCloseTo(0.8);
      const verdict = run.trials.logs.get(trialId)!.at(-1) as VerdictSubmitted;
      expect(verdict.meta?.positionBias).toBeCloseTo(0);
    }
  });
});

describe('malformed judge output', () => {
  it('repairs a reply wrapped in prose without asking again', async () => {
    server = await startFakeOpenAI({ faults: { rateBadContent: 1, badContent: 'prose' } });
    const run = await runExperiment(debate(server.url, {}), { store: new MemoryLlmStore() });
    expect([...run.outcomes.values()].every((o) => o === 'finished')).toBe(true);
    const judgeCalls = server.requests.filter((r) => isJudge(r.body as ChatRequest));
    expect(judgeCalls.length).toBe(8);
  });

  it('asks again, then gives up with a reason the runner records', async () => {
    server = await startFakeOpenAI({
      reply: (request) => (isJudge(request) ? '{"verdict": "cannot say"' : 'An argument.'),
    });
    const run = await runExperiment(debate(server.url, { maxRepairs: 2 }), { store: new MemoryLlmStore() });
    expect([...run.outcomes.values()].every((o) => o === 'aborted')).toBe(true);
    for (const log of run.trials.logs.values()) {
      const aborted = log.at(-1) as TrialAborted;
      expect(aborted.role).toBe('judge');
      expect(aborted.reason).toMatch(
        /^ai-\d \(judge\): model judge-model at endpoint default: judge output malformed after 3 attempts: the reply is not valid JSON$/,
      );
    }
    // 3 judge calls per trial, the re-asks carrying the bad reply and what was wrong with it.
    const judgeCalls = server.requests.map((r) => r.body as ChatRequest).filter(isJudge);
    expect(judgeCalls).toHaveLength(24);
    const repair = judgeCalls.find((b) => b.messages.length === 4)!;
    expect(repair.messages[2]).toMatchObject({ role: 'assistant', content: '{"verdict": "cannot say"' });
    expect(promptOf(repair)).toContain('Your reply could not be used: the reply is not valid JSON');
  });
});

describe('judge turns by protocol', () => {
  it('asks questions in consultancy, and the consultant sees them', async () => {
    server = await startFakeOpenAI({
      reply: (request) => {
        const prompt = promptOf(request);
        if (!isJudge(request)) return prompt.includes('WHICH LINE?') ? 'It is this line.' : 'An argument.';
        return { rationale: 'r', probabilities: [0.6, 0.4], end: false, comment: 'WHICH LINE?' };
      },
    });
    const config = experiment({
      questions: { ids: ['q1'] },
      judges: [{ name: 'ai', count: 2, participant: { kind: 'llm', model: 'judge-model' } }],
      arms: [
        { name: 'c', protocol: 'consultancy', rounds: 2, arguer: { kind: 'llm', model: 'arguer-model' } },
      ],
      llm: { endpoints: { default: { baseURL: server.url } } },
    });
    const run = await runExperiment(config, { store: new MemoryLlmStore() });
    for (const log of run.trials.logs.values()) {
      const types = log.map((e) => e.type);
      expect(types).toEqual([
        'TrialCreated',
        'ArgumentSubmitted',
        'JudgeInterjected',
        'BeliefReported',
        'ArgumentSubmitted',
        'VerdictSubmitted',
      ]);
      expect((log[2] as JudgeInterjected).text).toBe('WHICH LINE?');
      expect((log[3] as BeliefReported).meta?.rationale).toBe('r');
      expect((log[4] as { text: string }).text).toBe('It is this line.');
    }
  });

  it('talks to the sandwiching assistant every turn until it answers', async () => {
    server = await startFakeOpenAI({
      reply: (request) =>
        isJudge(request)
          ? { rationale: 'r', probabilities: [0.5, 0.5], end: false, comment: 'What happened?' }
          : 'Here is what the story says.',
    });
    const config = experiment({
      questions: { ids: ['q2'] },
      judges: [{ name: 'ai', count: 2, participant: { kind: 'llm', model: 'judge-model' } }],
      arms: [
        { name: 's', protocol: 'sandwiching', rounds: 2, arguer: { kind: 'llm', model: 'arguer-model' } },
      ],
      llm: { endpoints: { default: { baseURL: server.url } } },
    });
    const run = await runExperiment(config, { store: new MemoryLlmStore() });
    expect([...run.outcomes.values()]).toEqual(['finished', 'finished']);
    const arguerPrompts = server.requests
      .map((r) => r.body as ChatRequest)
      .filter((b) => !isJudge(b))
      .map(promptOf);
    expect(arguerPrompts.some((p) => p.includes('lead the user to choose'))).toBe(true);
    expect(arguerPrompts.some((p) => p.includes('Help them find the correct answer'))).toBe(true);
    // Every reply answers the user's message of its round (the user writes first each round).
    expect(arguerPrompts.length).toBeGreaterThan(0);
    expect(arguerPrompts.every((p) => p.includes('Their latest message: "What happened?"'))).toBe(true);
  });

  it('shows the oracle judge the story, and the judge-alone baseline nothing but the question', async () => {
    server = await startFakeOpenAI();
    const config = experiment({
      questions: { ids: ['q1'] },
      judges: [{ name: 'ai', count: 4, participant: { kind: 'llm', model: 'judge-model' } }],
      arms: [
        { name: 'oracle', protocol: 'oracle', trialsPerQuestion: 1 },
        { name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 },
      ],
      llm: { endpoints: { default: { baseURL: server.url } } },
    });
    const run = await runExperiment(config, { store: new MemoryLlmStore() });
    expect([...run.outcomes.values()]).toEqual(['finished', 'finished']);
    const prompts = server.requests.map((r) => promptOf(r.body as ChatRequest));
    expect(prompts.filter((p) => p.includes(questions[0]!.source))).toHaveLength(1);
    expect(prompts.filter((p) => p.includes('decide from the question and the answers alone'))).toHaveLength(
      1,
    );
  });

  it('passes the runner’s rejection back to the model when it re-asks', async () => {
    let first = true;
    server = await startFakeOpenAI({
      reply: (request) => {
        if (isJudge(request)) return { rationale: 'r', probabilities: [0.5, 0.5] };
        if (first) {
          first = false;
          return '   '; // an empty speech: the runner rejects it and asks again
        }
        return promptOf(request).includes('was rejected: the argument is empty')
          ? 'Fixed argument.'
          : 'Argument.';
      },
    });
    const config = experiment({
      questions: { ids: ['q1'] },
      judges: [{ name: 'ai', count: 2, participant: { kind: 'llm', model: 'judge-model' } }],
      arms: [{ name: 'd', protocol: 'debate', rounds: 1, arguer: { kind: 'llm', model: 'arguer-model' } }],
      llm: { endpoints: { default: { baseURL: server.url } } },
    });
    const run = await runExperiment(config, { store: new MemoryLlmStore(), concurrency: 1 });
    expect([...run.outcomes.values()].every((o) => o === 'finished')).toBe(true);
    const firstLog = [...run.trials.logs.values()][0]!;
    expect((firstLog[1] as { text: string }).text).toBe('Fixed argument.');
  });
});
