// Planning that streams and resumes, and a service that stops between moves and waits out a database
// that went away. On both backends, through the real database; the restart on a server of its own.
import { ExperimentConfigSchema, planTrials, type Question } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { backends, type Harness, suiteName, uid } from '@oversight/db/testing/backends';
import { findPostgresBin, sharedServerUrl, startPostgres } from '@oversight/db/testing/pg-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DriveInterrupted,
  driveContext,
  driveTrial,
  persistPlan,
  reconcileOwedMoves,
  runTrials,
  serve,
  streamExperiment,
} from '../src/index.ts';

const source = Array.from(
  { length: 30 },
  (_, i) => `Line ${i}: the keeper of lighthouse ${i % 5} lit the lamp at dusk and watched for ships.`,
).join(' ');
const questions: Question[] = Array.from({ length: 12 }, (_, i) => ({
  id: `q${String(i).padStart(3, '0')}`,
  storyId: `s${i % 3}`,
  storyTitle: `Story ${i % 3}`,
  question: `What did keeper ${i} do at dusk?`,
  answers: ['lit the lamp', 'went fishing'],
  correctIndex: i % 2,
  source,
  metadata: {},
}));

const configOf = (name: string, perQuestion = 4) =>
  ExperimentConfigSchema.parse({
    name,
    seed: name,
    judges: [{ count: 20 * perQuestion }],
    arms: [
      { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: perQuestion },
      { name: 'consultancy', protocol: 'consultancy', rounds: 2, trialsPerQuestion: perQuestion },
    ],
  });

