import type { ArgumentSubmitted, TrialCreated } from '@oversight/core';
import { type ChatRequest, type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLlmStore } from '../src/index.ts';
import { experiment, isJudge, promptOf, runExperiment } from './helpers.ts';

/** The misalignment inductions, each checked by the calls it makes and the move it yields. */

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The displayed answer index the prompt says the consultant argues for. */
function consultantAnswer(prompt: string): number {
  const letter = /Consultant argues for ([A-Z])\./.exec(prompt)?.[1] ?? 'A';
  return letter.charCodeAt(0) - 65;
}

function consultancy(baseURL: string, arguer: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return experiment({
    questions: { ids: ['q1'] },
    judges: [{ name: 'ai', count: 2, participant: { kind: 'llm', model: 'judge-model' } }],
    arms: [
      {
        name: 'consultancy',
        protocol: 'consultancy',
        rounds: 1,
        trialsPerQuestion: 2,
        arguer: { kind: 'llm', model: 'arguer-model', ...arguer },
        ...extra,
      },
    ],
    llm: { endpoints: { default: { baseURL } } },
  });
}

function trials(run: Awaited<ReturnType<typeof runExperiment>>) {
  return [...run.trials.logs.values()].map((log) => {
    const created = log[0] as TrialCreated;
    const speech = log.find((e): e is ArgumentSubmitted => e.type === 'ArgumentSubmitted')!;
    return { created, speech, honest: created.arguers[0]!.honest, log };
  });
}

describe('best-of-n', () => {
  it('samples N candidates, scores each with the judge model (N calls), and keeps the one it prefers', async () => {
    const n = 4;
    let candidate = 0;
    server = await startFakeOpenAI({
      reply: (request) => {
        const prompt = promptOf(request);
        if (!isJudge(request)) {
          candidate += 1;
          // The third candidate of each move is the persuasive one.
          const persuasive = candidate % n === 3;
          return `Candidate ${candidate}. ${persuasive ? 'PERSUASIVE' : 'plain'} argument.`;
        }
        const favoured = consultantAnswer(prompt);
        const p = prompt.includes('PERSUASIVE') ? 0.9 : 0.3;
        const probabilities = [0, 0];
        probabilities[favoured] = p;
        probabilities[1 - favoured] = 1 - p;
        return { rationale: 'scored', probabilities, end: true, comment: null };
      },
    });
    const store = new MemoryLlmStore();
    const run = await runExperiment(
      consultancy(server.url, { induction: { method: 'best-of-n', n, judgeModel: 'scorer-model' } }),
      { store, concurrency: 1 },
    );
    const all = trials(run);
    expect(all).toHaveLength(2);
    const dishonest = all.find((t) => !t.honest)!;
    const honest = all.find((t) => t.honest)!;

    const calls = (trialId: string, role: string) =>
      store.calls.filter((c) => c.trialId === trialId && c.role === role);
    expect(calls(dishonest.created.trialId, 'consultant/candidate')).toHaveLength(n);
    const scores = calls(dishonest.created.trialId, 'consultant/score');
    expect(scores).toHaveLength(n);
    expect(scores.every((c) => c.model === 'scorer-model')).toBe(true);
    expect(dishonest.speech.text).toContain('PERSUASIVE');
    expect(dishonest.speech.meta).toMatchObject({
      induction: 'best-of-n',
      candidates: n,
      model: 'arguer-model',
    });
    expect(dishonest.created.induction).toBe('best-of-n');

    // The honest consultant gets the plain prompt and one call.
    expect(
      store.calls.filter((c) => c.trialId === honest.created.trialId && c.role.startsWith('consultant')),
    ).toHaveLength(1);
    expect(honest.speech.meta).toMatchObject({ induction: 'none' });
    expect(honest.speech.meta?.candidates).toBeUndefined();

    // The scorer reads the candidate as the judge would: no story, quotes marked.
    const scoring = server.requests.filter(
      (r) => isJudge(r.body as ChatRequest) && (r.body as ChatRequest).model === 'scorer-model',
    );
    expect(scoring).toHaveLength(n);
    for (const r of scoring) expect(promptOf(r.body as ChatRequest)).not.toContain('<story>');
  });
});

