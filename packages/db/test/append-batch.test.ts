// Appends to many trials at once (appendMany, and `append` calls grouped into one statement): every
// trial is still guarded by its own expected position, and each input learns its own fate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppendConflictError,
  type AppendInput,
  type Database,
  DuplicateMoveError,
  NOTIFY_CHANNEL,
} from '../src/index.ts';
import type { RawQuery } from '../src/raw.ts';
import { eventsRepository } from '../src/repositories/events.ts';
import { backends, type Harness, suiteName, uid } from './backends.ts';

async function seed(db: Database, n: number) {
  const experimentId = uid('batch');
  await db.questions.upsertMany('batch', [
    {
      id: 'q',
      storyId: 's',
      storyTitle: 'S',
      question: '?',
      answers: ['a', 'b'],
      correctIndex: 0,
      source: 'The story.',
      metadata: {},
    },
  ]);
  await db.experiments.ensure({
    id: experimentId,
    name: experimentId,
    seed: 's',
    config: {},
    configHash: 'h',
  });
  const trialIds = Array.from({ length: n }, (_, i) => `${experimentId}-t${String(i).padStart(4, '0')}`);
  await db.trials.createMany(
    trialIds.map((id, ordinal) => ({
      id,
      experimentId,
      arm: 'debate',
      protocol: 'debate',
      dataset: 'batch',
      questionId: 'q',
      storyId: 's',
      judgeId: 'judge-1',
      ordinal,
      status: 'active',
      owed: [{ role: 'debater-a', participantId: 'sim', sinceSeq: 1, human: false }],
      seats: [],
      created: { type: 'TrialCreated' },
    })),
  );
  return { experimentId, trialIds };
}

const step = (trialId: string, expectedSeq = 1, extra: Partial<AppendInput> = {}): AppendInput => ({
  trialId,
  expectedSeq,
  events: [
    { type: 'ArgumentSubmitted', n: expectedSeq },
    { type: 'BeliefReported', n: expectedSeq + 1 },
  ],
  trial: { status: 'active' },
  owed: [{ role: 'judge', participantId: 'sim', sinceSeq: expectedSeq + 2, human: false }],
  ...extra,
});

