import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type ExperimentConfig, foldEvents, parseStoredConfig } from '@oversight/core';
import { type Database, isTransientDatabaseError, NOTIFY_CHANNEL } from '@oversight/db';
import { type DriveContext, DriveInterrupted, type DriveOutcome, driveTrial, personTest } from './drive.ts';
import { participantRecords } from './experiment.ts';
import type { ParticipantFactories } from './participant.ts';
import { trialRecord } from './record.ts';
import { allSimulated, driveContext, SIMULATED_CONCURRENCY } from './run.ts';
import { applyStoppingRule, type StoppingOutcome } from './stopping.ts';

/**
 * The service that drives every trial not waiting on a person: after a person's move, the simulated
 * and model turns that follow run here. Several processes on one PostgreSQL server share the work
 * through leases on trial rows (FOR UPDATE SKIP LOCKED): a trial is driven by one process at a time,
 * and a crashed process's leases expire so others take its trials over. Appends stay guarded by the
 * log's (trial, seq) key, so even a process that lost its lease cannot double an event.
 */

export interface ServeOptions {
  experimentIds: readonly string[];
  /** Participant implementations per experiment (models come from @oversight/llm through the CLI). */
  factories?: (experimentId: string, config: ExperimentConfig) => ParticipantFactories;
  /** Trials driven at once by this process (default 32; SIMULATED_CONCURRENCY when every participant is simulated). */
  concurrency?: number;
  /** How long a claimed trial stays this process's without renewal (default 30 s); renewed every third. */
  leaseMs?: number;
  /** How often to look for work when nothing wakes the service (default 1 s; NOTIFY wakes it sooner). */
  pollMs?: number;
  /** Stop when no trial of these experiments is active (for batch use and tests); else run until the signal. */
  untilIdle?: boolean;
  /**
   * Stop at the first trial that fails to drive (a bug, the database gone) and reject with its error:
   * what a batch run wants. Otherwise a failed trial is reported, left leased until its lease expires
   * (a back-off), and tried again.
   */
  failFast?: boolean;
  signal?: AbortSignal;
  onTrial?: (trialId: string, outcome: DriveOutcome) => void;
  /** Called once the service has read its experiments and listens for work: it takes trials from then on. */
  onReady?: () => void;
  /** Told about trouble that does not stop the service (a lost lease, a trial that failed to drive). */
  onWarning?: (message: string) => void;
  /** This process's name in lease columns (default host:pid:random). */
  owner?: string;
  /**
   * Experiments with a `stopping` rule are checked once at start and then after trials finish, at
   * most this often. Default: five times as long as the last check took (each check counts the
   * judgments in the database), so checking costs at most a sixth of the time: after every trial for
   * a small study, less often for a million judgments.
   */
  stoppingCheckMs?: number;
  /** Told when the stopping rule stops an arm: which, why, and how many unstarted trials it stopped. */
  onStopped?: (experimentId: string, outcome: StoppingOutcome) => void;
}

export interface ServeSummary {
  owner: string;
  driven: number;
  outcomes: Record<DriveOutcome, number>;
  /** Trials left between two moves because the service was told to stop (they resume where they are). */
  interrupted?: number;
}

export interface ServeHandle {
  /** Look for work now (a person's move in this process just made a trial active). */
  wake(): void;
  done: Promise<ServeSummary>;
}

export function serviceOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** Loads each experiment's stored config and builds its driver context. */
export async function experimentContexts(
  db: Database,
  experimentIds: readonly string[],
  factories?: ServeOptions['factories'],
): Promise<Map<string, { config: ExperimentConfig; context: DriveContext }>> {
  const out = new Map<string, { config: ExperimentConfig; context: DriveContext }>();
  for (const experimentId of experimentIds) {
    const row = await db.experiments.get(experimentId);
    if (!row) {
      const known = (await db.experiments.list()).map((e) => e.id);
      throw new ServeError(
        `no experiment "${experimentId}" in ${db.location}${known.length ? `; there are: ${known.join(', ')}` : ''}`,
      );
    }
    const config = parseStoredConfig(row.config);
    const scope = { experimentId, config, participants: participantRecords(config) };
    out.set(experimentId, { config, context: driveContext(db, scope, factories?.(experimentId, config)) });
  }
  return out;
}

/**
 * Trials stored before who-owes-a-move rows existed get them from their logs (once, on start), so
 * the people waiting in them can find them.
 */