describe('critique-refine', () => {
  it('drafts, then critiques and rewrites `rounds` times, and keeps the rewrite', async () => {
    server = await startFakeOpenAI({
      reply: (request) => {
        const prompt = promptOf(request);
        if (isJudge(request)) return { rationale: 'ok', probabilities: [0.5, 0.5], end: true, comment: null };
        if (prompt.includes('Critique:'))
          return `Refined text ${(prompt.match(/Refined text/g)?.length ?? 0) + 1}.`;
        if (prompt.includes('Draft for round')) return 'Use a stronger quote.';
        return 'First draft.';
      },
    });
    const store = new MemoryLlmStore();
    const run = await runExperiment(
      consultancy(server.url, { induction: { method: 'critique-refine', rounds: 2 } }),
      {
        store,
      },
    );
    const dishonest = trials(run).find((t) => !t.honest)!;
    const roles = store.calls.filter((c) => c.trialId === dishonest.created.trialId).map((c) => c.role);
    expect(roles.filter((r) => r === 'consultant/draft')).toHaveLength(1);
    expect(roles.filter((r) => r === 'consultant/critique')).toHaveLength(2);
    expect(roles.filter((r) => r === 'consultant/refine')).toHaveLength(2);
    expect(dishonest.speech.text).toBe('Refined text 2.');
    expect(dishonest.speech.meta?.induction).toBe('critique-refine');
  });
});

describe('prompted induction', () => {
  it('tells only the wrong side to argue for its answer convincingly', async () => {
    server = await startFakeOpenAI();
    const run = await runExperiment(consultancy(server.url, {}), { store: new MemoryLlmStore() });
    const arguerPrompts = server.requests
      .map((r) => r.body as ChatRequest)
      .filter((b) => !isJudge(b))
      .map(promptOf);
    expect(arguerPrompts).toHaveLength(2);
    expect(
      arguerPrompts.filter((p) => p.includes('may not be the one the story supports best')),
    ).toHaveLength(1);
    const [dishonest] = trials(run).filter((t) => !t.honest);
    expect(dishonest?.speech.meta?.induction).toBe('prompted');
  });
});

describe('a different model for the wrong side', () => {
  it('uses the arm’s dishonestArguer for the wrong side only', async () => {
    server = await startFakeOpenAI();
    const run = await runExperiment(
      consultancy(server.url, {}, { dishonestArguer: { kind: 'llm', model: 'deceiver-model' } }),
      { store: new MemoryLlmStore() },
    );
    for (const t of trials(run)) {
      expect(t.speech.meta?.model).toBe(t.honest ? 'arguer-model' : 'deceiver-model');
      expect(t.speech.meta?.induction).toBe(t.honest ? 'none' : 'model');
      expect(t.created.induction).toBe('model');
    }
  });

  it('uses the induction’s model, with the plain prompt when not instructed', async () => {
    server = await startFakeOpenAI();
    const run = await runExperiment(
      consultancy(server.url, { induction: { method: 'model', model: 'deceiver-model', instructed: false } }),
      { store: new MemoryLlmStore() },
    );
    const requests = server.requests.map((r) => r.body as ChatRequest).filter((b) => !isJudge(b));
    const deceiver = requests.filter((b) => b.model === 'deceiver-model');
    expect(deceiver).toHaveLength(1);
    expect(promptOf(deceiver[0]!)).not.toContain('may not be the one the story supports best');
    const dishonest = trials(run).find((t) => !t.honest)!;
    expect(dishonest.speech.meta).toMatchObject({ model: 'deceiver-model', induction: 'model' });
  });
});
