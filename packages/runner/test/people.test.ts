// People in trials, the way chat brings them: late, repeated and racing clicks, two people owing
// moves at once, seats taken on request, practice first. On both backends, through the real database.
import {
  arguerView,
  type ExperimentConfigInput,
  ExperimentConfigSchema,
  foldEvents,
  judgeView,
  type Move,
  type Question,
  type TrialEvent,
} from '@oversight/core';
import { type Database, DatasetConflictError } from '@oversight/db';
import { backends, type Harness, suiteName, uid } from '@oversight/db/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  abortTrial,
  type DriveContext,
  deliverPendingNotices,
  driveContext,
  driveTrial,
  type Identity,
  joinExperiment,
  loadOfflineSources,
  nextForPerson,
  type PeopleContext,
  participantRecords,
  persistPlan,
  planExperiment,
  reassignSeat,
  resolveBlinding,
  runTrials,
  serve,
  submitMove,
} from '../src/index.ts';

const source = Array.from(
  { length: 30 },
  (_, i) => `Line ${i}: the keeper of lighthouse ${i % 5} lit the lamp at dusk and watched for ships.`,
).join(' ');
const questions = (n: number, prefix = 'Q'): Question[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `q${String(i).padStart(3, '0')}`,
    storyId: `s${i}`,
    storyTitle: `Story ${i}`,
    question: `${prefix}: what did keeper ${i} do at dusk?`,
    answers: ['lit the lamp', 'went fishing'],
    correctIndex: i % 2,
    source: `${prefix} ${source}`,
    metadata: {},
  }));

async function experiment(
  db: Database,
  input: Omit<ExperimentConfigInput, 'name' | 'seed'>,
  qs = questions(4),
) {
  const name = uid('exp');
  const config = ExperimentConfigSchema.parse({ name, seed: name, ...input });
  const plan = planExperiment(config, qs, `${name}-questions`);
  await persistPlan(db, plan, `${name}-questions`, `${name}.jsonl`);
  await runTrials(db, plan);
  const drive = driveContext(db, { experimentId: name, config, participants: participantRecords(config) });
  const people: PeopleContext = { db, drive, experimentId: name, config };
  return { name, config, plan, drive, people };
}

const terminal = (user: string): Identity => ({ platform: 'terminal', user });

async function join(people: PeopleContext, user: string, pool?: string): Promise<string> {
  const joined = await joinExperiment(people, terminal(user), { accepted: true, ...(pool ? { pool } : {}) });
  if (joined.status !== 'joined') throw new Error(joined.reason);
  return joined.participant.id;
}

const verdict = (p: number): Move => ({ type: 'judgement', probabilities: [p, 1 - p], end: true });

