import { ExperimentConfigSchema, type Question, type TrialEvent } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import {
  driveTrial,
  MemoryTrialStore,
  type Participant,
  participantDirectory,
  planExperiment,
} from '../src/index.ts';

const source = Array.from(
  { length: 40 },
  (_, i) =>
    `Sentence ${i} tells how the keeper of lighthouse ${i % 7} lit the lamp at dusk and waited for ships.`,
).join(' ');
const questions: Question[] = Array.from({ length: 10 }, (_, i) => ({
  id: `q${i}`,
  storyId: `s${i % 5}`,
  storyTitle: 'Lighthouse',
  question: `What did keeper ${i} do at dusk?`,
  answers: ['lit the lamp', 'went fishing'],
  correctIndex: i % 2,
  source,
  metadata: {},
}));

function setup(arms: unknown[]) {
  const config = ExperimentConfigSchema.parse({ name: 'mem', seed: 1, judges: [{ count: 30 }], arms });
  const plan = planExperiment(config, questions);
  const store = new MemoryTrialStore();
  for (const t of plan.trials) store.create([t.created]);
  const participant = participantDirectory(plan, {});
  const context = {
    store,
    questions: (created: { questionId: string }) => questions.find((q) => q.id === created.questionId)!,
    participant,
    reward: config.reward,
  };
  return { plan, store, context };
}

describe('driving trials with simulated participants', () => {
  it('runs every protocol to a verdict with legal moves and real quotes', async () => {
    const { plan, store, context } = setup(
      ['debate', 'interactive-debate', 'consultancy', 'sandwiching', 'judge-alone', 'oracle'].map(
        (protocol) => ({
          name: protocol,
          protocol,
          rounds: 2,
          quoteLimit: 300,
        }),
      ),
    );
    for (const t of plan.trials) expect(await driveTrial(t.created.trialId, context)).toBe('finished');
    expect(store.judgments.size).toBe(plan.trials.length);
    const debateArgs = [...store.logs.values()]
      .flat()
      .filter((e): e is Extract<TrialEvent, { type: 'ArgumentSubmitted' }> => e.type === 'ArgumentSubmitted');
    expect(debateArgs.length).toBeGreaterThan(0);
    expect(
      debateArgs.every((a) => a.quotes.length > 0 && a.quotes.every((q) => q.status === 'verified')),
    ).toBe(true);
    expect(debateArgs.every((a) => a.meta?.simulated === true)).toBe(true);
  });

  it('is deterministic: the same plan gives the same logs', async () => {
    const a = setup([{ name: 'debate', protocol: 'debate' }]);
    const b = setup([{ name: 'debate', protocol: 'debate' }]);
    for (const t of a.plan.trials) await driveTrial(t.created.trialId, a.context);
    for (const t of b.plan.trials) await driveTrial(t.created.trialId, b.context);
    expect([...b.store.logs.entries()]).toEqual([...a.store.logs.entries()]);
  });

  it('stops a trial with the reason when a participant fails, and re-asks after an illegal move', async () => {
    const { plan, store, context } = setup([{ name: 'debate', protocol: 'debate', charLimit: 400 }]);
    let calls = 0;
    const chatty: Participant = {
      record: { id: 'debate.arguer', label: 'test', spec: { kind: 'simulated-arguer', quotesPerSpeech: 0 } },
      async respond(request) {
        calls += 1;
        if (request.attempt === 1) return { type: 'argument', role: request.role, text: 'x'.repeat(500) };
        return { type: 'argument', role: request.role, text: `shorter, after: ${request.previousError}` };
      },
    };
    const broken: Participant = {
      record: chatty.record,
      async respond() {
        throw new Error('endpoint unreachable');
      },
    };
    const [first, second] = plan.trials;
    await driveTrial(first!.created.trialId, {
      ...context,
      participant: (id) => (id === 'debate.arguer' ? chatty : context.participant(id)),
    });
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(store.logs.get(first!.created.trialId)!.find((e) => e.type === 'ArgumentSubmitted')).toMatchObject(
      { text: expect.stringContaining('500 characters') },
    );
    expect(
      await driveTrial(second!.created.trialId, {
        ...context,
        participant: (id) => (id === 'debate.arguer' ? broken : context.participant(id)),
      }),
    ).toBe('aborted');
    expect(store.logs.get(second!.created.trialId)!.at(-1)).toMatchObject({
      type: 'TrialAborted',
      reason: expect.stringContaining('endpoint unreachable'),
    });
  });

  it('leaves a trial waiting for a person, with the judge seat open to the pool', async () => {
    const config = ExperimentConfigSchema.parse({
      name: 'people',
      seed: 2,
      judges: [{ ids: ['ada', 'bob', 'cy', 'di', 'ed'], participant: { kind: 'human' } }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 1 }],
    });
    const plan = planExperiment(config, questions);
    const store = new MemoryTrialStore();
    for (const t of plan.trials) store.create([t.created]);
    const context = {
      store,
      questions: (created: { questionId: string }) => questions.find((q) => q.id === created.questionId)!,
      participant: participantDirectory(plan, {}),
      reward: config.reward,
    };
    const trial = plan.trials[0]!.created;
    expect(await driveTrial(trial.trialId, context)).toBe('waiting');
    expect(trial.judgeId).toBeNull();
    expect(store.status.get(trial.trialId)).toBe('waiting');
    expect(store.owed.get(trial.trialId)).toEqual([
      { role: 'judge', participantId: null, sinceSeq: 3, human: true },
    ]);
  });
});
