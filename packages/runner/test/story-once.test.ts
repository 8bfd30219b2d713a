// "Each story once" across experiments: a person who judged or argued a story in a pilot is not
// seated to judge it in the main study on the same dataset (unless the config says otherwise), an
// admin cannot seat them there either, and the design audit lists any seat that broke the rule.
// On both backends, through the real database.
import {
  type ExperimentConfigInput,
  ExperimentConfigSchema,
  judgeView,
  type Question,
} from '@oversight/core';
import type { Database } from '@oversight/db';
import { backends, type Harness, suiteName, uid } from '@oversight/db/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignSeat,
  driveContext,
  joinExperiment,
  nextForPerson,
  type PeopleContext,
  participantRecords,
  persistPlan,
  planExperiment,
  reassignSeat,
  runTrials,
  SeatError,
  storyRepeats,
  submitMove,
} from '../src/index.ts';

/** Four stories, one question each; the same ids in every dataset, so only the dataset tells them apart. */
const questions = (tag = ''): Question[] =>
  Array.from({ length: 4 }, (_, i) => ({
    id: `q${i}`,
    storyId: `s${i}`,
    storyTitle: `Story ${i}`,
    question: `What did keeper ${i} do at dusk?${tag}`,
    answers: ['lit the lamp', 'went fishing'],
    correctIndex: i % 2,
    source: `Keeper ${i} lit the lamp at dusk and watched the ships.${tag}`,
    metadata: {},
  }));

const peopleJudge = {
  judges: [{ name: 'people', participant: { kind: 'human' as const, platform: 'terminal' as const } }],
  arms: [{ name: 'alone', protocol: 'judge-alone' as const, trialsPerQuestion: 1 }],
};

async function experiment(
  db: Database,
  dataset: string,
  input: Omit<ExperimentConfigInput, 'name' | 'seed'>,
  qs = questions(),
) {
  const name = uid('exp');
  const config = ExperimentConfigSchema.parse({ name, seed: name, ...input });
  const plan = planExperiment(config, qs, dataset);
  await persistPlan(db, plan, dataset, `${dataset}.jsonl`);
  await runTrials(db, plan);
  const drive = driveContext(db, { experimentId: name, config, participants: participantRecords(config) });
  const people: PeopleContext = { db, drive, experimentId: name, config };
  return { name, people };
}

async function join(people: PeopleContext, user: string, pool?: string): Promise<string> {
  const joined = await joinExperiment(
    people,
    { platform: 'terminal', user },
    { accepted: true, ...(pool ? { pool } : {}) },
  );
  if (joined.status !== 'joined') throw new Error(joined.reason);
  return joined.participant.id;
}

