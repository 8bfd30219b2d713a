import { parseStoredConfig, type TrialEvent, TrialEventSchema } from '@oversight/core';
import type { Database } from '@oversight/db';
import { databaseQuestions } from '@oversight/runner';
import type { TrainingExperiment, TrainingTrial } from './export.ts';
import { compareIds } from './preference.ts';

/** An experiment in the project database as training data reads it; null when there is none. */
export async function databaseTrainingExperiment(
  db: Database,
  experimentId: string,
  pageSize = 500,
): Promise<TrainingExperiment | null> {
  const row = await db.experiments.get(experimentId);
  if (!row) return null;
  const config = parseStoredConfig(row.config);
  const participants = new Map(
    (await db.participants.list(experimentId)).map((p) => [p.id, { kind: p.kind, label: p.label }]),
  );
  const questions = databaseQuestions(db);
  return {
    id: experimentId,
    configHash: row.configHash,
    config,
    participants,
    async *trials(): AsyncIterable<TrainingTrial> {
      // Ids sorted here, not by the database's collation, so both backends give one order.
      const ids = await finishedTrialIds(db, experimentId);
      for (let i = 0; i < ids.length; i += pageSize) {
        const page = ids.slice(i, i + pageSize);
        const logs = await db.events.loadMany(page);
        for (const id of page) {
          const log: TrialEvent[] = (logs.get(id) ?? []).map((e, seq) => {
            if (e.seq !== seq) throw new Error(`trial ${id}: event ${seq} of its log has seq ${e.seq}`);
            return TrialEventSchema.parse(e.payload);
          });
          const first = log[0];
          if (first?.type !== 'TrialCreated') continue;
          yield { log, question: await questions(first) };
        }
      }
    },
  };
}

async function finishedTrialIds(db: Database, experimentId: string): Promise<string[]> {
  const ids: string[] = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await db.trials.list(experimentId, {
      status: ['finished'],
      limit: 5000,
      ...(afterId !== undefined ? { afterId } : {}),
    });
    ids.push(...page.map((t) => t.id));
    if (page.length < 5000) break;
    afterId = page.at(-1)!.id;
  }
  return ids.sort(compareIds);
}
