// What serving people stands on, on both backends: keyed questions, move receipts, who owes a move,
// open seats, the outbox, and leases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Database,
  DatasetConflictError,
  DuplicateMoveError,
  type QuestionInput,
  type TrialInput,
} from '../src/index.ts';
import { backends, type Harness, suiteName, uid } from './backends.ts';

const question = (id: string, storyId: string, extra: Partial<QuestionInput> = {}): QuestionInput => ({
  id,
  storyId,
  storyTitle: 'T',
  question: `What about ${id}?`,
  answers: ['yes', 'no'],
  correctIndex: 0,
  source: `Story ${storyId}.`,
  metadata: {},
  ...extra,
});

async function experiment(db: Database, n: number, owed: (i: number) => TrialInput['owed']) {
  const experimentId = uid('exp');
  const dataset = uid('ds');
  await db.questions.upsertMany(
    dataset,
    Array.from({ length: n }, (_, i) => question(`q${i}`, `s${i % 3}`, { source: `Story s${i % 3}.` })),
  );
  await db.experiments.ensure({
    id: experimentId,
    name: experimentId,
    seed: 's',
    config: {},
    configHash: 'h',
  });
  const trials: TrialInput[] = Array.from({ length: n }, (_, i) => ({
    id: `${experimentId}.t${i}`,
    experimentId,
    arm: i % 2 === 0 ? 'debate' : 'consultancy',
    protocol: 'debate',
    dataset,
    questionId: `q${i}`,
    storyId: `s${i % 3}`,
    judgeId: null,
    ordinal: i,
    status: 'waiting',
    owed: owed(i),
    seats: [],
    created: { type: 'TrialCreated' },
  }));
  await db.trials.createMany(trials);
  return { experimentId, dataset, trialIds: trials.map((t) => t.id) };
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

    it('keys questions by dataset: the same id in two datasets never meets, a changed one is refused', async () => {
      const a = uid('a');
      const b = uid('b');
      await db.questions.upsertMany(a, [question('q001', 's1')], '/data/a.jsonl');
      await db.questions.upsertMany(
        b,
        [question('q001', 's1', { question: 'Another?', source: 'Other.' })],
        '/b.jsonl',
      );
      expect((await db.questions.get(a, 'q001'))?.question).toBe('What about q001?');
      expect((await db.questions.get(b, 'q001'))?.source).toBe('Other.');
      // The same content again is fine; other content under the same key names both files and writes nothing.
      await db.questions.upsertMany(
        a,
        [question('q001', 's1'), question('q002', 's1')],
        '/data/a-copy.jsonl',
      );
      const clash = db.questions.upsertMany(
        a,
        [question('q003', 's1'), question('q001', 's1', { answers: ['no', 'yes'] })],
        '/data/other.jsonl',
      );
      await expect(clash).rejects.toBeInstanceOf(DatasetConflictError);
      await expect(clash).rejects.toThrow(/\/data\/a\.jsonl.*\/data\/other\.jsonl/s);
      expect(await db.questions.get(a, 'q003')).toBeNull();
      await expect(
        db.questions.upsertMany(a, [question('q004', 's1', { source: 'Rewritten story.' })], '/data/x.jsonl'),
      ).rejects.toThrow(/story "s1"/);
    });

    it('records a person’s move once per key, in the same statement as its events', async () => {
      const { trialIds } = await experiment(db, 1, () => [
        { role: 'judge', participantId: 'ada', sinceSeq: 1, human: true },
      ]);
      const trialId = trialIds[0]!;
      const receipt = {
        key: uid('discord:interaction'),
        participantId: 'ada',
        platform: 'discord',
        ref: '123',
      };
      const move = {
        trialId,
        expectedSeq: 1,
        events: [{ type: 'BeliefReported' }],
        trial: { status: 'active' },
        owed: [],
        receipt,
      };
      await db.events.append(move);
      expect(await db.events.receipt(receipt.key)).toMatchObject({
        trialId,
        seq: 1,
        events: 1,
        participantId: 'ada',
      });
      // The same interaction delivered again, even at the right position, writes nothing.
      await expect(db.events.append({ ...move, expectedSeq: 2 })).rejects.toBeInstanceOf(DuplicateMoveError);
      expect(await db.events.load(trialId)).toHaveLength(2);
      expect(await db.trials.owedBy('ada')).toEqual([]);
    });

    it('finds open seats a person may take: not in a trial they sat in, not a story they judged', async () => {
      const { experimentId, trialIds } = await experiment(db, 6, () => [
        { role: 'judge', participantId: null, sinceSeq: 1, human: true },
      ]);
      await db.events.append({
        trialId: trialIds[0]!,
        expectedSeq: 1,
        events: [{ type: 'ParticipantAssigned' }],
        trial: { status: 'waiting' },
        owed: [{ role: 'judge', participantId: 'ada', sinceSeq: 1, human: true }],
        seats: [{ role: 'judge', participantId: 'ada' }],
        notify: [{ participantId: 'ada', role: 'judge', sinceSeq: 1 }],
      });
      const seats = await db.trials.openSeats({
        experimentId,
        participantId: 'ada',
        roles: ['judge'],
        arms: ['debate', 'consultancy'],
      });
      // t0 is hers now, t3 has her story s0; the rest are open to her.
      expect(seats.map((s) => s.trialId).sort()).toEqual([1, 2, 4, 5].map((i) => trialIds[i]));
      expect((await db.trials.seatsOf(experimentId, 'ada')).map((s) => s.trialId)).toEqual([trialIds[0]]);
      const [notice] = await db.outbox.pending({ experimentIds: [experimentId] });
      expect(notice).toMatchObject({
        participantId: 'ada',
        trialId: trialIds[0],
        role: 'judge',
        kind: 'your-turn',
      });
      await db.outbox.markDelivered([notice!.id]);
      expect(await db.outbox.pending({ experimentIds: [experimentId] })).toEqual([]);
    });

    it('leases active trials to one process at a time; an expired lease is taken over', async () => {
      const { experimentId } = await experiment(db, 4, () => []);
      await db.prisma.trial.updateMany({ where: { experimentId }, data: { status: 'active' } });
      const ids = async (claimed: Promise<Array<{ id: string; experimentId: string }>>) =>
        (await claimed).map((c) => c.id);
      const [first, second] = await Promise.all([
        ids(db.trials.claim([experimentId], 'p1', 2, 60_000)),
        ids(db.trials.claim([experimentId], 'p2', 2, 60_000)),
      ]);
      expect([...first!, ...second!].sort()).toHaveLength(4);
      expect(new Set([...first!, ...second!]).size).toBe(4);
      expect(await db.trials.claim([experimentId], 'p3', 4, 60_000)).toEqual([]);
      expect((await db.trials.renew('p1', first!, 60_000)).kept.sort()).toEqual([...first!].sort());
      // p1's trials are not p2's to renew: taken by another owner, as p2 is told.
      const notMine = await db.trials.renew('p2', first!, 60_000);
      expect(notMine.kept).toEqual([]);
      expect(notMine.taken.sort()).toEqual([...first!].sort());
      await db.trials.renew('p2', second!, -1_000); // as if p2 stopped renewing long ago
      expect((await ids(db.trials.claim([experimentId], 'p3', 4, 60_000))).sort()).toEqual(
        [...second!].sort(),
      );
      await db.trials.release('p1', first!);
      expect((await ids(db.trials.claim([experimentId], 'p3', 4, 60_000))).sort()).toEqual(
        [...first!].sort(),
      );
      expect(await db.trials.claimTrial(first![0]!, 'p4', 60_000)).toBe(false);
      expect(await db.trials.claimTrial(first![0]!, 'p3', 60_000)).toBe(true);
    });

    it('adds a person once per identity and keeps their consent', async () => {
      const { experimentId } = await experiment(db, 1, () => []);
      const person = {
        identity: 'slack:T1/U024BE7LH',
        pool: 'judges',
        id: 'judges-1',
        label: 'Amber Otter',
        spec: { kind: 'human', platform: 'slack' },
        consentVersion: '1',
      };
      const added = await db.participants.addPerson(experimentId, person);
      expect(added).toMatchObject({
        created: true,
        row: { id: 'judges-1', pool: 'judges', consentVersion: '1' },
      });
      expect(added !== 'full' && added?.row.consentedAt).toBeInstanceOf(Date);
      expect(await db.participants.addPerson(experimentId, { ...person, id: 'judges-2' })).toMatchObject({
        created: false,
        row: { id: 'judges-1' },
      });
      expect(
        await db.participants.addPerson(experimentId, { ...person, identity: 'slack:T1/U2' }),
      ).toBeNull();
      expect((await db.participants.byIdentity(experimentId, 'slack:T1/U024BE7LH'))?.id).toBe('judges-1');
      await db.participants.leave(experimentId, 'judges-1');
      expect((await db.participants.get(experimentId, 'judges-1'))?.leftAt).toBeInstanceOf(Date);
    });

    it('numbers people who join one pool at the same time one after another, up to its capacity', async () => {
      const { experimentId } = await experiment(db, 1, () => []);
      const join = (i: number) =>
        db.participants.addPerson(
          experimentId,
          { identity: `discord:${i}`, pool: 'crowd', label: `P${i}`, spec: {}, consentVersion: null },
          { capacity: 25 },
        );
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => join(i)));
      const rows = results.flatMap((r) => (r && r !== 'full' ? [r.row.id] : []));
      expect(rows.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `crowd-${i + 1}`).sort());
      expect(results.filter((r) => r === 'full')).toHaveLength(5);
      // The same identity again, even racing itself, is one person.
      const twice = await Promise.all([join(3), join(3)]);
      expect(twice.every((r) => r !== 'full' && r?.created === false)).toBe(true);
    });
  });
}
