// The config's stopping rule honoured where trials are given out: by `serve` for simulated judges,
// and by seating for people (here simulated people asking for work at the terminal). When an arm's
// answer is known, its unstarted trials are stopped with the reason and the figures in their logs,
// trials in progress finish, and no new seat is given in it. On both backends.
import {
  type ExperimentConfigInput,
  ExperimentConfigSchema,
  foldEvents,
  judgeView,
  type Move,
  type Question,
  type TrialEvent,
} from '@oversight/core';
import type { Database } from '@oversight/db';
import { backends, type Harness, suiteName, uid } from '@oversight/db/testing/backends';
import { createRng } from '@oversight/stats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  driveContext,
  joinExperiment,
  nextForPerson,
  type PeopleContext,
  participantRecords,
  persistPlan,
  planExperiment,
  retryAbortedTrials,
  STOPPING_RULE,
  type StoppingOutcome,
  serve,
  submitMove,
} from '../src/index.ts';

const questions = (n: number): Question[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `q${String(i).padStart(3, '0')}`,
    storyId: `s${i}`,
    storyTitle: `Story ${i}`,
    question: `What did keeper ${i} do at dusk?`,
    answers: ['lit the lamp', 'went fishing'],
    correctIndex: i % 2,
    source: `Keeper ${i} lit the lamp at dusk and watched for ships.`,
    metadata: {},
  }));

async function plan(db: Database, input: Omit<ExperimentConfigInput, 'name' | 'seed'>, n: number) {
  const name = uid('stop');
  const config = ExperimentConfigSchema.parse({ name, seed: name, ...input });
  const planned = planExperiment(config, questions(n), `${name}-questions`);
  await persistPlan(db, planned, `${name}-questions`, `${name}.jsonl`);
  const drive = driveContext(db, { experimentId: name, config, participants: participantRecords(config) });
  return { name, config, drive };
}

async function logs(db: Database, experimentId: string) {
  const trials = await db.trials.list(experimentId);
  const events = await db.events.loadMany(trials.map((t) => t.id));
  return trials.map((t) => ({
    trial: t,
    events: events.get(t.id)!.map((e) => e.payload as TrialEvent),
  }));
}

