import { ExperimentConfigSchema, type TrialCreated, type TrialEvent } from '@oversight/core';
import {
  configHash,
  designDifferences,
  driveTrial,
  MemoryTrialStore,
  participantDirectory,
  planExperiment,
} from '@oversight/runner';
import { beforeAll, describe, expect, it } from 'vitest';
import { experiment, questions } from './helpers.ts';
import { exportRows, key, loggedSpeeches, memoryExperiment } from './training-helpers.ts';

/**
 * Training data from a simulated experiment: the filter, the split and the bytes as for a model's
 * speeches, prompts rebuilt as a model in the seat would have been asked (marked `unsent`), and
 * people's words only when the experiment allows them, under pseudonyms.
 */

const config = experiment({
  name: 'train-sim',
  judges: [{ name: 'sims', count: 30 }],
  arms: [
    { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 4, judgeMayEndEarly: false },
    {
      name: 'consultancy',
      protocol: 'consultancy',
      rounds: 2,
      trialsPerQuestion: 4,
      judgeMayEndEarly: false,
    },
  ],
});
let logs: Map<string, TrialEvent[]>;

beforeAll(async () => {
  const plan = planExperiment(config, questions);
  const store = new MemoryTrialStore();
  for (const t of plan.trials) store.create([t.created]);
  const participant = participantDirectory(plan, {});
  for (const t of plan.trials)
    await driveTrial(t.created.trialId, {
      store,
      questions: (created) => questions.find((q) => q.id === created.questionId)!,
      participant,
      reward: config.reward,
    });
  logs = store.logs;
});

const simulated = () => memoryExperiment('train-sim', config, { logs, questions });
const WRONG_SIDE_INSTRUCTION = 'Never say or hint that your answer might be wrong';