const verdict = { probCorrect: 0.7, correct: true, rounds: 1, reward: 0.1, beliefs: [0.7] };

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(`append batches on ${suiteName(backend)}`, () => {
    let h: Harness;
    let db: Database;
    beforeAll(async () => {
      h = await backend.setup();
      db = h.db;
    });
    afterAll(() => h?.teardown());

    it('writes many trials in one statement and reports, per trial, which lost', async () => {
      const { experimentId, trialIds } = await seed(db, 40);
      await db.events.append(step(trialIds[3]!)); // trial 3 has moved on: the batch's step for it is stale
      const inputs = [
        ...trialIds.map((id) => step(id)),
        step('no-such-trial'),
        { ...step(trialIds[5]!, 3), trial: { status: 'finished' }, owed: [], judgment: verdict },
      ];
      const outcomes = await db.events.appendMany(inputs);
      const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [[i, o.error] as const]));
      expect(failed.map(([i]) => i)).toEqual([3, 40]);
      expect(failed[0]![1]).toBeInstanceOf(AppendConflictError);
      expect(failed[0]![1]).toMatchObject({ expectedSeq: 1, actualSeq: 3 });
      expect(failed[1]![1]).toMatchObject({ name: 'AppendConflictError', actualSeq: null });
      // Trial 5 was named twice: its second step went in a later statement, after the first.
      expect(outcomes[41]).toMatchObject({ ok: true, nextSeq: 5 });
      const logs = await db.events.loadMany(trialIds);
      expect(logs.get(trialIds[0]!)!.map((e) => [e.seq, e.payload.type])).toEqual([
        [0, 'TrialCreated'],
        [1, 'ArgumentSubmitted'],
        [2, 'BeliefReported'],
      ]);
      expect(logs.get(trialIds[3]!)).toHaveLength(3); // once, not twice
      expect(logs.get(trialIds[5]!)!.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
      expect(await db.trials.countByStatus(experimentId)).toEqual({ active: 39, finished: 1 });
      expect((await db.judgments.list(experimentId)).map((j) => j.trialId)).toEqual([trialIds[5]]);
      const owed = await db.trials.owedIn(experimentId);
      expect(owed.filter((o) => o.role === 'debater-a')).toEqual([]);
      expect(owed.filter((o) => o.role === 'judge')).toHaveLength(39);
    });

    it('a refused row fails only its own trial: a known receipt key, a judgment for another trial, a bad payload', async () => {
      const { trialIds } = await seed(db, 6);
      const key = uid('discord:interaction');
      const receipt = { key, participantId: 'ada', platform: 'discord', ref: '1' };
      await db.events.append(step(trialIds[0]!, 1, { receipt }));
      const outcomes = await db.events.appendMany([
        step(trialIds[1]!, 1, { receipt }),
        step(trialIds[2]!),
        {
          ...step(trialIds[3]!),
          trial: { status: 'finished' },
          owed: [],
          judgment: { ...verdict, arm: 'x' },
        },
        // PostgreSQL's jsonb refuses the NUL character: the statement fails, not just this row.
        step(trialIds[4]!, 1, { events: [{ type: 'ArgumentSubmitted', text: 'a\u0000b' }] }),
        step(trialIds[5]!),
      ]);
      expect(outcomes.map((o) => o.ok)).toEqual([false, true, false, false, true]);
      expect(!outcomes[0]!.ok && outcomes[0]!.error).toBeInstanceOf(DuplicateMoveError);
      expect(!outcomes[2]!.ok && outcomes[2]!.error.message).toMatch(
        /does not match trial .*arm: x ≠ debate/,
      );
      expect(!outcomes[3]!.ok && outcomes[3]!.error).not.toBeInstanceOf(AppendConflictError);
      const logs = await db.events.loadMany(trialIds);
      expect(trialIds.map((id) => logs.get(id)!.length)).toEqual([3, 1, 3, 1, 1, 3]);
      expect((await db.events.receipt(key))?.trialId).toBe(trialIds[0]);
    });

    it('groups appends made at the same time into one statement, each settled on its own', async () => {
      const { trialIds } = await seed(db, 120);
      let statements = 0;
      const counting: RawQuery = (query) => {
        statements += 1;
        return db.prisma.$queryRawUnsafe(query.text, ...query.values);
      };
      const events = eventsRepository(db.prisma, counting, { maxTrials: 50 });
      const results = await Promise.allSettled([
        ...trialIds.map((id) => events.append(step(id))),
        events.append(step(trialIds[7]!)), // the same step again: waits for the first, then loses
      ]);
      expect(results.slice(0, 120).every((r) => r.status === 'fulfilled')).toBe(true);
      expect(results[120]).toMatchObject({ status: 'rejected', reason: { name: 'AppendConflictError' } });
      // 121 appends in statements of at most 50; the repeat rides in the last one, after the first had landed.
      expect(statements).toBe(3);
      const logs = await db.events.loadMany(trialIds);
      expect([...logs.values()].every((log) => log.length === 3)).toBe(true);
      const loads = await Promise.all(trialIds.slice(0, 5).map((id) => db.events.load(id)));
      expect(loads.map((log) => log.map((e) => e.seq))).toEqual(Array(5).fill([0, 1, 2]));
    });

    it('lets go of a lease when the trial stops needing a service, and wakes services once per batch', async () => {
      const { experimentId, trialIds } = await seed(db, 3);
      expect((await db.trials.claim([experimentId], 'me', 3, 60_000)).length).toBe(3);
      const woken: string[] = [];
      const stop = await db.listen(NOTIFY_CHANNEL, (payload) => woken.push(payload));
      try {
        await db.events.appendMany([
          step(trialIds[0]!),
          { ...step(trialIds[1]!), trial: { status: 'waiting' }, wake: true },
          { ...step(trialIds[2]!), wake: true },
        ]);
        const rows = await db.prisma.trial.findMany({ where: { experimentId }, orderBy: { id: 'asc' } });
        expect(rows.map((r) => r.leaseOwner)).toEqual(['me', null, 'me']);
        for (let i = 0; i < 50 && woken.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(woken).toEqual([experimentId]);
      } finally {
        await stop();
      }
    });
  });
}
