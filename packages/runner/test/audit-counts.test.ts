// The design audit and the judges' questions, now counted by the database (db.audit,
// db.judgments.questionsAsked), give what reading every trial's log gave (the code before,
// test/reference/): the same audit, check for check and word for word, and the same judgments counted
// by arm, correctness and questions (so the same table of accuracy by questions asked), on a fixture with what the counts must tell apart: new attempts (retryOf set, and set empty),
// a trial showing another wrong answer, and one showing three answers; judges who are people (their
// trials timed), seats left to a pool, an imported experiment; interjections by the judge, by someone
// else, by nobody named, at any time or not, with every JSON value JavaScript reads as true or false.
// On both backends.
import { ExperimentConfigSchema, type Question } from '@oversight/core';
import { type Database, Prisma } from '@oversight/db';
import { backends, type Harness, suiteName, uid } from '@oversight/db/testing/backends';
import { interjectionSummary, type TrialQuestions } from '@oversight/stats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDesign, persistPlan, planExperiment, runTrials, trialQuestions } from '../src/index.ts';
import { auditDesignByLogs } from './reference/design-audit-by-logs.ts';
import { trialQuestionsByLogs } from './reference/interjection-counts-by-logs.ts';

const source = Array.from(
  { length: 20 },
  (_, i) => `Line ${i}: the keeper of lighthouse ${i % 5} lit the lamp at dusk and watched for ships.`,
).join(' ');
const questions = (n: number): Question[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `q${i}`,
    storyId: `s${i}`,
    storyTitle: `Story ${i}`,
    question: `What did keeper ${i} do at dusk?`,
    answers: ['lit the lamp', 'went fishing', 'slept', 'sang'],
    correctIndex: i % 4,
    source,
    metadata: {},
  }));

const asking = { kind: 'simulated-judge', interjections: { rate: 0.6 } };

/** A planned experiment, changed as `edit` says before it is stored, then run unless its judges are people. */
async function experiment(
  db: Database,
  config: Record<string, unknown>,
  edit: (trials: ReturnType<typeof planExperiment>['trials']) => void = () => {},
  run = true,
) {
  const name = uid('counts');
  const parsed = ExperimentConfigSchema.parse({ name, seed: name, ...config });
  const plan = planExperiment(parsed, questions(6), `${name}-q`);
  edit(plan.trials);
  await persistPlan(db, plan, `${name}-q`);
  if (run) await runTrials(db, plan);
  return { name, plan };
}

