// Aborted trials are kept, shown with their reasons, and tried again as new attempts; a config that
// changes only how the experiment runs is taken, one that changes its design is refused.
import { ExperimentConfigSchema, foldEvents, type Question, type TrialEvent } from '@oversight/core';
import { type Database, ExperimentConfigChangedError } from '@oversight/db';
import { backends, type Harness, suiteName, uid } from '@oversight/db/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  abortedTrials,
  type ParticipantFactories,
  ParticipantFailure,
  persistPlan,
  planExperiment,
  retryAbortedTrials,
  runTrials,
} from '../src/index.ts';

const source = 'The keeper of the lighthouse lit the lamp at dusk and watched the ships pass the rocks.';
const questions: Question[] = Array.from({ length: 3 }, (_, i) => ({
  id: `q${i}`,
  storyId: `s${i}`,
  storyTitle: '',
  question: `What did keeper ${i} do?`,
  answers: ['lit the lamp', 'went fishing'],
  correctIndex: 0,
  source,
  metadata: {},
}));

/** Arguers whose endpoint is down: every speech fails, as a model's would after its retries. */
const unreachable: ParticipantFactories = {
  'simulated-arguer': (record) => ({
    record,
    async respond() {
      throw new ParticipantFailure('endpoint unreachable (ECONNREFUSED)');
    },
  }),
};

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(suiteName(backend), () => {
    let h: Harness;
    let db: Database;
    beforeAll(async () => {
      h = await backend.setup();
      db = h.db;
    });
    afterAll(async () => h?.teardown());

    it('keeps aborted trials with their reasons and tries them again as recorded new attempts', async () => {
      const name = uid('retry');
      const input = {
        name,
        seed: name,
        judges: [{ count: 6 }],
        arms: [{ name: 'debate', protocol: 'debate', rounds: 1 }],
      };
      const config = ExperimentConfigSchema.parse({ ...input, concurrency: 4 });
      const plan = planExperiment(config, questions, 'retry-q');
      await persistPlan(db, plan, 'retry-q');
      await runTrials(db, plan, { factories: unreachable });
      expect(await db.trials.countByStatus(name)).toEqual({ aborted: 6 });
      const aborted = await abortedTrials(db, name);
      expect(aborted).toHaveLength(6);
      expect(aborted[0]).toMatchObject({
        reason: expect.stringMatching(/endpoint unreachable/),
        retriedAs: null,
      });

      // The fixed config changes how it runs (concurrency), not what it is: accepted and stored.
      const fixed = ExperimentConfigSchema.parse({ ...input, concurrency: 8, description: 'endpoint fixed' });
      await persistPlan(db, planExperiment(fixed, questions, 'retry-q'), 'retry-q');
      expect((await db.experiments.get(name))?.config).toMatchObject({ concurrency: 8 });
      // A changed design is refused, naming what changed.
      const redesigned = ExperimentConfigSchema.parse({
        ...input,
        arms: [{ name: 'debate', protocol: 'debate', rounds: 2 }],
      });
      const refused = persistPlan(db, planExperiment(redesigned, questions, 'retry-q'), 'retry-q');
      await expect(refused).rejects.toBeInstanceOf(ExperimentConfigChangedError);
      await expect(refused).rejects.toThrow(/changed: arms/);

      const retries = await retryAbortedTrials(db, name, () => false);
      expect(retries).toHaveLength(6);
      expect(await retryAbortedTrials(db, name, () => false)).toEqual([]); // each aborted trial once
      await runTrials(db, planExperiment(fixed, questions, 'retry-q'));
      expect(await db.trials.countByStatus(name)).toEqual({ aborted: 6, finished: 6 });
      const [first] = retries;
      const log = (await db.events.load(first!)).map((e) => e.payload as TrialEvent);
      const created = foldEvents(log).created;
      expect(created).toMatchObject({ retryOf: first!.replace(/\.r2$/, ''), attempt: 2 });
      const original = foldEvents(
        (await db.events.load(created.retryOf!)).map((e) => e.payload as TrialEvent),
      ).created;
      expect({
        ...created,
        trialId: original.trialId,
        seed: original.seed,
        retryOf: undefined,
        attempt: undefined,
      }).toEqual({
        ...original,
        retryOf: undefined,
        attempt: undefined,
      });
      expect((await abortedTrials(db, name)).every((t) => t.retriedAs?.endsWith('.r2'))).toBe(true);
      expect(await db.judgments.count(name)).toBe(6);
    });
  });
}
