import { type ExperimentConfig, isSimulated, type ParticipantSpec } from '@oversight/core';
import type { Database } from '@oversight/db';
import { databaseQuestions, databaseTrialStore } from './db-store.ts';
import type { DriveContext, DriveOutcome } from './drive.ts';
import { type ExperimentPlan, participantDirectory } from './experiment.ts';
import type { ParticipantFactories } from './participant.ts';
import { type ServeOptions, serve } from './serve.ts';

export interface RunOptions {
  factories?: ParticipantFactories;
  /** Trials driven at once (defaults to the config's `concurrency`). */
  concurrency?: number;
  onTrial?: (trialId: string, outcome: DriveOutcome) => void;
  signal?: AbortSignal;
  /** Told when the config's stopping rule stops an arm (see serve). */
  onStopped?: ServeOptions['onStopped'];
}

export interface RunSummary {
  driven: number;
  outcomes: Record<DriveOutcome, number>;
}

/**
 * Trials driven at once. Simulated participants cost no call to anyone, only the CPU and the
 * database's time, so an experiment of simulated participants only runs at least SIMULATED_CONCURRENCY
 * trials at once: their appends then share statements (group commit) and the database is kept busy.
 */
export function runConcurrency(config: ExperimentConfig): number {
  return allSimulated(config) ? Math.max(config.concurrency, SIMULATED_CONCURRENCY) : config.concurrency;
}

export const SIMULATED_CONCURRENCY = 1024;

/** Every participant spec the config names: its judge pools' and its arms' arguers. */
export function configuredSpecs(config: ExperimentConfig): ParticipantSpec[] {
  return [
    ...config.judges.map((p) => p.participant),
    ...config.arms.flatMap((a) => (a.dishonestArguer ? [a.arguer, a.dishonestArguer] : [a.arguer])),
  ];
}

export function allSimulated(config: ExperimentConfig): boolean {
  return configuredSpecs(config).every(isSimulated);
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
  // Only these two are read: a streamed plan or a plan of retries does as well as a planned one.
  plan: Pick<ExperimentPlan, 'experimentId' | 'config'> &
    Partial<Omit<ExperimentPlan, 'trials'>> & { trials?: unknown },
  options: RunOptions = {},
): Promise<RunSummary> {
  const factories = options.factories ?? {};
  const served = await serve(db, {
    experimentIds: [plan.experimentId],
    factories: () => factories,
    concurrency: options.concurrency ?? runConcurrency(plan.config),
    untilIdle: true,
    failFast: true,
    pollMs: 200,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onTrial ? { onTrial: options.onTrial } : {}),
    ...(options.onStopped ? { onStopped: options.onStopped } : {}),
  }).done;
  return { driven: served.driven, outcomes: served.outcomes };
}