async function log(drive: DriveContext, trialId: string): Promise<TrialEvent[]> {
  return drive.store.loadEvents(trialId);
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

    const peopleJudge = {
      judges: [{ name: 'people', participant: { kind: 'human' as const, platform: 'terminal' as const } }],
    };

    it('keeps two datasets that use the same question ids apart, and refuses a clash before writing', async () => {
      const a = await experiment(
        db,
        { ...peopleJudge, arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }] },
        questions(2, 'A'),
      );
      const b = await experiment(
        db,
        { ...peopleJudge, arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }] },
        questions(2, 'B'),
      );
      for (const [exp, prefix] of [
        [a, 'A'],
        [b, 'B'],
      ] as const) {
        const ada = await join(exp.people, 'ada');
        const next = await nextForPerson(exp.people, ada);
        expect(next.status).toBe('assigned');
        if (next.status === 'owed' || next.status === 'assigned') {
          const view = judgeView(next.state, await exp.drive.questions(next.state.created));
          expect(view.question.startsWith(`${prefix}:`)).toBe(true);
        }
      }
      // A third experiment re-using a's dataset name with other content is refused, naming both sources.
      const config = ExperimentConfigSchema.parse({
        name: uid('clash'),
        seed: 1,
        ...peopleJudge,
        arms: [{ name: 'alone', protocol: 'judge-alone' }],
      });
      const plan = planExperiment(config, questions(2, 'C'), `${a.name}-questions`);
      const refused = persistPlan(db, plan, `${a.name}-questions`, 'other.jsonl');
      await expect(refused).rejects.toBeInstanceOf(DatasetConflictError);
      await expect(refused).rejects.toThrow(new RegExp(`${a.name}\\.jsonl[\\s\\S]*other\\.jsonl`));
      expect(await db.experiments.get(config.name)).toBeNull();
    });

    it('keeps a people experiment’s blinding key and seed in the database, never in its config, the same on every run', async () => {
      const name = uid('blind');
      const config = ExperimentConfigSchema.parse({
        name,
        seed: 'random-made-by-run',
        ...peopleJudge,
        arms: [{ name: 'debate', protocol: 'debate', rounds: 1, trialsPerQuestion: 2 }],
      });
      const first = await resolveBlinding(db, config, { seedGiven: false });
      expect(first.seedMade).toBe(true);
      expect(first.blindingKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const plan = planExperiment(first.config, questions(2), `${name}-q`, {
        blindingKey: first.blindingKey,
      });
      await persistPlan(db, plan, `${name}-q`);
      const stored = (await db.experiments.get(name))!;
      expect(stored.blindingKey).toBe(first.blindingKey);
      expect(JSON.stringify(stored.config)).not.toContain(first.blindingKey!);
      // The config file again, without a seed (run makes a new random one): the stored seed and key win.
      const again = await resolveBlinding(
        db,
        { ...config, seed: 'another-random-one' },
        { seedGiven: false },
      );
      expect(again).toMatchObject({ blindingKey: first.blindingKey, seedMade: false });
      expect(again.config.seed).toBe('random-made-by-run');
      // A plan made with another key is refused before anything is written.
      const wrong = planExperiment(first.config, questions(2), `${name}-q`, { blindingKey: 'other' });
      await expect(persistPlan(db, wrong, `${name}-q`)).rejects.toThrow(/blinding key/);
      // Nobody to blind: simulated judges and arguers replay from the config alone.
      const simulated = await resolveBlinding(
        db,
        ExperimentConfigSchema.parse({
          name: uid('sim'),
          seed: 1,
          arms: [{ name: 'a', protocol: 'debate' }],
        }),
        { seedGiven: true },
      );
      expect(simulated.blindingKey).toBeNull();
    });

    it('seats three different people on each finished transcript to judge it again, round by round', async () => {
      const source = await experiment(
        db,
        // Every source debate runs both rounds (its simulated judge may not end early), so the replay
        // has two steps whatever the random seed.
        {
          arms: [
            { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 2, judgeMayEndEarly: false },
          ],
        },
        questions(2),
      );
      const name = uid('offline');
      const config = ExperimentConfigSchema.parse({
        name,
        seed: name,
        dataset: { name: `${source.name}-questions` },
        ...peopleJudge,
        arms: [
          {
            name: 'stepped',
            protocol: 'debate',
            source: { experiment: source.name, mode: 'stepped', judgesPerTranscript: 3 },
          },
        ],
      });
      const sources = await loadOfflineSources(db, config, `${source.name}-questions`);
      expect(sources.get('stepped')).toHaveLength(4);
      const plan = planExperiment(config, questions(2), `${source.name}-questions`, { offline: sources });
      expect(plan.trials).toHaveLength(12);
      await persistPlan(db, plan, `${source.name}-questions`, `${source.name}.jsonl`);
      await runTrials(db, plan);
      const drive = driveContext(db, {
        experimentId: name,
        config,
        participants: participantRecords(config),
      });
      const people: PeopleContext = { db, drive, experimentId: name, config };
      const judged = new Map<string, string[]>();
      for (const who of ['ada', 'bo', 'cy', 'di', 'ed', 'fa']) {
        const id = await join(people, who);
        // Each person judges each story once: one transcript of each story, so six people fill the twelve seats.
        for (let n = 0; n < 2; n++) {
          const next = await nextForPerson(people, id);
          if (next.status === 'none') throw new Error(next.reason);
          const q = await drive.questions(next.state.created);
          const view = judgeView(next.state, q);
          // Stepped: round 1 replayed, the belief after it; then round 2 and the verdict.
          expect(view.transcript.map((e) => `${e.speaker}/${e.round}`)).toEqual([
            'debater-a/1',
            'debater-b/1',
          ]);
          expect(view.turn).toMatchObject({ kind: 'judge', round: 1, final: false, mayComment: false });
          const sourceId = next.state.created.offline!.trialId;
          judged.set(sourceId, [...(judged.get(sourceId) ?? []), id]);
          const first = await submitMove(drive, {
            trialId: next.trialId,
            participantId: id,
            position: view.position,
            receipt: { key: uid('t'), participantId: id, platform: 'terminal', ref: who },
            move: { type: 'judgement', probabilities: [0.6, 0.4], end: false },
          });
          expect(first.status).toBe('accepted');
          await driveTrial(next.trialId, drive);
          const again = await nextForPerson(people, id);
          if (again.status === 'none') throw new Error(again.reason);
          expect(again.trialId).toBe(next.trialId);
          const final = judgeView(again.state, q);
          expect(final.turn).toMatchObject({ kind: 'judge', round: 2, final: true });
          expect(final.transcript.filter((e) => e.kind === 'argument')).toHaveLength(4);
          await submitMove(drive, {
            trialId: next.trialId,
            participantId: id,
            position: final.position,
            receipt: { key: uid('t'), participantId: id, platform: 'terminal', ref: who },
            move: verdict(0.7),
          });
        }
      }
      // Every transcript judged again by three different people.
      expect([...judged.values()].map((ids) => new Set(ids).size)).toEqual([3, 3, 3, 3]);
      const rows = (await db.judgments.list(name)).filter((j) => j.arm === 'stepped');
      expect(rows).toHaveLength(12);
      expect(rows.every((r) => r.honestArguerId === null)).toBe(true);
    });

    it('paces an automatic reply: the judge waits paceSeconds after their move, and a stop in the wait appends nothing', async () => {
      const exp = await experiment(db, {
        ...peopleJudge,
        arms: [{ name: 'paced', protocol: 'consultancy', rounds: 3, trialsPerQuestion: 2, paceSeconds: 1 }],
      });
      const ada = await join(exp.people, 'ada');
      const waits: number[] = [];
      for (let i = 0; i < 2; i++) {
        const next = await nextForPerson(exp.people, ada);
        if (next.status === 'none') throw new Error(next.reason);
        const position = judgeView(next.state, await exp.drive.questions(next.state.created)).position;
        const moved = await submitMove(exp.drive, {
          trialId: next.trialId,
          participantId: ada,
          position,
          receipt: { key: uid('terminal'), participantId: ada, platform: 'terminal', ref: 'ada' },
          move: { type: 'judgement', probabilities: [0.5, 0.5], end: false },
        });
        expect(moved.status).toBe('accepted');
        if (i === 1) {
          // Stopped while waiting: the reply is not appended (a simulated or cached model reply is made again).
          const stop = new AbortController();
          setTimeout(() => stop.abort(), 200);
          await expect(driveTrial(next.trialId, { ...exp.drive, signal: stop.signal })).rejects.toThrow(
            /stopped between two moves/,
          );
          expect((await log(exp.drive, next.trialId)).at(-1)?.type).toBe('BeliefReported');
        }
        await driveTrial(next.trialId, exp.drive);
        const events = await db.events.load(next.trialId);
        const judged = events.findLast((e) => (e.payload as TrialEvent).type === 'BeliefReported')!;
        const reply = events.at(-1)!;
        expect((reply.payload as TrialEvent).type).toBe('ArgumentSubmitted');
        waits.push(reply.recordedAt.getTime() - judged.recordedAt.getTime());
      }
      for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(950);
    });

    it('takes one move per interaction id, refuses a stale screen with the current state, and never coerces', async () => {
      const exp = await experiment(db, {
        ...peopleJudge,
        arms: [{ name: 'consultancy', protocol: 'consultancy', rounds: 2, trialsPerQuestion: 1 }],
      });
      const ada = await join(exp.people, 'ada');
      const next = await nextForPerson(exp.people, ada);
      if (next.status === 'none') throw new Error(next.reason);
      const question = await exp.drive.questions(next.state.created);
      const round1 = judgeView(next.state, question).position;
      const receipt = {
        key: uid('discord:interaction'),
        participantId: ada,
        platform: 'discord',
        ref: 'i-1',
      };
      const ask: Move = { type: 'judgement', probabilities: [0.6, 0.4], comment: 'Which line?', end: false };
      const first = await submitMove(exp.drive, {
        trialId: next.trialId,
        participantId: ada,
        position: round1,
        receipt,
        move: ask,
      });
      expect(first).toMatchObject({ status: 'accepted', duplicate: false });
      const again = await submitMove(exp.drive, {
        trialId: next.trialId,
        participantId: ada,
        position: round1,
        receipt,
        move: ask,
      });
      expect(again).toMatchObject({ status: 'accepted', duplicate: true });
      if (first.status === 'accepted' && again.status === 'accepted')
        expect(again.events).toEqual(first.events);
      expect((await log(exp.drive, next.trialId)).filter((e) => e.type === 'JudgeInterjected')).toHaveLength(
        1,
      );

      await driveTrial(next.trialId, exp.drive); // the consultant answers
      // A new click on the round-1 screen: refused as stale, with the state to show instead.
      const stale = await submitMove(exp.drive, {
        trialId: next.trialId,
        participantId: ada,
        position: round1,
        receipt: { ...receipt, key: uid('discord:interaction') },
        move: verdict(0.9),
      });
      expect(stale).toMatchObject({ status: 'refused', code: 'stale' });
      const current = judgeView(stale.state, question);
      expect(current.position).toBeGreaterThan(round1);
      // The last turn with end: false is refused, not turned into a verdict.
      const notEnded = await submitMove(exp.drive, {
        trialId: next.trialId,
        participantId: ada,
        position: current.position,
        receipt: { ...receipt, key: uid('discord:interaction') },
        move: { type: 'judgement', probabilities: [0.9, 0.1], end: false },
      });
      expect(notEnded).toMatchObject({ status: 'refused', code: 'invalid' });
      expect(foldEvents(await log(exp.drive, next.trialId)).verdict).toBeNull();
      // Someone else's click on ada's turn: refused, nothing recorded.
      const bo = await join(exp.people, 'bo');
      const wrongPerson = await submitMove(exp.drive, {
        trialId: next.trialId,
        participantId: bo,
        position: current.position,
        receipt: { ...receipt, key: uid('discord:interaction'), participantId: bo },
        move: verdict(0.9),
      });
      expect(wrongPerson).toMatchObject({ status: 'refused', code: 'not-your-seat' });
    });

    it('gives 50 concurrent submissions for one turn exactly one event and each caller a result', async () => {
      const exp = await experiment(db, {
        ...peopleJudge,
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      });
      const ada = await join(exp.people, 'ada');
      const next = await nextForPerson(exp.people, ada);
      if (next.status === 'none') throw new Error(next.reason);
      const position = judgeView(next.state, await exp.drive.questions(next.state.created)).position;
      const before = (await log(exp.drive, next.trialId)).length;
      const sharedKey = uid('slack:event');
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          submitMove(exp.drive, {
            trialId: next.trialId,
            participantId: ada,
            position,
            // Ten deliveries of one Slack event (retries) and forty separate clicks.
            receipt: {
              key: i < 10 ? sharedKey : uid('click'),
              participantId: ada,
              platform: 'slack',
              ref: `${i}`,
            },
            move: verdict(i / 50),
          }),
        ),
      );
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      const values = results.map(
        (r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof submitMove>>>).value,
      );
      const fresh = values.filter((v) => v.status === 'accepted' && !v.duplicate);
      expect(fresh).toHaveLength(1);
      expect(
        values
          .filter((v) => v.status === 'refused')
          .every((v) => v.status === 'refused' && ['stale', 'finished', 'not-your-turn'].includes(v.code)),
      ).toBe(true);
      const after = await log(exp.drive, next.trialId);
      expect(after.length - before).toBe(1);
      expect(after.filter((e) => e.type === 'VerdictSubmitted')).toHaveLength(1);
      expect(await db.judgments.count(exp.name)).toBe(1);
    });

    it('returns as soon as a move is appended; serve drives the simulated turn that follows', async () => {
      const exp = await experiment(db, {
        ...peopleJudge,
        arms: [{ name: 'consultancy', protocol: 'consultancy', rounds: 2, trialsPerQuestion: 1 }],
      });
      const ada = await join(exp.people, 'ada');
      const next = await nextForPerson(exp.people, ada);
      if (next.status === 'none') throw new Error(next.reason);
      const position = judgeView(next.state, await exp.drive.questions(next.state.created)).position;
      const result = await submitMove(exp.drive, {
        trialId: next.trialId,
        participantId: ada,
        position,
        receipt: { key: uid('k'), participantId: ada, platform: 'terminal', ref: 'ada' },
        move: { type: 'judgement', probabilities: [0.5, 0.5], end: false },
      });
      expect(result.status).toBe('accepted');
      // Nothing after the judge's move yet: the consultant's turn is the service's job.
      expect((await log(exp.drive, next.trialId)).at(-1)?.type).toBe('BeliefReported');
      expect((await db.trials.get(next.trialId))?.status).toBe('active');
      await serve(db, { experimentIds: [exp.name], untilIdle: true, pollMs: 50 }).done;
      expect((await log(exp.drive, next.trialId)).at(-1)?.type).toBe('ArgumentSubmitted');
      expect((await db.trials.owedBy(ada, exp.name)).map((o) => o.trialId)).toEqual([next.trialId]);
      expect(
        (await db.outbox.pending({ experimentIds: [exp.name] })).map((n) => [n.participantId, n.trialId]),
      ).toContainEqual([ada, next.trialId]);
    });

    it('lets two human debaters under simultaneous speeches each find every trial they owe', async () => {
      const exp = await experiment(db, {
        judges: [{ count: 4 }],
        arguers: [
          {
            name: 'debaters',
            ids: ['U024BE7LH', 'W0123ABC'],
            participant: { kind: 'human', platform: 'slack' },
          },
        ],
        arms: [
          {
            name: 'debate',
            protocol: 'debate',
            rounds: 1,
            speeches: 'simultaneous',
            trialsPerQuestion: 1,
            arguer: { kind: 'human', platform: 'slack' },
          },
        ],
      });
      const slack = (user: string): Identity => ({ platform: 'slack', user, team: 'T1' });
      const ids: string[] = [];
      for (const user of ['U024BE7LH', 'W0123ABC']) {
        const joined = await joinExperiment(exp.people, slack(user), { accepted: true });
        if (joined.status !== 'joined') throw new Error(joined.reason);
        ids.push(joined.participant.id);
      }
      const [ada, bo] = ids as [string, string];
      expect(ada).not.toMatch(/U024BE7LH/); // the participant id is a pseudonym, never the platform id
      const outsider = await joinExperiment(exp.people, slack('U999'), { accepted: true });
      expect(outsider.status).toBe('refused');
      for (const t of exp.plan.trials.slice(0, 3)) {
        await reassignSeat(exp.people, t.created.trialId, 'debater-a', ada, {
          reason: 'pairing',
          by: 'admin',
        });
        await reassignSeat(exp.people, t.created.trialId, 'debater-b', bo, {
          reason: 'pairing',
          by: 'admin',
        });
      }
      expect((await db.trials.owedBy(ada, exp.name)).map((o) => o.role)).toEqual([
        'debater-a',
        'debater-a',
        'debater-a',
      ]);
      expect((await db.trials.owedBy(bo, exp.name)).map((o) => o.role)).toEqual([
        'debater-b',
        'debater-b',
        'debater-b',
      ]);
      const first = exp.plan.trials[0]!.created.trialId;
      const state = foldEvents(await log(exp.drive, first));
      const question = await exp.drive.questions(state.created);
      const speak = (who: string, role: 'debater-a' | 'debater-b') =>
        submitMove(exp.drive, {
          trialId: first,
          participantId: who,
          position: arguerView(state, role, question).position,
          receipt: { key: uid('slack'), participantId: who, platform: 'slack', ref: role },
          move: { type: 'argument', role, text: `I defend my answer: <quote>${source.slice(0, 60)}</quote>` },
        });
      // Both answer the screen they were shown, at the same time: both speeches are taken.
      const [a, b] = await Promise.all([speak(ada, 'debater-a'), speak(bo, 'debater-b')]);
      expect([a.status, b.status]).toEqual(['accepted', 'accepted']);
      expect(await db.trials.owedBy(ada, exp.name)).toHaveLength(2);
      expect(await db.trials.owedBy(bo, exp.name)).toHaveLength(2);
      await serve(db, { experimentIds: [exp.name], untilIdle: true, pollMs: 50 }).done;
      expect(foldEvents(await log(exp.drive, first)).verdict).not.toBeNull();
    });

    it('seats people on request in a balanced random order, story once, practice first and kept apart', async () => {
      const exp = await experiment(
        db,
        {
          ...peopleJudge,
          qualification: { arm: 'practice', trials: 2, minCorrect: 1 },
          arms: [
            { name: 'practice', protocol: 'judge-alone', trialsPerQuestion: 1 },
            {
              name: 'debate',
              protocol: 'debate',
              rounds: 1,
              judgeMayEndEarly: false,
              beliefsEachRound: false,
              trialsPerQuestion: 2,
            },
            { name: 'consultancy', protocol: 'consultancy', rounds: 1, trialsPerQuestion: 2 },
          ],
        },
        questions(8),
      );
      const ada = await join(exp.people, 'ada');
      const met: string[] = [];
      for (;;) {
        const next = await nextForPerson(exp.people, ada);
        if (next.status === 'none') {
          expect(next.reason).toMatch(/once|right now/);
          break;
        }
        met.push(next.state.created.arm);
        const correct = next.state.created.correctDisplayed;
        const p =
          next.state.created.arm === 'practice' ? (correct === 0 ? 0.9 : 0.1) : 0.5 + (met.length % 2) * 0.2;
        const position = judgeView(next.state, await exp.drive.questions(next.state.created)).position;
        const result = await submitMove(exp.drive, {
          trialId: next.trialId,
          participantId: ada,
          position,
          receipt: { key: uid('t'), participantId: ada, platform: 'terminal', ref: 'ada' },
          move: verdict(p),
        });
        expect(result.status).toBe('accepted');
      }
      // Qualified after one correct practice verdict; then the real arms, alternating, never a story twice.
      expect(met[0]).toBe('practice');
      expect(met.filter((a) => a === 'practice')).toHaveLength(1);
      const real = met.slice(1);
      expect(real.length).toBe(8 - 1); // every story but the one she saw in practice
      for (let i = 0; i + 1 < real.length; i += 2) expect(new Set(real.slice(i, i + 2)).size).toBe(2);
      const seats = await db.trials.seatsOf(exp.name, ada);
      expect(new Set(seats.map((s) => s.storyId)).size).toBe(seats.length);
      const judged = await db.judgments.list(exp.name);
      expect(judged.map((j) => j.arm)).not.toContain('practice');
      expect(judged).toHaveLength(real.length);
      const orders = (await Promise.all(seats.map((s) => log(exp.drive, s.trialId)))).map(
        (events) =>
          events.find((e) => e.type === 'ParticipantAssigned' && e.participantId === ada) as {
            order?: number;
          },
      );
      expect(orders.map((o) => o.order)).toEqual(seats.map((_, i) => i));
    });

    it('tells a person it is their turn at least once across a crash, and not for a turn already taken', async () => {
      const exp = await experiment(db, {
        ...peopleJudge,
        arms: [{ name: 'consultancy', protocol: 'consultancy', rounds: 3, trialsPerQuestion: 1 }],
      });
      const ada = await join(exp.people, 'ada');
      const bo = await join(exp.people, 'bo');
      const first = await nextForPerson(exp.people, ada);
      const second = await nextForPerson(exp.people, bo);
      if (first.status === 'none' || second.status === 'none') throw new Error('no seats');
      const told: string[] = [];
      const seen = new Set<bigint>(); // the consumer's own dedupe, by notice id
      const tell =
        (crashOn?: string) => async (n: { id: bigint; participantId: string; trialId: string }) => {
          if (!seen.has(n.id)) told.push(`${n.participantId}@${n.trialId}`);
          seen.add(n.id);
          // The consumer dies after sending, before the notice is marked delivered.
          if (n.participantId === crashOn) throw new Error('crashed before marking');
        };
      expect(await deliverPendingNotices(db, { experimentIds: [exp.name], deliver: tell(ada) })).toBe(1);
      // After the restart ada's notice comes again (same id: the consumer sends nothing new); bo's does not.
      const redelivered: bigint[] = [];
      await deliverPendingNotices(db, {
        experimentIds: [exp.name],
        deliver: async (n) => void redelivered.push(n.id),
      });
      expect(redelivered).toHaveLength(1);
      expect(seen.has(redelivered[0]!)).toBe(true);
      expect(told.sort()).toEqual([`${ada}@${first.trialId}`, `${bo}@${second.trialId}`].sort());

      const move = async (state: typeof first.state) =>
        submitMove(exp.drive, {
          trialId: first.trialId,
          participantId: ada,
          position: judgeView(state, await exp.drive.questions(state.created)).position,
          receipt: { key: uid('k'), participantId: ada, platform: 'terminal', ref: 'ada' },
          move: { type: 'judgement', probabilities: [0.5, 0.5], end: false },
        });
      const continued = await move(first.state);
      if (continued.status !== 'accepted') throw new Error('not accepted');
      await serve(db, { experimentIds: [exp.name], untilIdle: true, pollMs: 50 }).done; // her turn again: a new notice
      expect(await db.outbox.pending({ experimentIds: [exp.name] })).toHaveLength(1);
      // She takes that turn before the notice goes out: it is dropped, not sent.
      await move(foldEvents(await log(exp.drive, first.trialId)));
      const late: string[] = [];
      expect(
        await deliverPendingNotices(db, {
          experimentIds: [exp.name],
          deliver: async (n) => void late.push(n.trialId),
        }),
      ).toBe(0);
      expect(late).toEqual([]);
      expect(await db.outbox.pending({ experimentIds: [exp.name] })).toEqual([]);
    });

    it('records an admin’s reassignment and abort as events, with who and why', async () => {
      const exp = await experiment(db, {
        ...peopleJudge,
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      });
      const ada = await join(exp.people, 'ada');
      const bo = await join(exp.people, 'bo');
      const next = await nextForPerson(exp.people, ada);
      if (next.status === 'none') throw new Error(next.reason);
      await reassignSeat(exp.people, next.trialId, 'judge', bo, { reason: 'ada is away', by: 'Amber Otter' });
      expect(await db.trials.owedBy(ada, exp.name)).toEqual([]);
      expect((await db.trials.owedBy(bo, exp.name)).map((o) => o.trialId)).toEqual([next.trialId]);
      const other = (await nextForPerson(exp.people, ada)) as { trialId: string };
      await abortTrial(exp.drive, other.trialId, 'question withdrawn', 'Amber Otter');
      const events = await log(exp.drive, other.trialId);
      expect(events.at(-1)).toEqual({
        type: 'TrialAborted',
        reason: 'question withdrawn',
        role: null,
        by: 'Amber Otter',
      });
      expect((await log(exp.drive, next.trialId)).at(-1)).toMatchObject({
        type: 'ParticipantAssigned',
        participantId: bo,
        reason: 'ada is away',
        by: 'Amber Otter',
      });
      await expect(
        reassignSeat(exp.people, other.trialId, 'judge', bo, { reason: 'x', by: 'y' }),
      ).rejects.toThrow(/ended/);
    });
  });
}
