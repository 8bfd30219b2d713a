// Trial ids are <experiment>.<arm>.<question>.<k>: a new experiment may not put "." in its names, an
// experiment stored before that rule goes on under its own, and planning refuses (never skips) ids
// another experiment holds. Before anything is written, on both backends.
import {
  type ExperimentConfigInput,
  ExperimentConfigSchema,
  InputError,
  type Question,
} from '@oversight/core';
import { type Database, TrialIdClashError } from '@oversight/db';
import { backends, type Harness, suiteName, uid } from '@oversight/db/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configHash, persistPlan, planExperiment, streamExperiment } from '../src/index.ts';

const questions = (ids: string[]): Question[] =>
  ids.map((id, i) => ({
    id,
    storyId: `story-${i}`,
    storyTitle: `Story ${i}`,
    question: `What did keeper ${i} do at dusk?`,
    answers: ['lit the lamp', 'went fishing'],
    correctIndex: 0,
    source: `Keeper ${i} lit the lamp at dusk and watched for ships.`,
    metadata: {},
  }));

const config = (name: string, arm: string, extra: Partial<ExperimentConfigInput> = {}) =>
  ExperimentConfigSchema.parse({
    name,
    seed: 1,
    judges: [{ count: 4 }],
    arms: [{ name: arm, protocol: 'judge-alone', trialsPerQuestion: 2 }],
    ...extra,
  });

/** An experiment stored before names with "." were refused: its row, as persistPlan wrote it then. */
async function storedBefore(db: Database, c: ReturnType<typeof config>) {
  await db.experiments.ensure({
    id: c.name,
    name: c.name,
    seed: c.seed,
    config: c as unknown as Record<string, unknown>,
    configHash: configHash(c),
  });
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

    it('refuses a new experiment with "." in its name or an arm name, saying why and what to use, before writing', async () => {
      const name = `${uid('study')}.v2`;
      const c = config(name, 'debate.long');
      const error = await persistPlan(db, planExperiment(c, questions(['q1'])), uid('data')).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InputError);
      const message = (error as Error).message;
      expect(message).toContain(`experiment "${name}" is new, and its names may not contain "."`);
      expect(message).toContain(
        `- name: "${name}" contains "."; trial ids are <experiment>.<arm>.<question>.<k>`,
      );
      expect(message).toContain(`use "-" or "_" instead, e.g. "${name.replace('.', '-')}"`);
      expect(message).toContain('- arms[0].name: "debate.long" contains "."');
      expect(await db.experiments.get(name)).toBeNull();
      expect(await db.trials.list(name)).toEqual([]);
    });

    it('goes on with an experiment stored before the rule, dots and all', async () => {
      const c = config(`${uid('old')}.v2`, 'debate');
      await storedBefore(db, c);
      const dataset = uid('data');
      expect(await persistPlan(db, streamExperiment(c, questions(['q1', 'q2']), dataset), dataset)).toBe(
        true,
      );
      expect((await db.trials.list(c.name)).map((t) => t.id)).toEqual([
        `${c.name}.debate.q1.0`,
        `${c.name}.debate.q1.1`,
        `${c.name}.debate.q2.0`,
        `${c.name}.debate.q2.1`,
      ]);
    });

    it('refuses trial ids that another experiment holds, rather than planning without them', async () => {
      // "<base>.v2" with arm "debate" (stored before the rule) and "<base>" with arm "v2" on questions
      // whose ids hold a dot: both build "<base>.v2.debate.q1.0".
      const base = uid('study');
      const old = config(`${base}.v2`, 'debate');
      await storedBefore(db, old);
      const oldData = uid('data');
      await persistPlan(db, streamExperiment(old, questions(['q1', 'q2']), oldData), oldData);

      const clash = config(base, 'v2');
      const data = uid('data');
      for (const plan of [
        streamExperiment(clash, questions(['a0', 'debate.q1', 'debate.q2']), data),
        planExperiment(clash, questions(['a0', 'debate.q1', 'debate.q2']), data),
      ]) {
        const error = await persistPlan(db, plan, data).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TrialIdClashError);
        expect(error).toBeInstanceOf(InputError);
        const message = (error as Error).message;
        expect(message).toContain(
          `Experiment "${base}" would plan trials whose ids already belong to experiment "${base}.v2":`,
        );
        expect(message).toContain(`  ${base}.v2.debate.q1.0 (in "${base}.v2")`);
        expect(message).toContain(
          `Nothing was written. Give this experiment another name, e.g.\n"${base}-2"`,
        );
        expect(await db.experiments.get(base)).toBeNull();
        expect(await db.trials.list(base)).toEqual([]);
        expect(await db.questions.list({ dataset: data })).toEqual([]);
      }
      // The other experiment's trials are as they were.
      expect((await db.trials.list(old.name)).every((t) => t.experimentId === old.name)).toBe(true);
      expect(await db.trials.list(old.name)).toHaveLength(4);

      // Under another name the same questions plan in full.
      const renamed = config(`${base}-2`, 'v2');
      await persistPlan(
        db,
        streamExperiment(renamed, questions(['a0', 'debate.q1', 'debate.q2']), data),
        data,
      );
      expect(await db.trials.list(renamed.name)).toHaveLength(6);
    });
  });
}
