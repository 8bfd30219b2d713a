import type { Question } from '@oversight/core';
import type { Database } from '@oversight/db';
import { databaseQuestions, databaseTrialStore } from './db-store.ts';
import { type DriveContext, type DriveOutcome, driveTrial } from './drive.ts';
import { type ExperimentPlan, participantDirectory } from './experiment.ts';
import type { ParticipantFactories } from './participant.ts';
import { runPool } from './pool.ts';

export interface RunOptions {
  factories?: ParticipantFactories;
  /** Trials driven at once (defaults to the config's `concurrency`). */
  concurrency?: number;
  onTrial?: (trialId: string, outcome: DriveOutcome) => void;
  signal?: AbortSignal;
}

export interface RunSummary {
  driven: number;
  outcomes: Record<DriveOutcome, number>;
}

async function* activeTrialIds(db: Database, experimentId: string): AsyncGenerator<string> {
  let afterId: string | undefined;
  for (;;) {
    const page = await db.trials.list(experimentId, {
      status: ['active'],
      limit: 500,
      ...(afterId ? { afterId } : {}),
    });
    if (page.length === 0) return;
    for (const trial of page) yield trial.id;
    afterId = page.at(-1)!.id;
  }
}

/**
 * The driver's context over the database. Questions come from the plan when it has them (a run),
 * else from the database as needed (a person's move arriving later, a re-judging).
 */
export function driveContext(
  db: Database,
  scope: Pick<ExperimentPlan, 'experimentId' | 'config' | 'participants'> & {
    questions?: readonly Question[];
  },
  factories: ParticipantFactories = {},
): DriveContext {
  const planned = new Map<string, Question>((scope.questions ?? []).map((q) => [q.id, q]));
  const stored = databaseQuestions(db);
  return {
    store: databaseTrialStore(db),
    questions: (id) => planned.get(id) ?? stored(id),
    participant: participantDirectory(scope, factories),
    reward: scope.config.reward,
  };
}

/**
 * Drives every trial that does not wait for a person, until each finishes, aborts or comes to a
 * person's turn. Resumable: it reads what is left from the database each time.
 */
export async function runTrials(
  db: Database,
  plan: ExperimentPlan,
  options: RunOptions = {},
): Promise<RunSummary> {
  const context = driveContext(db, plan, options.factories);
  const summary: RunSummary = { driven: 0, outcomes: { finished: 0, aborted: 0, waiting: 0 } };
  await runPool(
    activeTrialIds(db, plan.experimentId),
    options.concurrency ?? plan.config.concurrency,
    async (trialId) => {
      const outcome = await driveTrial(trialId, context);
      summary.driven += 1;
      summary.outcomes[outcome] += 1;
      options.onTrial?.(trialId, outcome);
    },
    options.signal,
  );
  return summary;
}