/** Asks for work and gives a verdict on each trial until there is none (or `most`); the stories judged, in order. */
async function judgeAll(
  people: PeopleContext,
  who: string,
  most = Number.POSITIVE_INFINITY,
): Promise<{ stories: string[]; reason: string }> {
  const stories: string[] = [];
  while (stories.length < most) {
    const next = await nextForPerson(people, who);
    if (next.status === 'none') return { stories, reason: next.reason };
    stories.push(next.state.created.storyId);
    const position = judgeView(next.state, await people.drive.questions(next.state.created)).position;
    const result = await submitMove(people.drive, {
      trialId: next.trialId,
      participantId: who,
      position,
      receipt: { key: uid('k'), participantId: who, platform: 'terminal', ref: who },
      move: { type: 'judgement', probabilities: [0.7, 0.3], end: true },
    });
    expect(result.status).toBe('accepted');
  }
  return { stories, reason: '' };
}

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(suiteName(backend), () => {
    let h: Harness;
    let db: Database;
    beforeAll(async () => {
      h = await backend.setup();
      db = h.db;
    });
    afterAll(async () => h?.teardown());

    it('seats nobody to judge a story they judged in another experiment on the same dataset', async () => {
      const dataset = uid('quality');
      const pilot = await experiment(db, dataset, peopleJudge);
      const main = await experiment(db, dataset, peopleJudge);
      const adaPilot = await join(pilot.people, 'ada');
      const inPilot = (await judgeAll(pilot.people, adaPilot, 2)).stories;
      expect(new Set(inPilot).size).toBe(2);

      const ada = await join(main.people, 'ada');
      const judged = await judgeAll(main.people, ada);
      expect(judged.stories.sort()).toEqual(['s0', 's1', 's2', 's3'].filter((s) => !inPilot.includes(s)));
      expect(judged.reason).toBe(
        'nothing is waiting for you right now (you judge each story once, across the experiments on this dataset); try again later',
      );
      // Someone else is not held back by ada's pilot.
      const bo = await join(main.people, 'bo');
      expect((await judgeAll(main.people, bo)).stories).toHaveLength(2);
      expect(await storyRepeats(db, main.name)).toEqual([]);

      // Another dataset with the same story ids is another set of stories.
      const other = await experiment(db, uid('other'), peopleJudge, questions(' (other)'));
      expect((await judgeAll(other.people, await join(other.people, 'ada'))).stories).toHaveLength(4);
    });

    it('counts a story argued in another experiment as seen', async () => {
      const dataset = uid('quality');
      // Ada argues as a consultant in one experiment (a simulated judge follows), then judges in another.
      const argued = await experiment(db, dataset, {
        judges: [{ count: 4 }],
        arms: [
          {
            name: 'consult',
            protocol: 'consultancy',
            rounds: 1,
            trialsPerQuestion: 1,
            arguer: { kind: 'human', platform: 'terminal' },
          },
        ],
      });
      const consultant = await join(argued.people, 'ada');
      const seat = await nextForPerson(argued.people, consultant);
      if (seat.status === 'none') throw new Error(seat.reason);
      expect(seat.role).toBe('consultant');

      const main = await experiment(db, dataset, peopleJudge);
      const judged = await judgeAll(main.people, await join(main.people, 'ada'));
      expect(judged.stories).toHaveLength(3);
      expect(judged.stories).not.toContain(seat.state.created.storyId);
    });

    it('lets an admin seat nobody on a story they saw elsewhere, saying where', async () => {
      const dataset = uid('quality');
      const pilot = await experiment(db, dataset, peopleJudge);
      const main = await experiment(db, dataset, peopleJudge);
      const adaPilot = await join(pilot.people, 'ada');
      const seen = await nextForPerson(pilot.people, adaPilot);
      if (seen.status === 'none') throw new Error(seen.reason);
      const storyId = seen.state.created.storyId;
      const ada = await join(main.people, 'ada');
      const trialOn = (story: string) => `${main.name}.alone.q${story.slice(1)}.0`;
      const refused = await reassignSeat(main.people, trialOn(storyId), 'judge', ada, {
        reason: 'bo is away',
        by: 'admin',
      }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SeatError);
      expect((refused as Error).message).toBe(
        `${ada} has already seen story ${storyId} (in experiment ${pilot.name}, trial ${seen.trialId}, as judge); a judge sees each story once across the experiments on a dataset: choose someone else`,
      );
      expect((await db.trials.get(trialOn(storyId)))?.judgeId).toBeNull();
      // A story she has not seen is hers to judge.
      const unseen = ['s0', 's1', 's2', 's3'].find((s) => s !== storyId)!;
      const given = await reassignSeat(main.people, trialOn(unseen), 'judge', ada, {
        reason: 'asked',
        by: 'admin',
      });
      expect(given.seats.judge).toBe(ada);
    });

    it('with eachStoryOnce "per-experiment", seats a person again and the audit says it was allowed', async () => {
      const dataset = uid('quality');
      const pilot = await experiment(db, dataset, peopleJudge);
      const retest = await experiment(db, dataset, { ...peopleJudge, eachStoryOnce: 'per-experiment' });
      const inPilot = (await judgeAll(pilot.people, await join(pilot.people, 'ada'))).stories;
      expect(inPilot).toHaveLength(4);
      const ada = await join(retest.people, 'ada');
      const judged = await judgeAll(retest.people, ada);
      expect(judged.stories).toHaveLength(4);
      expect(judged.reason).toBe(
        'nothing is waiting for you right now (you judge each story once); try again later',
      );
      const repeats = await storyRepeats(db, retest.name);
      expect(repeats).toHaveLength(4);
      for (const repeat of repeats) {
        expect(repeat).toMatchObject({ participantId: ada, dataset, allowed: true });
        expect(repeat.seenBefore).toEqual([
          expect.objectContaining({
            experimentId: pilot.name,
            role: 'judge',
            trialId: `${pilot.name}.alone.q${repeat.storyId.slice(1)}.0`,
          }),
        ]);
      }
    });

    it('audits seats forced past the rule: across experiments and within one', async () => {
      const dataset = uid('quality');
      const pilot = await experiment(db, dataset, peopleJudge);
      const main = await experiment(db, dataset, {
        ...peopleJudge,
        arms: [{ ...peopleJudge.arms[0]!, trialsPerQuestion: 2 }],
      });
      const adaPilot = await join(pilot.people, 'ada');
      const seen = await nextForPerson(pilot.people, adaPilot);
      if (seen.status === 'none') throw new Error(seen.reason);
      const q = `q${seen.state.created.storyId.slice(1)}`;
      const ada = await join(main.people, 'ada');
      // assignSeat is the bare append, without the rule (what a bug or a direct write could do).
      await assignSeat(main.people.drive, `${main.name}.alone.${q}.0`, 'judge', ada, { reason: 'forced' });
      await assignSeat(main.people.drive, `${main.name}.alone.${q}.1`, 'judge', ada, { reason: 'forced' });
      const repeats = await storyRepeats(db, main.name);
      expect(repeats.map((r) => [r.trialId, r.seenBefore.map((s) => s.trialId), r.allowed])).toEqual([
        [`${main.name}.alone.${q}.0`, [seen.trialId], false],
        [`${main.name}.alone.${q}.1`, [seen.trialId, `${main.name}.alone.${q}.0`], false],
      ]);
      expect(repeats[0]).toMatchObject({ participantId: ada, dataset, storyId: seen.state.created.storyId });
    });
  });
}
