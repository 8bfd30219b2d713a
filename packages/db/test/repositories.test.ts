import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppendConflictError,
  type Database,
  ExperimentConfigChangedError,
  type QuestionInput,
  TrialIdClashError,
  type TrialInput,
} from '../src/index.ts';
import { backends, type Harness, suiteName, uid } from './backends.ts';

const question = (id: string, storyId: string, extra: Partial<QuestionInput> = {}): QuestionInput => ({
  id,
  storyId,
  storyTitle: `Title ${storyId}`,
  question: `What about ${id}?`,
  answers: ['yes', 'no', 'maybe'],
  correctIndex: 1,
  source: `The story ${storyId}.`,
  metadata: { difficulty: 3 },
  ...extra,
});

/** An experiment with one question and `n` trials (seq 0 written, nextSeq 1). */
async function seed(db: Database, n = 1, arms = ['debate']) {
  const experimentId = uid('exp');
  const questionId = uid('q');
  const storyId = uid('story');
  await db.questions.upsertMany('seed', [question(questionId, storyId)]);
  await db.experiments.ensure({
    id: experimentId,
    name: experimentId,
    seed: 's',
    config: {},
    configHash: 'h',
  });
  const trials: TrialInput[] = Array.from({ length: n }, (_, i) => ({
    id: `${experimentId}-t${String(i).padStart(4, '0')}`,
    experimentId,
    arm: arms[i % arms.length] ?? 'debate',
    protocol: 'debate',
    dataset: 'seed',
    questionId,
    storyId,
    judgeId: 'judge-1',
    ordinal: i,
    status: 'active',
    owed: [{ role: 'debater-a', participantId: 'debater-1', sinceSeq: 1, human: false }],
    seats: [{ role: 'judge', participantId: 'judge-1' }],
    created: { type: 'TrialCreated', ordinal: i },
  }));
  await db.trials.createMany(trials);
  return { experimentId, questionId, trialIds: trials.map((t) => t.id) };
}