async function eventCount(db: Database, experimentId: string): Promise<number> {
  const [row] = await db.prisma.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM "TrialEvent" WHERE "trialId" LIKE ${`${experimentId}.%`}`;
  return row!.n;
}

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(`scale on ${suiteName(backend)}`, () => {
    let h: Harness;
    let db: Database;
    beforeAll(async () => {
      h = await backend.setup();
      db = h.db;
    });
    afterAll(() => h?.teardown());

    it('stores a streamed plan exactly as planned, records it complete, and a resume skips planning', async () => {
      const name = uid('stream');
      const config = configOf(name);
      const plan = streamExperiment(config, questions, 'scale');
      expect(plan.trialCount).toBe(96);
      // Stopped after the first batch of a plan of 96 in batches of 1000: none stopped it, all stored.
      const progress: number[] = [];
      expect(await persistPlan(db, plan, 'scale', undefined, { onProgress: (n) => progress.push(n) })).toBe(
        true,
      );
      expect(progress).toEqual([96]);
      expect((await db.experiments.get(name))?.plannedTrials).toBe(96);
      const stored = await db.trials.list(name);
      const expected = planTrials(name, config, questions, undefined, 'scale');
      expect(stored.map((t) => [t.id, t.ordinal, t.judgeId])).toEqual(
        [...expected]
          .sort((a, b) => (a.created.trialId < b.created.trialId ? -1 : 1))
          .map((t) => [t.created.trialId, t.ordinal, t.created.judgeId]),
      );
      // Complete: a second persist writes nothing (not even the batch probe).
      let writes = 0;
      const counting = { ...db, trials: { ...db.trials, createMany: async () => (writes += 1) } } as Database;
      expect(await persistPlan(counting, streamExperiment(config, questions, 'scale'), 'scale')).toBe(true);
      expect(writes).toBe(0);
    });

    it('a plan interrupted between batches is finished by the next persist, each trial once', async () => {
      const name = uid('half');
      const config = configOf(name, 50); // 1,200 trials: two batches
      const stop = new AbortController();
      const first = await persistPlan(db, streamExperiment(config, questions, 'scale'), 'scale', undefined, {
        signal: stop.signal,
        onProgress: () => stop.abort(),
      });
      expect(first).toBe(false);
      expect((await db.experiments.get(name))?.plannedTrials).toBeNull();
      expect(Object.values(await db.trials.countByStatus(name)).reduce((a, b) => a + b, 0)).toBe(1000);
      expect(await persistPlan(db, streamExperiment(config, questions, 'scale'), 'scale')).toBe(true);
      expect((await db.trials.countByStatus(name)).active).toBe(1200);
      expect(await eventCount(db, name)).toBe(1200);
    });

    it('gives trials stored without who-owes-a-move rows their rows on start, page by page, once', async () => {
      const name = uid('owed');
      const plan = streamExperiment(configOf(name, 50), questions, 'scale'); // 1,200 trials
      await persistPlan(db, plan, 'scale');
      const context = driveContext(db, plan);
      const pages = async () => {
        const out: string[][] = [];
        for await (const page of db.trials.withoutOwedMoves(name, 500)) out.push(page);
        return out;
      };
      const rows = () => db.prisma.owedMove.count({ where: { experimentId: name } });
      const before = await rows();
      expect(before).toBeGreaterThan(0);
      expect(await pages()).toEqual([]);
      expect(await reconcileOwedMoves(db, name, context)).toBe(0);
      // As a log stored before those rows existed: 700 trials without them, over more than one page.
      await db.prisma.$executeRaw`
        DELETE FROM "OwedMove" WHERE "trialId" IN (
          SELECT "id" FROM "Trial" WHERE "experimentId" = ${name} ORDER BY "ordinal" DESC LIMIT 700)`;
      const missing = await pages();
      expect(missing.every((p) => p.length > 0 && p.length <= 500)).toBe(true);
      expect(missing.flat()).toHaveLength(700);
      expect(new Set(missing.flat()).size).toBe(700);
      expect(await reconcileOwedMoves(db, name, context)).toBe(700);
      expect(await rows()).toBe(before);
      expect(await pages()).toEqual([]);
    });

    it('stops a trial between two moves when told to, keeping what it made; a later drive goes on', async () => {
      const name = uid('stop');
      const config = configOf(name, 2);
      const plan = streamExperiment(config, questions, 'scale');
      await persistPlan(db, plan, 'scale');
      const stop = new AbortController();
      stop.abort();
      const [trial] = await db.trials.list(name, { limit: 1 });
      const context = driveContext(db, plan);
      await expect(driveTrial(trial!.id, { ...context, signal: stop.signal })).rejects.toBeInstanceOf(
        DriveInterrupted,
      );
      expect(await driveTrial(trial!.id, context)).toBe('finished');
      // serve told to stop at once leaves every trial where it was and says how many it left.
      const summary = await serve(db, { experimentIds: [name], untilIdle: true, signal: stop.signal }).done;
      expect(summary.driven).toBe(0);
      await runTrials(db, plan);
      expect((await db.trials.countByStatus(name)).finished).toBe(plan.trialCount);
      // No lease outlives its trial: the finishing append let go of it (serve sends no release for it).
      expect(await db.prisma.trial.count({ where: { experimentId: name, leaseOwner: { not: null } } })).toBe(
        0,
      );
    });
  });
}

describe.skipIf(!findPostgresBin() && !sharedServerUrl())('a PostgreSQL server restarted under serve', () => {
  it('is waited out with back-off; every trial finishes once', async () => {
    const server = await startPostgres({ own: true });
    try {
      const url = await server.createDatabase('restart');
      const db = await openDatabase({ databaseUrl: url });
      const name = uid('restart');
      const plan = streamExperiment(configOf(name, 40), questions, 'scale');
      await persistPlan(db, plan, 'scale');
      const warnings: string[] = [];
      let restarted = false;
      const served = serve(db, {
        experimentIds: [name],
        untilIdle: true,
        concurrency: 16,
        pollMs: 100,
        onWarning: (w) => warnings.push(w),
        onTrial: () => {
          if (restarted) return;
          restarted = true;
          void server.restart(1_000);
        },
      });
      const summary = await served.done;
      expect(restarted).toBe(true);
      expect(warnings.some((w) => /unreachable/.test(w))).toBe(true);
      expect(warnings.some((w) => /answers again/.test(w))).toBe(true);
      expect((await db.trials.countByStatus(name)).finished).toBe(plan.trialCount);
      expect(await db.judgments.count(name)).toBe(plan.trialCount);
      expect(summary.outcomes.finished).toBeGreaterThan(0);
      await db.close();
    } finally {
      await server.stop();
    }
  });
});
