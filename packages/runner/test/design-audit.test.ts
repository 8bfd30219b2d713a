// The design audit reads the run itself: a well-planned run passes; a distractor that differs by arm,
// a trial followed in a shared Slack channel and a story seen twice fail, naming the trials; an arm
// whose dishonest replies come later than honest ones fails the timing check. On both backends.
import { ExperimentConfigSchema, type Question } from '@oversight/core';
import { type Database, Prisma } from '@oversight/db';
import { backends, type Harness, suiteName, uid } from '@oversight/db/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDesign, binomialTwoSided, persistPlan, planExperiment, runTrials } from '../src/index.ts';

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

async function planned(extra: Record<string, unknown> = {}) {
  const name = uid('audit');
  const config = ExperimentConfigSchema.parse({
    name,
    seed: name,
    judges: [{ name: 'sim', count: 12 }],
    arms: [
      { name: 'debate', protocol: 'debate', rounds: 1, trialsPerQuestion: 2 },
      { name: 'consultancy', protocol: 'consultancy', rounds: 1, trialsPerQuestion: 4 },
    ],
    ...extra,
  });
  const plan = planExperiment(config, questions(6), `${name}-q`);
  return { name, config, plan };
}

describe('binomialTwoSided', () => {
  it('agrees with SciPy’s binomtest (p = 0.5, two-sided)', () => {
    // scipy.stats.binomtest(k, n, 0.5).pvalue, SciPy 1.x
    const reference: Array<[number, number, number]> = [
      [3, 20, 0.0025768280029296875],
      [10, 20, 1],
      [0, 5, 0.0625],
      [7, 9, 0.1796875],
      [60, 100, 0.05688793364098089],
      [72, 160, 0.235582426469269],
    ];
    for (const [k, n, p] of reference) expect(binomialTwoSided(k, n)).toBeCloseTo(p, 10);
  });
});

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(suiteName(backend), () => {
    let h: Harness;
    let db: Database;
    beforeAll(async () => {
      h = await backend.setup();
      db = h.db;
    });
    afterAll(async () => h?.teardown());

    it('passes a planned run, and fails the same run with one arm showing another wrong answer', async () => {
      const { name, plan } = await planned();
      await persistPlan(db, plan, `${name}-q`);
      await runTrials(db, plan);
      const audit = await auditDesign(db, [name]);
      const byId = Object.fromEntries(audit.checks.map((c) => [c.id, c]));
      expect(byId['answer-order']?.status).toBe('passed');
      expect(byId['honest-side']?.status).toBe('passed');
      expect(byId['same-distractor']).toMatchObject({ status: 'passed' });
      expect(byId['same-distractor']?.detail).toMatch(/6 questions appear in several arms/);
      expect(byId['reveal-private']?.status).toBe('not checked');
      expect(byId['release-timing']).toMatchObject({
        status: 'not checked',
        detail: 'no trial was judged by a person',
      });

      // The same design, but the consultancy arm of one question shows a different wrong answer.
      const other = await planned();
      for (const t of other.plan.trials)
        if (t.created.arm === 'consultancy' && t.created.questionId === 'q1') {
          const q = questions(6)[1]!;
          const wrong = [0, 1, 2, 3].find((i) => i !== q.correctIndex && !t.created.displayed.includes(i))!;
          t.created.displayed = t.created.displayed.map((i) => (i === q.correctIndex ? i : wrong));
        }
      await persistPlan(db, other.plan, `${other.name}-q`);
      const failed = (await auditDesign(db, [other.name])).checks.find((c) => c.id === 'same-distractor');
      expect(failed).toMatchObject({ status: 'failed' });
      expect(failed?.detail).toMatch(/1 of 6 questions show different wrong answers .*q1/);
    });

    it('fails a trial followed in a shared Slack channel, and a story seen twice', async () => {
      const { name, plan } = await planned();
      await persistPlan(db, plan, `${name}-q`);
      const [a, b] = plan.trials;
      await db.chat.saveThread({
        trialId: a!.created.trialId,
        participantId: 'p-1',
        role: 'judge',
        platform: 'slack',
        workspace: 'T1',
        channel: 'C0SHARED',
        thread: '1700000000.000100',
      });
      await db.participants.upsertMany(name, [
        { id: 'p-1', kind: 'human', label: 'Amber Fox', spec: { kind: 'human', platform: 'slack' } },
      ]);
      await db.prisma.$executeRaw(Prisma.sql`
        INSERT INTO "Seat" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "assignedAt")
        VALUES (${a!.created.trialId}, 'judge', 'p-1', ${name}, 'debate', 's9', now()),
               (${b!.created.trialId}, 'judge', 'p-1', ${name}, 'debate', 's9', now() + interval '1 minute')`);
      const checks = Object.fromEntries((await auditDesign(db, [name])).checks.map((c) => [c.id, c]));
      expect(checks['reveal-private']).toMatchObject({ status: 'failed', trials: [a!.created.trialId] });
      expect(checks['story-once']).toMatchObject({ status: 'failed', trials: [b!.created.trialId] });
    });
  });
}