export async function reconcileOwedMoves(
  db: Database,
  experimentId: string,
  context: DriveContext,
): Promise<number> {
  let fixed = 0;
  const isPerson = personTest(context.participant);
  for await (const ids of db.trials.withoutOwedMoves(experimentId, 500)) {
    const logs = await db.events.loadMany(ids);
    for (const id of ids) {
      const state = foldEvents(logs.get(id)!.map((e) => e.payload as never));
      const { owed } = trialRecord(state, isPerson);
      if (owed.length === 0) continue;
      await db.prisma.owedMove.createMany({
        data: owed.map((o) => ({
          trialId: id,
          role: o.role,
          participantId: o.participantId,
          experimentId,
          arm: state.created.arm,
          storyId: state.created.storyId,
          ordinal: 0,
          sinceSeq: o.sinceSeq,
          since: new Date(),
          human: o.human,
        })),
        skipDuplicates: true,
      });
      fixed += 1;
    }
  }
  return fixed;
}

/**
 * Renews the leases of `leased` every quarter of the lease, one renewal at a time, the next one timed
 * from when the last one was asked (a renewal the database held up is not followed by a burst). A
 * lease counts as lost only when another owner holds it now; that is said with how long renewals had
 * been held up (an event loop busy with other work, a slow database), against the lease's length.
 */
