/**
 * The config's `stopping` rule in a running experiment: read the judgments so far (counted by the
 * database), decide with @oversight/stats which arms' answers are known, and stop the trials of
 * those arms that nobody has started. Trials in progress finish; each stopped trial's TrialAborted
 * event says why (the rule, the sequence and its figures) and, by its time, when. Seating then
 * finds no open seat in the arm, and `serve` no trial to drive.
 */
import {
  type ExperimentConfig,
  foldEvents,
  isPeopleJudged,
  judgePoolsOf,
  type TrialEvent,
  type TrialState,
} from '@oversight/core';
import type { Database } from '@oversight/db';
import {
  type AnytimeStatus,
  anytimeArmStatus,
  type ClusterCounts,
  evaluateStoppingRule,
  type StoppingEvaluation,
} from '@oversight/stats';
import { type DriveContext, recordOptions } from './drive.ts';
import { appendFor } from './record.ts';
import { AppendConflict } from './store.ts';

/** Who the stopping rule's TrialAborted events name as having stopped the trial. */
export const STOPPING_RULE = 'stopping rule';

/** Each arm's judgments and wins per judge so far, counted by the database. */
export async function judgmentCountsByArm(
  db: Database,
  experimentId: string,
): Promise<Map<string, ClusterCounts>> {
  const rows = await db.judgments.countsByArmAndJudge(experimentId);
  const byArm = new Map<string, { judge: string; n: number; wins: number }[]>();
  for (const r of rows)
    byArm.set(r.arm, [...(byArm.get(r.arm) ?? []), { judge: r.judgeId, n: r.n, wins: r.wins }]);
  return new Map(
    [...byArm].map(([arm, list]) => [
      arm,
      {
        clusters: list.map((x) => x.judge),
        successes: Float64Array.from(list, (x) => x.wins),
        trials: Float64Array.from(list, (x) => x.n),
      },
    ]),
  );
}

/**
 * Arms judged by one judge throughout: one automatic judge in its pools (a model re-judging). Their
 * sequences are about that judge; any arm judged by people, or by several judges, is not.
 */
export function oneJudgeByDesign(config: ExperimentConfig): (arm: string) => boolean {
  const single = new Set(
    config.arms
      .filter((arm) => {
        if (isPeopleJudged(config, arm)) return false;
        const members = judgePoolsOf(config, arm).reduce(
          (n, pool) => n + (pool.ids?.length ?? pool.count ?? 0),
          0,
        );
        return members === 1;
      })
      .map((arm) => arm.name),
  );
  return (arm) => single.has(arm);
}

/**
 * Each judged arm's anytime-valid sequence of the correct answer's win rate now (valid however often
 * it is looked at), at the stopping rule's alpha or 0.05: what `oversight status` prints and the web
 * app's live view shows. `config` null (a stored config that no longer parses): the arms as counted.
 */
export async function anytimeStandings(
  db: Database,
  experimentId: string,
  config: ExperimentConfig | null,
): Promise<{ alpha: number; arms: Array<{ arm: string; status: AnytimeStatus }> }> {
  const counts = await judgmentCountsByArm(db, experimentId);
  const alpha = config?.stopping?.alpha ?? 0.05;
  const single = config ? oneJudgeByDesign(config) : () => false;
  const arms = config ? config.arms.map((a) => a.name).filter((a) => counts.has(a)) : [...counts.keys()];
  return {
    alpha,
    arms: arms.map((arm) => ({
      arm,
      status: anytimeArmStatus(counts.get(arm)!, alpha, { oneJudgeByDesign: single(arm) }),
    })),
  };
}

/** The rule's verdict on the experiment's judgments so far (nothing to stop when it has no rule). */
export async function evaluateStopping(
  db: Database,
  experimentId: string,
  config: ExperimentConfig,
): Promise<StoppingEvaluation | null> {
  if (!config.stopping) return null;
  const counts = await judgmentCountsByArm(db, experimentId);
  return evaluateStoppingRule(
    config.stopping,
    config.arms.map((a) => a.name),
    counts,
    oneJudgeByDesign(config),
  );
}

/**
 * A trial is in progress once a person holds a seat that was open when it was planned, or, when
 * every seat was filled at planning (models, simulated participants), once its first move is
 * logged. Only trials not in progress are stopped.
 */
export function inProgress(state: TrialState): boolean {
  const { created } = state;
  const openAtPlanning = [
    ...(created.judgeId === null ? ['judge' as const] : []),
    ...created.arguers.filter((a) => a.participantId === null).map((a) => a.role),
  ];
  if (openAtPlanning.length > 0) return openAtPlanning.some((role) => state.seats[role] !== undefined);
  return state.nextSeq > 1;
}

/** Stops the arm's trials nobody has started, with `reason`; returns how many it stopped. */
export async function stopUnstartedTrials(
  db: Database,
  context: DriveContext,
  experimentId: string,
  arm: string,
  reason: string,
): Promise<number> {
  let stopped = 0;
  let afterId: string | undefined;
  for (;;) {
    const page = await db.trials.list(experimentId, {
      // unfinished: 'active' (an automatic participant owes a move) or 'waiting' (only people do)
      status: ['active', 'waiting'],
      limit: 500,
      ...(afterId !== undefined ? { afterId } : {}),
    });
    if (page.length === 0) return stopped;
    afterId = page.at(-1)!.id;
    const ids = page.filter((t) => t.arm === arm).map((t) => t.id);
    const logs = await db.events.loadMany(ids);
    for (const id of ids) {
      let state = foldEvents(logs.get(id)!.map((e) => e.payload as TrialEvent));
      // Someone may take the seat between the read and the append: the append then conflicts, the log
      // is read again, and a trial that has started is left to finish.
      for (let race = 0; race < 5; race++) {
        if (state.verdict || state.aborted || inProgress(state)) break;
        const { input } = appendFor(
          state,
          [{ type: 'TrialAborted', reason, role: null, by: STOPPING_RULE }],
          recordOptions(context),
        );
        try {
          await context.store.append(input);
          stopped += 1;
          break;
        } catch (error) {
          if (!(error instanceof AppendConflict)) throw error;
          state = foldEvents(await context.store.loadEvents(id));
        }
      }
    }
  }
}

export interface StoppingOutcome {
  arm: string;
  reason: string;
  /** Trials stopped now (0 when the arm had none left to stop). */
  stopped: number;
}

/**
 * Decide the rule and act on it: the trials nobody has started in each arm it stops are stopped.
 * `skip` names arms already dealt with (a caller that checks often keeps it, so an arm is swept once).
 */
export async function applyStoppingRule(
  db: Database,
  context: DriveContext,
  experimentId: string,
  config: ExperimentConfig,
  skip: Set<string> = new Set(),
): Promise<StoppingOutcome[]> {
  const evaluation = await evaluateStopping(db, experimentId, config);
  if (!evaluation) return [];
  const out: StoppingOutcome[] = [];
  for (const { arm, reason } of evaluation.stop) {
    if (skip.has(arm)) continue;
    const stopped = await stopUnstartedTrials(db, context, experimentId, arm, reason);
    skip.add(arm);
    out.push({ arm, reason, stopped });
  }
  return out;
}