const verdict = { probCorrect: 0.8, correct: true, rounds: 2, reward: 0.5, beliefs: [0.5, 0.8] };

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(suiteName(backend), () => {
    let h: Harness;
    let db: Database;
    beforeAll(async () => {
      h = await backend.setup();
      db = h.db;
    });
    afterAll(async () => {
      await h?.teardown();
    });

    describe('experiments', () => {
      it('ensure creates, returns the same row for the same hash, and refuses a changed config', async () => {
        const id = uid('exp');
        const first = await db.experiments.ensure({
          id,
          name: 'A',
          seed: '1',
          config: { k: [1, 2] },
          configHash: 'h1',
        });
        expect(first).toMatchObject({ id, name: 'A', config: { k: [1, 2] }, configHash: 'h1' });
        const again = await db.experiments.ensure({
          id,
          name: 'A',
          seed: '1',
          config: { k: [1, 2] },
          configHash: 'h1',
        });
        expect(again.createdAt).toEqual(first.createdAt);
        const changed = db.experiments.ensure({
          id,
          name: 'A',
          seed: '1',
          config: { k: [3] },
          configHash: 'h2',
        });
        await expect(changed).rejects.toBeInstanceOf(ExperimentConfigChangedError);
        await expect(changed).rejects.toThrow(`oversight db drop-experiment ${id}`);
        expect((await db.experiments.list()).map((e) => e.id)).toContain(id);
        expect(await db.experiments.get('no-such-experiment')).toBeNull();
      });

      it('delete removes the experiment and everything under it, and leaves others alone', async () => {
        const a = await seed(db, 3);
        const b = await seed(db, 1);
        await db.participants.upsertMany(a.experimentId, [
          { id: uid('p'), kind: 'simulated', label: 'x', spec: {} },
        ]);
        await db.events.append({
          trialId: a.trialIds[0]!,
          expectedSeq: 1,
          events: [{ type: 'VerdictSubmitted' }],
          trial: { status: 'finished' },
          owed: [],
          judgment: verdict,
        });
        await db.llm.recordCall({ ...call, experimentId: a.experimentId, trialId: a.trialIds[1]! });
        await db.llm.recordCall({ ...call, trialId: a.trialIds[2]! }); // linked only through its trial
        expect(await db.experiments.delete(a.experimentId)).toBe(true);
        expect(await db.experiments.get(a.experimentId)).toBeNull();
        expect(await db.trials.list(a.experimentId)).toEqual([]);
        expect(await db.events.load(a.trialIds[0]!)).toEqual([]);
        expect(await db.judgments.count(a.experimentId)).toBe(0);
        expect(await db.participants.list(a.experimentId)).toEqual([]);
        expect(await db.prisma.llmCall.count({ where: { trialId: { in: a.trialIds } } })).toBe(0);
        expect(await db.experiments.delete(a.experimentId)).toBe(false);
        expect(await db.trials.list(b.experimentId)).toHaveLength(1);
      });
    });

    describe('questions', () => {
      it('stores stories once, is idempotent, and lists in id order with the story text', async () => {
        const dataset = uid('ds');
        const story = uid('story');
        const rows = Array.from({ length: 1203 }, (_, i) =>
          question(`${dataset}-q${String(i).padStart(5, '0')}`, i % 2 === 0 ? story : `${story}-b`, {
            ...(i === 0 ? { distractorIndex: 2 } : {}),
          }),
        );
        const first = await db.questions.upsertMany(dataset, rows.toReversed());
        expect(first).toEqual({ stories: 2, questions: 1203 });
        expect(await db.questions.upsertMany(dataset, rows)).toEqual({ stories: 0, questions: 0 });
        expect(await db.questions.count(dataset)).toBe(1203);
        expect(await db.prisma.story.count({ where: { id: { startsWith: story } } })).toBe(2);

        const listed = await db.questions.list({ dataset, limit: 3 });
        expect(listed.map((q) => q.id)).toEqual(rows.slice(0, 3).map((q) => q.id));
        expect(listed[0]).toEqual({ ...rows[0], dataset });
        expect(listed[1]).not.toHaveProperty('distractorIndex');
        const byIds = await db.questions.list({ ids: [rows[7]!.id, rows[2]!.id, 'missing'] });
        expect(byIds.map((q) => q.id)).toEqual([rows[2]!.id, rows[7]!.id]);
      });
    });

    describe('participants', () => {
      it('upserts per experiment; the same id may take part in another experiment', async () => {
        const { experimentId } = await seed(db);
        const other = await seed(db);
        const id = uid('judge');
        await db.participants.upsertMany(experimentId, [
          { id, kind: 'llm', label: 'v1', spec: { model: 'm' } },
        ]);
        await db.participants.upsertMany(experimentId, [
          { id, kind: 'llm', label: 'v2', spec: { model: 'n' } },
        ]);
        expect(await db.participants.list(experimentId)).toEqual([
          expect.objectContaining({
            id,
            experimentId,
            kind: 'llm',
            label: 'v2',
            spec: { model: 'n' },
            identity: null,
          }),
        ]);
        await db.participants.upsertMany(other.experimentId, [{ id, kind: 'llm', label: 'x', spec: {} }]);
        expect((await db.participants.list(other.experimentId)).map((p) => p.label)).toEqual(['x']);
        expect((await db.participants.list(experimentId)).map((p) => p.label)).toEqual(['v2']);
      });

      it('records a screen-out on the spec once, keeping the rest of it', async () => {
        const { experimentId } = await seed(db);
        const id = uid('person');
        await db.participants.upsertMany(experimentId, [
          { id, kind: 'human', label: 'p', spec: { kind: 'human', assignmentId: 'A1' } },
        ]);
        expect(await db.participants.markScreenedOut(experimentId, id, 'qualification', 'failed')).toBe(true);
        const first = (await db.participants.get(experimentId, id))!.spec;
        expect(first).toEqual({
          kind: 'human',
          assignmentId: 'A1',
          screenedOut: { by: 'qualification', reason: 'failed', at: expect.any(String) },
        });
        // A second rule, or the same asked again: the first record stays.
        expect(await db.participants.markScreenedOut(experimentId, id, 'attentionCheck', 'wrong')).toBe(
          false,
        );
        expect((await db.participants.get(experimentId, id))!.spec).toEqual(first);
        expect(await db.participants.markScreenedOut(experimentId, uid('nobody'), 'qualification', 'x')).toBe(
          false,
        );
      });
    });

    describe('trials', () => {
      it('gives each trial a random handle that says nothing of its id, found again by byRef', async () => {
        const { trialIds } = await seed(db, 40);
        const refs = await Promise.all(trialIds.map(async (id) => (await db.trials.get(id))!.ref));
        expect(new Set(refs).size).toBe(refs.length);
        for (const ref of refs) expect(ref).toMatch(/^[A-Za-z0-9_-]{12}$/);
        // Not a digest of the id (which a published config and seed let anyone rebuild).
        const { createHash } = await import('node:crypto');
        const digest = (id: string) =>
          createHash('sha256').update(id, 'utf8').digest('base64url').slice(0, 12);
        expect(refs.filter((ref, i) => ref === digest(trialIds[i]!))).toEqual([]);
        expect((await db.trials.byRef(refs[7]!))?.id).toBe(trialIds[7]);
      });

      it('getMany reads the trials of some ids in one query, leaving out ids that name none', async () => {
        const { trialIds } = await seed(db, 6);
        const asked = [trialIds[4]!, 'no-such-trial', trialIds[1]!];
        const got = await db.trials.getMany(asked);
        expect(got.map((t) => t.id).sort()).toEqual([trialIds[1]!, trialIds[4]!].sort());
        expect(got.find((t) => t.id === trialIds[4])).toEqual(await db.trials.get(trialIds[4]!));
        expect(await db.trials.getMany([])).toEqual([]);
      });

      it('createMany writes the seq-0 event, skips existing trials, and paginates by id', async () => {
        const { experimentId, trialIds } = await seed(db, 5);
        const existing = await db.trials.get(trialIds[0]!);
        expect(existing).toMatchObject({ nextSeq: 1, status: 'active', leaseOwner: null });
        expect(await db.trials.owedBy('debater-1', experimentId)).toHaveLength(5);
        const [event] = await db.events.load(trialIds[0]!);
        expect(event).toMatchObject({ seq: 0, payload: { type: 'TrialCreated', ordinal: 0 } });

        // Re-plan after a crash: the same five plus one new; the existing ones keep their state.
        await db.events.append({
          trialId: trialIds[0]!,
          expectedSeq: 1,
          events: [{ type: 'Moved' }],
          trial: { status: 'waiting' },
          owed: [{ role: 'judge', participantId: 'judge-1', sinceSeq: 2, human: true }],
        });
        const base = existing!;
        const replanned = [...trialIds, `${experimentId}-t9999`].map((id, ordinal) => ({
          ...base,
          id,
          ordinal,
          status: 'active',
          owed: [{ role: 'debater-a', participantId: 'debater-1', sinceSeq: 1, human: false }],
          seats: [],
          created: { type: 'TrialCreated', replanned: true },
        }));
        expect(await db.trials.createMany(replanned)).toBe(1);
        expect(await db.events.load(trialIds[0]!)).toHaveLength(2);
        expect((await db.events.load(trialIds[0]!))[0]?.payload).toEqual({
          type: 'TrialCreated',
          ordinal: 0,
        });

        const page1 = await db.trials.list(experimentId, { limit: 4 });
        const page2 = await db.trials.list(experimentId, { limit: 4, afterId: page1.at(-1)!.id });
        expect([...page1, ...page2].map((t) => t.id)).toEqual([...trialIds, `${experimentId}-t9999`]);
        expect((await db.trials.list(experimentId, { status: ['waiting'] })).map((t) => t.id)).toEqual([
          trialIds[0],
        ]);
        expect(await db.trials.countByStatus(experimentId)).toEqual({ active: 5, waiting: 1 });
        expect(await db.trials.countByArm(experimentId)).toEqual({ debate: 6 });
        // Who owes what follows the appends, not the re-plan.
        expect(
          (await db.trials.owedBy('judge-1', experimentId)).map((o) => [o.trialId, o.role, o.sinceSeq]),
        ).toEqual([[trialIds[0], 'judge', 2]]);
        expect(await db.trials.owedBy('debater-1', experimentId)).toHaveLength(5);
        expect(await db.trials.owedBy('nobody')).toEqual([]);
      });
    });

    describe('trial ids of two experiments', () => {
      it('createMany refuses an id another experiment holds, writing nothing of its batch; heldElsewhere names it', async () => {
        const a = await seed(db, 2);
        const b = await seed(db, 1);
        const before = await db.trials.get(a.trialIds[0]!);
        const [template] = await db.trials.list(b.experimentId);
        const row = (id: string, ordinal: number): TrialInput => ({
          id,
          experimentId: b.experimentId,
          arm: template!.arm,
          protocol: 'debate',
          dataset: 'seed',
          questionId: template!.questionId,
          storyId: template!.storyId,
          judgeId: null,
          ordinal,
          status: 'active',
          owed: [],
          seats: [],
          created: { type: 'TrialCreated', by: 'b' },
        });
        // One new id and one that is a's: b must not come away believing both are stored.
        const fresh = `${b.experimentId}-t0100`;
        const error = await db.trials
          .createMany([row(fresh, 5), row(a.trialIds[1]!, 6)])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TrialIdClashError);
        expect((error as Error).message).toContain(`${a.trialIds[1]} (in "${a.experimentId}")`);
        expect((error as Error).message).toMatch(/Nothing was written\. Give this experiment another name/);
        expect(await db.trials.get(fresh)).toBeNull();
        expect(await db.trials.get(a.trialIds[0]!)).toEqual(before);
        expect(await db.events.load(a.trialIds[1]!)).toHaveLength(1);

        expect(await db.trials.heldElsewhere(b.experimentId, [fresh, ...a.trialIds, ...b.trialIds])).toEqual(
          a.trialIds.map((id) => ({ id, experimentId: a.experimentId })),
        );
        expect(await db.trials.heldElsewhere(a.experimentId, a.trialIds)).toEqual([]);
        expect(await db.experiments.ids()).toEqual(expect.arrayContaining([a.experimentId, b.experimentId]));
      });
    });

    describe('events.append', () => {
      it('appends consecutive seqs and updates the trial in one step', async () => {
        const { trialIds } = await seed(db);
        const trialId = trialIds[0]!;
        const r = await db.events.append({
          trialId,
          expectedSeq: 1,
          events: [
            { type: 'A', n: 1 },
            { type: 'B', nested: { x: [1, 'two'] } },
          ],
          trial: { status: 'waiting' },
          owed: [{ role: 'debater-a', participantId: 'ada', sinceSeq: 3, human: true }],
        });
        expect(r.nextSeq).toBe(3);
        const log = await db.events.load(trialId);
        expect(log.map((e) => [e.seq, e.payload])).toEqual([
          [0, { type: 'TrialCreated', ordinal: 0 }],
          [1, { type: 'A', n: 1 }],
          [2, { type: 'B', nested: { x: [1, 'two'] } }],
        ]);
        expect(log[1]?.recordedAt).toEqual(r.recordedAt);
        expect(await db.trials.get(trialId)).toMatchObject({
          nextSeq: 3,
          status: 'waiting',
        });
        expect((await db.trials.owedBy('ada')).map((o) => [o.trialId, o.role, o.sinceSeq])).toEqual([
          [trialId, 'debater-a', 3],
        ]);
        expect((await db.trials.owedBy('debater-1')).filter((o) => o.trialId === trialId)).toEqual([]);
        const types = await db.prisma.trialEvent.findMany({ where: { trialId }, select: { type: true } });
        expect(types.map((t) => t.type).sort()).toEqual(['A', 'B', 'TrialCreated']);
      });

      it('a repeated append is rejected, never duplicated', async () => {
        const { trialIds } = await seed(db);
        const input = {
          trialId: trialIds[0]!,
          expectedSeq: 1,
          events: [{ type: 'A' }],
          trial: { status: 'active' },
          owed: [],
        };
        await db.events.append(input);
        const again = db.events.append(input);
        await expect(again).rejects.toBeInstanceOf(AppendConflictError);
        await expect(again).rejects.toMatchObject({ expectedSeq: 1, actualSeq: 2 });
        expect(await db.events.load(trialIds[0]!)).toHaveLength(2);
      });

      it('of concurrent appends at the same seq exactly one wins', async () => {
        const { trialIds } = await seed(db);
        const trialId = trialIds[0]!;
        const writers = Array.from({ length: 8 }, (_, w) =>
          db.events.append({
            trialId,
            expectedSeq: 1,
            events: [
              { type: 'Move', writer: w },
              { type: 'Move2', writer: w },
            ],
            trial: { status: 'active' },
            owed: [{ role: 'judge', participantId: `w${w}`, sinceSeq: 3, human: true }],
          }),
        );
        const results = await Promise.allSettled(writers);
        const won = results.flatMap((r, w) => (r.status === 'fulfilled' ? [w] : []));
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AppendConflictError);
        }
        const log = await db.events.load(trialId);
        expect(log.map((e) => e.seq)).toEqual([0, 1, 2]);
        expect(log.slice(1).every((e) => e.payload.writer === won[0])).toBe(true);
        expect(await db.trials.get(trialId)).toMatchObject({ nextSeq: 3 });
        expect(
          (await db.trials.owedIn((await db.trials.get(trialId))!.experimentId)).map((o) => o.participantId),
        ).toEqual([`w${won[0]}`]);
      });

      it('writes the judgment atomically with the verdict, copying the trial columns', async () => {
        const { experimentId, trialIds, questionId } = await seed(db, 2, ['consultancy']);
        await db.events.append({
          trialId: trialIds[0]!,
          expectedSeq: 1,
          events: [{ type: 'VerdictSubmitted', probabilities: [0.2, 0.8] }],
          trial: { status: 'finished' },
          owed: [],
          judgment: { ...verdict, arguerHonest: false, honestArguerId: 'h', dishonestArguerId: 'd' },
        });
        const [row] = await db.judgments.list(experimentId);
        expect(row).toMatchObject({
          trialId: trialIds[0],
          experimentId,
          arm: 'consultancy',
          questionId,
          judgeId: 'judge-1',
          arguerHonest: false,
          induction: null,
          honestArguerId: 'h',
          probCorrect: 0.8,
          beliefs: [0.5, 0.8],
        });
        expect(row?.storyId).toMatch(/^story-/);

        // A judgment that cannot be written (one exists already) takes the events down with it, and is
        // reported as what it is: not as a lost race, which a caller would retry forever.
        const second = trialIds[1]!;
        await db.prisma.judgment.create({ data: { ...row!, trialId: second } });
        const failed = db.events.append({
          trialId: second,
          expectedSeq: 1,
          events: [{ type: 'VerdictSubmitted' }],
          trial: { status: 'finished' },
          owed: [],
          judgment: verdict,
        });
        await expect(failed).rejects.toThrow(/Judgment_pkey/);
        await expect(failed).rejects.not.toBeInstanceOf(AppendConflictError);
        expect(await db.events.load(second)).toHaveLength(1);
        expect(await db.trials.get(second)).toMatchObject({ nextSeq: 1, status: 'active' });

        // Denormalised columns passed by the caller must agree with the trial.
        const mismatch = db.events.append({
          trialId: second,
          expectedSeq: 1,
          events: [{ type: 'VerdictSubmitted' }],
          trial: { status: 'finished' },
          owed: [],
          judgment: { ...verdict, arm: 'debate' },
        });
        await expect(mismatch).rejects.toThrow(/does not match trial/);
        expect(await db.events.load(second)).toHaveLength(1);
      });

      it('rejects an append to a missing trial and events without a type', async () => {
        const missing = db.events.append({
          trialId: 'no-such-trial',
          expectedSeq: 0,
          events: [{ type: 'A' }],
          trial: { status: 'active' },
          owed: [],
        });
        await expect(missing).rejects.toMatchObject({ name: 'AppendConflictError', actualSeq: null });
        const { trialIds } = await seed(db);
        const untyped = db.events.append({
          trialId: trialIds[0]!,
          expectedSeq: 1,
          events: [{} as { type: string }],
          trial: { status: 'active' },
          owed: [],
        });
        await expect(untyped).rejects.toThrow(TypeError);
      });

      it('loadMany returns every requested trial', async () => {
        const { trialIds } = await seed(db, 3);
        const logs = await db.events.loadMany([...trialIds, 'unknown']);
        expect([...logs.keys()]).toEqual([...trialIds, 'unknown']);
        expect(logs.get(trialIds[2]!)?.map((e) => e.seq)).toEqual([0]);
        expect(logs.get('unknown')).toEqual([]);
      });
    });

    describe('judgments', () => {
      it('lists by arm, counts, and streams in trialId pages', async () => {
        const { experimentId, trialIds } = await seed(db, 7, ['debate', 'consultancy']);
        for (const trialId of trialIds) {
          await db.events.append({
            trialId,
            expectedSeq: 1,
            events: [{ type: 'VerdictSubmitted' }],
            trial: { status: 'finished' },
            owed: [],
            judgment: verdict,
          });
        }
        expect(await db.judgments.count(experimentId)).toBe(7);
        expect(
          (await db.judgments.list(experimentId, { arms: ['consultancy'] })).map((j) => j.trialId),
        ).toEqual(trialIds.filter((_, i) => i % 2 === 1));
        const pages: string[][] = [];
        for await (const page of db.judgments.stream(experimentId, 3)) pages.push(page.map((j) => j.trialId));
        expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
        expect(pages.flat()).toEqual(trialIds);
      });

      it('counts judgments and wins per arm and judge in the database', async () => {
        const { experimentId, trialIds } = await seed(db, 7, ['debate', 'consultancy']);
        for (const [i, trialId] of trialIds.entries())
          await db.events.append({
            trialId,
            expectedSeq: 1,
            events: [{ type: 'VerdictSubmitted' }],
            trial: { status: 'finished' },
            owed: [],
            // trials 0, 2, 4, 6 are debate: won, lost, won, won; 1, 3, 5 consultancy: lost, won, lost
            judgment: { ...verdict, correct: [true, false, false, true, true, false, true][i]! },
          });
        expect(await db.judgments.countsByArmAndJudge(experimentId)).toEqual([
          { arm: 'consultancy', judgeId: 'judge-1', n: 3, wins: 1 },
          { arm: 'debate', judgeId: 'judge-1', n: 4, wins: 3 },
        ]);
      });
    });

    describe('llm', () => {
      it('caches idempotently and summarises cost per arm', async () => {
        const key = uid('key');
        expect(await db.llm.cacheGet(key)).toBeNull();
        await db.llm.cachePut({ key, model: 'm', request: { prompt: 'hi' }, response: { text: 'first' } });
        await db.llm.cachePut({ key, model: 'm', request: { prompt: 'hi' }, response: { text: 'second' } });
        expect(await db.llm.cacheGet(key)).toMatchObject({ key, model: 'm', response: { text: 'first' } });

        const { experimentId, trialIds } = await seed(db, 2, ['debate', 'consultancy']);
        await db.llm.recordCall({ ...call, experimentId, trialId: trialIds[0]!, costUsd: 0.25 });
        await db.llm.recordCall({ ...call, experimentId, trialId: trialIds[0]!, cached: true, costUsd: 0 });
        await db.llm.recordCall({ ...call, trialId: trialIds[1]!, promptTokens: 5 });
        await db.llm.recordCall({ ...call, experimentId });
        const summary = await db.llm.costSummary(experimentId);
        expect(summary.byArm.debate).toEqual({
          calls: 2,
          cachedCalls: 1,
          promptTokens: 200,
          completionTokens: 40,
          costUsd: 0.25,
        });
        expect(summary.byArm.consultancy).toMatchObject({ calls: 1, promptTokens: 5 });
        expect(summary.noTrial).toMatchObject({ calls: 1 });
        expect(summary.total).toMatchObject({
          calls: 4,
          cachedCalls: 1,
          promptTokens: 305,
          completionTokens: 80,
        });
        expect(summary.total.costUsd).toBeCloseTo(0.25 + 2 * 0.01);
      });
    });
  });
}

const call = {
  role: 'debater',
  model: 'gpt-test',
  endpoint: 'chat.completions',
  promptTokens: 100,
  completionTokens: 20,
  costUsd: 0.01,
  cached: false,
  ok: true,
};