describe('training data from a simulated experiment', () => {
  it('sft: the wrong side’s speeches that fooled the judge, prompts marked as never sent', async () => {
    const { lines, manifest } = await exportRows([simulated()], { format: 'sft' });
    const expected = loggedSpeeches(logs).filter((s) => !s.honest && s.belief > 0.5);
    expect(expected.length).toBeGreaterThan(0);
    expect(manifest.rows.map((r) => key(r.source as { trialId: string; seq: number })).sort()).toEqual(
      expected.map(key).sort(),
    );
    expect(manifest.counts.unsentPrompts).toBe(lines.length);
    expect(manifest.rows.every((r) => (r.source as { prompt: string }).prompt === 'unsent')).toBe(true);
    expect(
      manifest.rows.every((r) => (r.source as { author: { kind: string } }).author.kind === 'simulated'),
    ).toBe(true);
    // The prompt a prompted model would have had in the wrong-side seat.
    const consultancy = lines.filter((l) => l.includes('You are a consultant'));
    expect(consultancy.length).toBeGreaterThan(0);
    expect(consultancy.every((l) => l.includes(WRONG_SIDE_INSTRUCTION))).toBe(true);

    const honest = await exportRows([simulated()], { format: 'sft', side: 'honest' });
    expect(honest.manifest.rows.map((r) => key(r.source as { trialId: string; seq: number })).sort()).toEqual(
      loggedSpeeches(logs)
        .filter((s) => s.honest && s.belief > 0.5)
        .map(key)
        .sort(),
    );
    expect(honest.lines.some((l) => l.includes(WRONG_SIDE_INSTRUCTION))).toBe(false);
  });

  it('no story in two splits, and the same inputs give the same bytes', async () => {
    const first = await exportRows([simulated()], { format: 'sft', minBelief: 0 });
    const splits = new Map<string, Set<string>>();
    for (const row of first.manifest.rows)
      splits.set(row.storyId, (splits.get(row.storyId) ?? new Set()).add(row.split));
    expect([...splits.values()].every((s) => s.size === 1)).toBe(true);
    const again = await exportRows([simulated()], { format: 'sft', minBelief: 0 });
    expect(again.text).toBe(first.text);
    expect(JSON.stringify(again.manifest)).toBe(JSON.stringify(first.manifest));
    // Two experiments are read in the order of their ids, whatever order they are given in.
    const other = memoryExperiment('another', config, { logs, questions });
    const ab = await exportRows([simulated(), other], { format: 'preference' });
    const ba = await exportRows([other, simulated()], { format: 'preference' });
    expect(ba.text).toBe(ab.text);
    expect(ab.manifest.experiments.map((e) => e.id)).toEqual(['another', 'train-sim']);
  });

  it('people’s words only when the experiment allows them, and then under pseudonyms', async () => {
    // The same trials as if a person had held each consultancy seat (consultant or judge).
    const asPeople = (role: 'consultant' | 'judge') => {
      const changed = new Map<string, TrialEvent[]>();
      for (const [id, log] of logs) {
        const created = log[0] as TrialCreated;
        if (created.arm !== 'consultancy') continue;
        const first: TrialCreated =
          role === 'judge'
            ? { ...created, judgeId: 'people-1' }
            : { ...created, arguers: created.arguers.map((a) => ({ ...a, participantId: 'arguers-1' })) };
        changed.set(id, [
          first,
          ...log.slice(1).map((e) => {
            const byPerson =
              role === 'judge'
                ? e.type === 'JudgeInterjected' ||
                  e.type === 'BeliefReported' ||
                  e.type === 'VerdictSubmitted'
                : e.type === 'ArgumentSubmitted';
            if (!byPerson || !('meta' in e)) return e;
            const { meta: _meta, ...rest } = e;
            return rest as TrialEvent;
          }),
        ]);
      }
      return changed;
    };
    const people = new Map([
      ['arguers-1', { kind: 'human', label: 'Quiet Heron' }],
      ['people-1', { kind: 'human', label: 'Amber Fox' }],
    ]);
    const peopleConfig = (allow: boolean, seat: 'consultant' | 'judge' = 'consultant') =>
      experiment({
        ...config,
        name: 'train-people',
        ...(seat === 'judge'
          ? { judges: [{ name: 'people', participant: { kind: 'human' } }] }
          : {
              arms: config.arms.map((a) =>
                a.name === 'consultancy' ? { ...a, arguer: { kind: 'human' } } : a,
              ),
            }),
        ...(allow ? { export: { includeHumanText: true } } : {}),
      });
    const consultant = asPeople('consultant');
    const dishonest = loggedSpeeches(consultant).filter((s) => !s.honest);

    const refused = await exportRows(
      [memoryExperiment('train-people', peopleConfig(false), { logs: consultant, questions }, people)],
      { format: 'sft', minBelief: 0 },
    );
    expect(refused.lines).toEqual([]);
    expect(refused.manifest.counts.skipped.personSpeech).toBe(dishonest.length);

    const allowed = await exportRows(
      [memoryExperiment('train-people', peopleConfig(true), { logs: consultant, questions }, people)],
      { format: 'sft', minBelief: 0 },
    );
    expect(allowed.lines).toHaveLength(dishonest.length);
    for (const row of allowed.manifest.rows)
      expect((row.source as { author: unknown }).author).toEqual({
        kind: 'person',
        participantId: 'arguers-1',
        pseudonym: 'Quiet Heron',
      });
    expect(allowed.manifest.experiments[0]!.includeHumanText).toBe(true);

    // A person judging: the consultant's later speeches answer the person's questions.
    const judged = asPeople('judge');
    const afterQuestion = loggedSpeeches(judged).filter(
      (s) =>
        !s.honest &&
        judged
          .get(s.trialId)!
          .slice(0, s.seq)
          .some((e) => e.type === 'JudgeInterjected'),
    );
    expect(afterQuestion.length).toBeGreaterThan(0);
    const withJudge = await exportRows(
      [memoryExperiment('train-people', peopleConfig(false, 'judge'), { logs: judged, questions }, people)],
      { format: 'sft', minBelief: 0 },
    );
    expect(withJudge.manifest.counts.skipped.personInPrompt).toBe(afterQuestion.length);
    expect(withJudge.lines.some((l) => l.includes('Can you quote the passage'))).toBe(false);
    expect(withJudge.lines.length).toBe(
      loggedSpeeches(judged).filter((s) => !s.honest).length - afterQuestion.length,
    );
  });

  it('the config says whether people’s words may be exported; saying so later is not a new design', () => {
    const input = { name: 'x', seed: 1, arms: [{ name: 'debate', protocol: 'debate' }] };
    const before = ExperimentConfigSchema.parse(input);
    expect('export' in before).toBe(false);
    const after = ExperimentConfigSchema.parse({ ...input, export: { includeHumanText: true } });
    expect(after.export).toEqual({ includeHumanText: true });
    expect(ExperimentConfigSchema.parse({ ...input, export: {} }).export).toEqual({
      includeHumanText: false,
    });
    expect(designDifferences(before, after)).toEqual([]);
    expect(configHash(after)).not.toBe(configHash(before));
    const typo = ExperimentConfigSchema.safeParse({ ...input, export: { includeHumanSpeeches: true } });
    expect(typo.success).toBe(false);
  });
});
