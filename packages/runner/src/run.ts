import type { Database } from '@oversight/db';
import { databaseQuestions, databaseTrialStore } from './db-store.ts';
import type { DriveContext, DriveOutcome } from './drive.ts';
import { type ExperimentPlan, participantDirectory } from './experiment.ts';
import type { ParticipantFactories } from './participant.ts';
import { serve } from './serve.ts';

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

/**
 * The driver's context over the database. Questions are always read back from the database, so a
 * run uses exactly what it stored (the plan's copy was checked against it when it was written).
 */
export function driveContext(
  db: Database,
  scope: Pick<ExperimentPlan, 'experimentId' | 'config' | 'participants'>,
  factories: ParticipantFactories = {},
): DriveContext {
  return {
    store: databaseTrialStore(db),
    questions: databaseQuestions(db),
    participant: participantDirectory(scope, factories),
    reward: scope.config.reward,
    practiceArm: scope.config.qualification?.arm,
  };
}

/**
 * Drives every trial that does not wait for a person, until each finishes, aborts or comes to a
 * person's turn. Resumable: it reads what is left from the database each time. It is the service
 * (serve.ts) run until idle, so a run beside `serve` processes shares the work through the same leases.
 */
export async function runTrials(
  db: Database,
  plan: ExperimentPlan,
  options: RunOptions = {},
): Promise<RunSummary> {
  const factories = options.factories ?? {};
  const served = await serve(db, {
    experimentIds: [plan.experimentId],
    factories: () => factories,
    concurrency: options.concurrency ?? plan.config.concurrency,
    untilIdle: true,
    failFast: true,
    pollMs: 200,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onTrial ? { onTrial: options.onTrial } : {}),
  }).done;
  return { driven: served.driven, outcomes: served.outcomes };
}
