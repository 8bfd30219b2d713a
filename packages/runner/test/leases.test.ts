// serve keeps the leases of the trials it drives on a loaded machine: renewals that come late (an event
// loop held up by other work) and trials that end while their lease is being renewed lose nothing and
// raise no alarm; two services on one database never drive one trial at once.
import { ExperimentConfigSchema, type Question } from '@oversight/core';
import type { Database } from '@oversight/db';
import { backends, type Harness, suiteName, uid } from '@oversight/db/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Participant, ParticipantFactory } from '../src/index.ts';
import { BUILT_IN_PARTICIPANTS, persistPlan, serve, streamExperiment } from '../src/index.ts';

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

/** Simulated arguers that take a while per speech, as a model does, so a trial spans many renewals. */
const slowArguer: ParticipantFactory<'simulated-arguer'> = (record, context): Participant => {
  const inner = BUILT_IN_PARTICIPANTS['simulated-arguer']!(record as never, context);
  let n = 0;
  return {
    record,
    async respond(request) {
      n += 1;
      await new Promise((resolve) => setTimeout(resolve, 10 + ((n * 37) % 50)));
      return inner.respond(request);
    },
  };
};

/** Holds the event loop `busyMs` of every `everyMs`, as other work in the process or a busy machine does. */
function loadTheLoop(busyMs: number, everyMs: number): () => void {
  const timer = setInterval(() => {
    const until = performance.now() + busyMs;
    while (performance.now() < until) {
      // busy
    }
  }, everyMs);
  return () => clearInterval(timer);
}

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(`leases under load on ${suiteName(backend)}`, () => {
    let h: Harness;
    let db: Database;
    beforeAll(async () => {
      h = await backend.setup();
      db = h.db;
    });
    afterAll(() => h?.teardown());

    it('a loaded event loop loses no lease and reports none lost; two services drive each trial once', async () => {
      const name = uid('leases');
      const config = ExperimentConfigSchema.parse({
        name,
        seed: name,
        judges: [{ count: 40 }],
        arms: [
          { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 4 },
          { name: 'consultancy', protocol: 'consultancy', rounds: 2, trialsPerQuestion: 4 },
        ],
      });
      const plan = streamExperiment(config, questions, 'leases');
      await persistPlan(db, plan, 'leases');
      const warnings: string[] = [];
      const driven = new Map<string, number>();
      // A lease of 1.5 s, renewed every quarter of it; the loop is held up 150 of every 200 ms, and the two
      // services share one connection pool, so a renewal also waits behind their appends.
      const unload = loadTheLoop(150, 200);
      try {
        const options = (owner: string) => ({
          experimentIds: [name],
          owner,
          untilIdle: true,
          leaseMs: 1_500,
          pollMs: 50,
          concurrency: 12,
          factories: () => ({ 'simulated-arguer': slowArguer }),
          onWarning: (w: string) => warnings.push(`${owner}: ${w}`),
          onTrial: (id: string) => driven.set(id, (driven.get(id) ?? 0) + 1),
        });
        await Promise.all([serve(db, options('one')).done, serve(db, options('two')).done]);
      } finally {
        unload();
      }
      expect(warnings.filter((w) => /lease/.test(w))).toEqual([]);
      expect((await db.trials.countByStatus(name)).finished).toBe(plan.trialCount);
      expect(await db.judgments.count(name)).toBe(plan.trialCount);
      // Each trial driven to its end by one service, once.
      expect(driven.size).toBe(plan.trialCount);
      expect([...driven.values()].every((n) => n === 1)).toBe(true);
      expect(await db.prisma.trial.count({ where: { experimentId: name, leaseOwner: { not: null } } })).toBe(
        0,
      );
    });
  });
}