const verdict = (p: number): Move => ({ type: 'judgement', probabilities: [p, 1 - p], end: true });

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(suiteName(backend), () => {
    let h: Harness;
    let db: Database;
    beforeAll(async () => {
      h = await backend.setup();
      db = h.db;
    });
    afterAll(async () => h?.teardown());

    const stopping = { alpha: 0.05, per: 'arm' as const, minJudgments: 10 };

    it('serve stops an arm whose answer is known: unstarted trials stopped with the reason, the rest finish', async () => {
      const exp = await plan(
        db,
        {
          judges: [
            {
              // the plan splits them between the arms: 12 judges each
              count: 24,
              participant: { kind: 'simulated-judge', oracleAccuracy: 0.97, unswayedAccuracy: 0.5 },
            },
          ],
          arms: [
            { name: 'oracle', protocol: 'oracle', trialsPerQuestion: 1 },
            { name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 },
          ],
          // only the oracle arm is watched: the experiment's name (random) seeds the simulated judges,
          // and a true 50% arm may, in up to α of runs, be declared known
          stopping: { ...stopping, arms: ['oracle'] },
        },
        60,
      );
      const stopped: StoppingOutcome[] = [];
      await serve(db, {
        experimentIds: [exp.name],
        untilIdle: true,
        failFast: true,
        concurrency: 2,
        pollMs: 20,
        stoppingCheckMs: 0,
        onStopped: (_, outcome) => stopped.push(outcome),
      }).done;

      expect(stopped.map((s) => s.arm)).toEqual(['oracle']);
      expect(stopped[0]!.reason).toMatch(
        /^stopping rule: the answer is known — oracle: \d\.\d\d to \d\.\d\d after \d+ judgments; the answer is known at alpha = 0\.05 \(above 50%\); always-valid p = /,
      );
      const oracle = (await logs(db, exp.name)).filter((l) => l.trial.arm === 'oracle');
      const aborted = oracle.filter((l) => l.trial.status === 'aborted');
      expect(aborted.length).toBe(stopped[0]!.stopped);
      expect(aborted.length).toBeGreaterThan(20);
      for (const l of aborted) {
        // nothing happened in a stopped trial but its creation and the stop, which says who and why
        expect(l.events.map((e) => e.type)).toEqual(['TrialCreated', 'TrialAborted']);
        expect(l.events[1]).toMatchObject({ by: STOPPING_RULE, reason: stopped[0]!.reason });
      }
      // every oracle trial that had started finished; the other arm ran to the end
      expect(oracle.filter((l) => l.trial.status === 'finished').length).toBe(60 - aborted.length);
      const alone = (await logs(db, exp.name)).filter((l) => l.trial.arm === 'alone');
      expect(alone.every((l) => l.trial.status === 'finished')).toBe(true);
      expect((await db.judgments.list(exp.name, { arms: ['oracle'] })).length).toBe(60 - aborted.length);
      // stopped by the rule is not a failure to try again
      expect(await retryAbortedTrials(db, exp.name, () => false)).toEqual([]);
    });

    it('seating gives no new seat in a known arm; a seat taken before the stop is answered and counted', async () => {
      const exp = await plan(
        db,
        {
          judges: [{ name: 'people', participant: { kind: 'human', platform: 'terminal' } }],
          arms: [
            { name: 'oracle', protocol: 'oracle', trialsPerQuestion: 1 },
            { name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 },
          ],
          stopping: { ...stopping, arms: ['oracle'] },
        },
        40,
      );
      const people: PeopleContext = { db, drive: exp.drive, experimentId: exp.name, config: exp.config };
      const ids: string[] = [];
      for (let k = 0; k < 12; k++) {
        const joined = await joinExperiment(
          people,
          { platform: 'terminal', user: `p${k}` },
          { accepted: true },
        );
        if (joined.status !== 'joined') throw new Error(joined.reason);
        ids.push(joined.participant.id);
      }
      // Simulated people: right 97% of the time with the source text (oracle), 50% alone.
      const rng = createRng('people');
      const answer = async (participantId: string, trialId: string) => {
        const state = foldEvents(await exp.drive.store.loadEvents(trialId));
        const accuracy = state.created.arm === 'oracle' ? 0.97 : 0.5;
        const right = rng.next() < accuracy;
        const onFirst = (state.created.correctDisplayed === 0) === right;
        const position = judgeView(state, await exp.drive.questions(state.created)).position;
        return submitMove(exp.drive, {
          trialId,
          participantId,
          position,
          receipt: { key: uid('move'), participantId, platform: 'terminal', ref: participantId },
          move: verdict(onFirst ? 0.9 : 0.1),
        });
      };
      // p0 takes an oracle seat at once and answers only at the end: a trial in progress at the stop.
      let held: string | null = null;
      for (let tries = 0; tries < 4 && held === null; tries++) {
        const next = await nextForPerson(people, ids[0]!);
        if (next.status === 'none') throw new Error(next.reason);
        if (next.state.created.arm === 'oracle') held = next.trialId;
        else expect((await answer(ids[0]!, next.trialId)).status).toBe('accepted');
      }
      expect(held).not.toBeNull();
      const given: { arm: string; afterStop: boolean }[] = [];
      let stoppedAt: number | null = null;
      for (let round = 0; round < 100; round++) {
        let anyone = false;
        for (const id of ids.slice(1)) {
          const next = await nextForPerson(people, id);
          if (stoppedAt === null && (await db.trials.countByStatus(exp.name)).aborted)
            stoppedAt = given.length;
          if (next.status === 'none') continue;
          anyone = true;
          given.push({ arm: next.state.created.arm, afterStop: stoppedAt !== null });
          expect((await answer(id, next.trialId)).status).toBe('accepted');
        }
        if (!anyone) break;
      }
      expect(stoppedAt).not.toBeNull();
      // after the stop, seats only in the arm whose answer is not known
      expect(given.filter((g) => g.afterStop).every((g) => g.arm === 'alone')).toBe(true);
      expect(given.filter((g) => g.afterStop).length).toBeGreaterThan(0);
      // the seat held through the stop is answered and its judgment counts
      expect((await answer(ids[0]!, held!)).status).toBe('accepted');
      const all = await logs(db, exp.name);
      const heldLog = all.find((l) => l.trial.id === held)!;
      expect(heldLog.trial.status).toBe('finished');
      const aborted = all.filter((l) => l.trial.status === 'aborted');
      expect(aborted.length).toBeGreaterThan(0);
      for (const l of aborted) {
        expect(l.trial.arm).toBe('oracle');
        expect(l.events.map((e) => e.type)).toEqual(['TrialCreated', 'TrialAborted']);
        expect(l.events[1]).toMatchObject({ by: STOPPING_RULE });
        expect((l.events[1] as { reason: string }).reason).toContain('the answer is known — oracle');
      }
      // the person asking for work is told why there is none in the stopped arm
      const judged = await db.judgments.list(exp.name, { arms: ['oracle'] });
      expect(judged.length).toBe(40 - aborted.length);
      expect(new Set(judged.map((j) => j.judgeId)).size).toBeGreaterThanOrEqual(10);
    });
  });
}