function leaseRenewals(
  db: Database,
  owner: string,
  leaseMs: number,
  leased: ReadonlySet<string>,
  onWarning: ((message: string) => void) | undefined,
): { stop(): void } {
  const everyMs = Math.max(25, Math.floor(leaseMs / 4));
  let lastAsked = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const next = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(renew, Math.max(0, delay));
    timer.unref?.();
  };
  const renew = async () => {
    const asked = Date.now();
    const gap = asked - lastAsked;
    lastAsked = asked;
    const ids = [...leased];
    if (ids.length > 0) {
      try {
        const { taken } = await db.trials.renew(owner, ids, leaseMs);
        // Taken while this renewal ran, but no longer driven here by its end: nothing of ours was lost.
        const lost = taken.filter((id) => leased.has(id));
        if (lost.length > 0)
          onWarning?.(
            `lost the lease on ${lost.length} trial(s) to another process: renewals came ${gap} ms apart (lease ${leaseMs} ms), ` +
              'so the process or the database was held up; those trials may be driven by two processes (each move is stored once). ' +
              'A longer lease (--lease-seconds) rides out such pauses',
          );
      } catch (error) {
        onWarning?.(`could not renew leases: ${(error as Error).message}`);
      }
    }
    next(everyMs - (Date.now() - asked));
  };
  next(everyMs);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export function serve(db: Database, options: ServeOptions): ServeHandle {
  const owner = options.owner ?? serviceOwner();
  let concurrency = options.concurrency ?? 32;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 1_000;
  const summary: ServeSummary = { owner, driven: 0, outcomes: { finished: 0, aborted: 0, waiting: 0 } };
  // Trials in flight stop at their next move once the service is told to stop (their moves so far stored).
  const stopping = options.signal ?? new AbortController().signal;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };

  const done = (async () => {
    const contexts = await experimentContexts(db, options.experimentIds, options.factories);
    if (options.concurrency === undefined && [...contexts.values()].every((e) => allSimulated(e.config)))
      concurrency = SIMULATED_CONCURRENCY;
    for (const [experimentId, { context }] of contexts) await reconcileOwedMoves(db, experimentId, context);
    const stoppingRule = stoppingChecks(db, contexts, options, () => wake());
    await stoppingRule.now();
    const stopListening = await db.listen(NOTIFY_CHANNEL, (experimentId) => {
      if (contexts.has(experimentId)) wake();
    });
    options.onReady?.();
    const inFlight = new Map<string, Promise<void>>();
    // The trials whose lease this service still means to hold: from their claim until their driving
    // settles. A trial's last append lets go of its lease in the same statement, and its entry in
    // inFlight outlives that (the release of a waiting trial, the bookkeeping after it); renewing those
    // found them "lost" (the false alarms of the Discord bench, where one process ran alone).
    const leased = new Set<string>();
    const renewals = leaseRenewals(db, owner, leaseMs, leased, options.onWarning);
    const onAbort = () => wake();
    options.signal?.addEventListener('abort', onAbort);
    let failure = null as { error: unknown } | null;
    // Trials whose driving the database cut short (it went away): still leased to us, let go of once
    // it answers again, so that they are claimed afresh.
    const stranded = new Set<string>();
    const outage = backoff(options.onWarning);
    try {
      for (;;) {
        // Let the event loop turn: with simulated participants on the embedded database every step
        // resolves at once, and a signal (Ctrl-C) would not be seen until the last trial.
        await new Promise((resolve) => setImmediate(resolve));
        if (options.signal?.aborted || failure) break;
        woken = false;
        const room = concurrency - inFlight.size;
        let claimed: Array<{ id: string; experimentId: string }>;
        let active = 1;
        try {
          if (stranded.size > 0) {
            const ids = [...stranded];
            await db.trials.release(owner, ids);
            for (const id of ids) stranded.delete(id);
          }
          // No trial of an experiment is started while its stopping rule is being decided: one
          // started then may be one the rule would have spared (a judgment paid for after the answer
          // was known), and fast trials outran slow checks (7 of 60 stopped on a busy machine).
          const open = [...contexts.keys()].filter((id) => !stoppingRule.deciding(id));
          claimed = room > 0 && open.length > 0 ? await db.trials.claim(open, owner, room, leaseMs) : [];
          if (options.untilIdle && inFlight.size === 0 && claimed.length === 0)
            active = await countActive(db, [...contexts.keys()]);
          outage.recovered();
        } catch (error) {
          if (!isTransientDatabaseError(error)) throw error;
          await outage.wait(error, options.signal);
          continue;
        }
        for (const { id: trialId, experimentId } of claimed) {
          const entry = contexts.get(experimentId)!;
          leased.add(trialId);
          const run = (async () => {
            let release = true;
            try {
              const outcome = await driveTrial(trialId, { ...entry.context, signal: stopping }).finally(() =>
                leased.delete(trialId),
              );
              // The append that finished or aborted the trial let go of its lease in the same statement.
              release = outcome === 'waiting';
              summary.driven += 1;
              summary.outcomes[outcome] += 1;
              options.onTrial?.(trialId, outcome);
              if (outcome === 'finished') stoppingRule.soon(experimentId);
            } catch (error) {
              if (error instanceof DriveInterrupted) summary.interrupted = (summary.interrupted ?? 0) + 1;
              else if (isTransientDatabaseError(error)) {
                stranded.add(trialId);
                release = false;
              } else if (options.failFast) failure ??= { error };
              else {
                options.onWarning?.(
                  `trial ${trialId}: ${(error as Error).message} (tried again after ${leaseMs} ms)`,
                );
                release = false;
              }
            } finally {
              if (release) await db.trials.release(owner, [trialId]).catch(() => {});
              inFlight.delete(trialId);
              wake();
            }
          })();
          inFlight.set(trialId, run);
        }
        if (claimed.length > 0 && inFlight.size < concurrency) continue;
        if (options.untilIdle && inFlight.size === 0 && claimed.length === 0 && stranded.size === 0) {
          if (active === 0) break;
        }
        if (!woken)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, pollMs);
            wakeUp = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        wakeUp = null;
      }
      await Promise.all(inFlight.values());
      await stoppingRule.settled();
      if (failure) throw failure.error;
    } finally {
      renewals.stop();
      options.signal?.removeEventListener('abort', onAbort);
      await stopListening().catch(() => {});
    }
    return summary;
  })();
  return { wake, done };
}

/**
 * The stopping rule, checked for each experiment that has one: once at start, then after trials
 * finish, one check at a time per experiment and at most every `stoppingCheckMs` (default: five
 * times the last check's duration), unless a tenth more trials (at least one) have finished here since
 * the last check: then it runs at once. The time bound keeps a slow check from eating the service; the
 * count bound keeps fast trials (simulated judges, the embedded database) from all finishing inside
 * one interval, which would run the arm to the end the rule was there to spare (checks still number
 * only about 10 x ln(trials), each reading the arm's verdicts once). An arm it stops is
 * swept once (its unstarted trials stopped); a check that fails (the database away) is retried by
 * the next finished trial.
 */