/** Judgments counted by arm, correctness and figures (each row stands for `judgments` of them, or one). */
function tally(rows: readonly TrialQuestions[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const key = JSON.stringify([r.arm, r.correct, r.asked, r.anyTime]);
    counts.set(key, (counts.get(key) ?? 0) + (r.judgments ?? 1));
  }
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Events written beside a trial's log (after its end, as no writer would), to reach every JSON case. */
async function addEvents(db: Database, trialId: string, payloads: readonly Record<string, unknown>[]) {
  for (const [k, payload] of payloads.entries())
    await db.prisma.$executeRaw(Prisma.sql`
      INSERT INTO "TrialEvent" ("trialId", "seq", "type", "payload", "recordedAt")
      VALUES (${trialId}, ${1000 + k}, ${String(payload.type)}, ${JSON.stringify(payload)}::jsonb,
        now() + ${k} * interval '3 second')`);
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

    it('counts what reading every log counted', async () => {
      const arms = [
        { name: 'debate', protocol: 'debate', rounds: 1, trialsPerQuestion: 2 },
        { name: 'consultancy', protocol: 'consultancy', rounds: 2, trialsPerQuestion: 4 },
        {
          name: 'interactive',
          protocol: 'interactive-debate',
          rounds: 2,
          trialsPerQuestion: 2,
          interjections: 'any-time',
        },
      ];
      const a = await experiment(
        db,
        { judges: [{ name: 'sim', count: 12, participant: asking }], arms },
        (trials) => {
          for (const [k, t] of trials.entries()) {
            if (k === 3) t.created.retryOf = `${t.created.trialId}-before`;
            if (k === 5) t.created.retryOf = '';
            if (k === 7) delete t.created.dataset;
            if (t.created.arm === 'consultancy' && t.created.questionId === 'q1') {
              const correct = questions(6)[1]!.correctIndex;
              const wrong = [0, 1, 2, 3].find((i) => i !== correct && !t.created.displayed.includes(i))!;
              t.created.displayed = t.created.displayed.map((i) => (i === correct ? i : wrong));
            }
            if (t.created.arm === 'debate' && t.created.questionId === 'q2' && k % 2 === 0)
              t.created.displayed = [3, 1, 0];
          }
        },
      );
      // Some of its judges are people: their consultancy trials are timed (moves spaced apart below).
      const judges = [...new Set(a.plan.trials.map((t) => t.created.judgeId))].filter(Boolean) as string[];
      const people = new Set(judges.slice(0, 5));
      await db.participants.upsertMany(
        a.name,
        [...people].map((id) => ({ id, kind: 'human', label: id, spec: { kind: 'human' } })),
      );
      await db.prisma.$executeRaw(Prisma.sql`
        UPDATE "TrialEvent" e SET "recordedAt" = e."recordedAt" + e."seq" * interval '2 second'
          + (length(e."trialId") % 3) * e."seq" * interval '1 second'
        FROM "Trial" t WHERE t."id" = e."trialId" AND t."experimentId" = ${a.name}`);
      // Interjections the run did not make: each JSON case of who asked and of atAnyTime (not in the
      // timed trials, whose logs are folded).
      const judged = await db.judgments.list(a.name, { arms: ['interactive', 'consultancy'] });
      const untimed = judged.filter((j) => !people.has(j.judgeId));
      const ask = (extra: Record<string, unknown>) => ({
        type: 'JudgeInterjected',
        round: 1,
        text: 'why?',
        ...extra,
      });
      const cases: Array<(judgeId: string) => Record<string, unknown>[]> = [
        (judge) => [
          ask({ meta: { participantId: judge }, atAnyTime: true }),
          ask({ meta: { participantId: 'else' } }),
        ],
        () => [
          ask({ meta: { participantId: null } }),
          ask({ meta: null, atAnyTime: 1 }),
          ask({ atAnyTime: 0 }),
        ],
        () => [ask({ meta: 'text', atAnyTime: '' }), ask({ atAnyTime: 'yes' }), ask({ atAnyTime: false })],
        () => [
          ask({ atAnyTime: null }),
          ask({ atAnyTime: {} }),
          ask({ atAnyTime: [] }),
          ask({ atAnyTime: 0.0 }),
        ],
        (judge) => [
          ask({ meta: { participantId: judge, model: 'm' }, atAnyTime: -1 }),
          { type: 'Other', atAnyTime: true },
        ],
      ];
      for (const [k, j] of untimed.slice(0, 10).entries())
        await addEvents(db, j.trialId, cases[k % cases.length]!(j.judgeId));

      // A second experiment with the same arm names (told apart by experiment), and a third imported
      // one whose judge seats are left to a pool of people.
      const b = await experiment(db, { judges: [{ name: 'sim', count: 12, participant: asking }], arms });
      const c = await experiment(
        db,
        {
          judges: [{ name: 'people', participant: { kind: 'human', platform: 'terminal' } }],
          arms: [{ name: 'consultancy', protocol: 'consultancy', rounds: 1, trialsPerQuestion: 2 }],
        },
        undefined,
        false,
      );
      await db.prisma.$executeRaw(
        Prisma.sql`UPDATE "Experiment" SET "plannedTrials" = NULL WHERE "id" = ${c.name}`,
      );

      for (const ids of [[a.name], [b.name], [c.name], [a.name, b.name], [c.name, a.name, b.name]]) {
        const audit = await auditDesign(db, ids);
        expect(audit).toEqual(await auditDesignByLogs(db, ids));
        // Counted alike judgments together now, one row per judgment before: the same counts, and the
        // same table in the report.
        const questionsAsked = await trialQuestions(db, ids);
        const byLogs = await trialQuestionsByLogs(db, ids);
        expect(tally(questionsAsked)).toEqual(tally(byLogs));
        expect(interjectionSummary(questionsAsked)).toEqual(interjectionSummary(byLogs));
        if (ids.includes(a.name)) {
          // The fixture does reach what it is for.
          const byId = Object.fromEntries(audit.checks.map((x) => [x.id, x]));
          expect(byId['same-distractor']?.status).toBe('failed');
          expect(byId['release-timing']?.detail).toMatch(/consultancy: /);
          expect(questionsAsked.some((q) => q.anyTime > 0)).toBe(true);
        }
      }
    });
  });
}