function stoppingChecks(
  db: Database,
  contexts: Map<string, { config: ExperimentConfig; context: DriveContext }>,
  options: ServeOptions,
  /** Called when a check ends: trials held back while it ran may be claimed now. */
  decided: () => void,
) {
  interface Check {
    swept: Set<string>;
    running: Promise<void> | null;
    /** A trial finished while a check ran: check again after it. */
    again: boolean;
    timer: ReturnType<typeof setTimeout> | null;
    last: number;
    /** How long the last check took. */
    took: number;
    /** Trials finished here so far, and at the start of the last check. */
    finished: number;
    finishedAtLast: number;
  }
  const state = new Map<string, Check>();
  for (const [id, { config }] of contexts)
    if (config.stopping)
      state.set(id, {
        swept: new Set(),
        running: null,
        again: false,
        timer: null,
        last: 0,
        took: 0,
        finished: 0,
        finishedAtLast: 0,
      });
  const check = (experimentId: string): Promise<void> => {
    const s = state.get(experimentId)!;
    const { config, context } = contexts.get(experimentId)!;
    s.last = Date.now();
    s.finishedAtLast = s.finished;
    const started = performance.now();
    s.running = applyStoppingRule(db, context, experimentId, config, s.swept)
      .then(
        (outcomes) => {
          for (const o of outcomes) options.onStopped?.(experimentId, o);
        },
        (error: unknown) =>
          options.onWarning?.(`stopping rule of ${experimentId}: ${(error as Error).message}`),
      )
      .finally(() => {
        s.took = performance.now() - started;
        s.running = null;
        decided();
        if (s.again) {
          s.again = false;
          schedule(experimentId);
        }
      });
    return s.running;
  };
  /** A trial of the experiment finished here. */
  const soon = (experimentId: string) => {
    const s = state.get(experimentId);
    if (!s) return;
    s.finished += 1;
    schedule(experimentId);
  };
  const schedule = (experimentId: string) => {
    const s = state.get(experimentId)!;
    if (s.running) {
      s.again = true;
      return;
    }
    const dueByCount = s.finished - s.finishedAtLast >= Math.max(1, Math.ceil(s.finishedAtLast / 10));
    const wait = (options.stoppingCheckMs ?? 5 * s.took) - (Date.now() - s.last);
    if (wait <= 0 || dueByCount) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = null;
      void check(experimentId);
      return;
    }
    if (s.timer) return;
    s.timer = setTimeout(() => {
      s.timer = null;
      void check(experimentId);
    }, wait);
  };
  return {
    async now() {
      for (const id of state.keys()) await check(id);
    },
    soon,
    /** A check of the experiment's rule is running. */
    deciding: (experimentId: string) => {
      const s = state.get(experimentId);
      return s !== undefined && s.running !== null;
    },
    /** Waits for running checks; a check that was waiting for its interval runs now, the last one. */
    async settled() {
      for (const [id, s] of state) {
        await s.running;
        if (s.timer || s.again) {
          if (s.timer) clearTimeout(s.timer);
          s.timer = null;
          s.again = false;
          await check(id);
        }
      }
    },
  };
}

/**
 * Waiting out a database that went away (a server restarting, a connection cut): exponential back-off
 * from 100 ms to 5 s with jitter, saying so once when it starts and once when the database is back.
 */
function backoff(onWarning: ServeOptions['onWarning']) {
  let attempt = 0;
  let since = 0;
  return {
    async wait(error: unknown, signal: AbortSignal | undefined) {
      if (attempt === 0) {
        since = Date.now();
        onWarning?.(`the database is unreachable (${(error as Error).message.split('\n')[0]}); retrying`);
      }
      const ms = Math.min(5_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    recovered() {
      if (attempt === 0) return;
      onWarning?.(`the database answers again after ${((Date.now() - since) / 1000).toFixed(1)} s`);
      attempt = 0;
    },
  };
}

async function countActive(db: Database, experimentIds: readonly string[]): Promise<number> {
  let active = 0;
  for (const id of experimentIds) active += (await db.trials.countByStatus(id)).active ?? 0;
  return active;
}

/**
 * Drives one trial in this process if no service holds it (e.g. right after a person's move at the
 * terminal); returns null when another process has it, which will drive it.
 */
export async function driveIfFree(
  db: Database,
  context: DriveContext,
  trialId: string,
  owner = serviceOwner(),
  leaseMs = 30_000,
): Promise<DriveOutcome | null> {
  if (!(await db.trials.claimTrial(trialId, owner, leaseMs))) return null;
  const renew = setInterval(
    () => {
      db.trials.renew(owner, [trialId], leaseMs).catch(() => {});
    },
    Math.floor(leaseMs / 3),
  );
  try {
    return await driveTrial(trialId, context);
  } finally {
    clearInterval(renew);
    await db.trials.release(owner, [trialId]);
  }
}

/** A service that cannot start as asked; the message says why. */
export class ServeError extends Error {
  override name = 'ServeError';
}
