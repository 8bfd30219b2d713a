// Real `oversight` processes for the benchmarks, started behind a gate: every trial of the experiment
// is leased to a placeholder until all processes are up, so start-up (loading, migrating, connecting)
// is not counted; the rate runs from opening the gate to the last event appended.
import { fileURLToPath } from 'node:url';
import { type Database, NOTIFY_CHANNEL } from '@oversight/db';
import { spawnChild } from '@oversight/testkit';

export const launcher = fileURLToPath(new URL('../bin/oversight.mjs', import.meta.url));

export interface Span {
  /** Trials finished, and events appended after planning (seq > 0). */
  trials: number;
  events: number;
  seconds: number;
}

/** Leases every trial of the experiment to nobody for an hour: no process can start on one. */
export async function closeGate(db: Database, experimentId: string): Promise<void> {
  await db.prisma.trial.updateMany({
    where: { experimentId },
    data: { leaseOwner: 'gate', leaseUntil: new Date(Date.now() + 3_600_000) },
  });
}

/** Starts `processes` `oversight serve <experiment> --until-idle`, opens the gate once all are up, waits for them. */
export async function serveBehindGate(
  db: Database,
  databaseUrl: string,
  experimentId: string,
  processes: number,
  extra: readonly string[] = [],
): Promise<Span> {
  await closeGate(db, experimentId);
  const children = Array.from({ length: processes }, () => {
    const child = spawnChild(process.execPath, [launcher, 'serve', experimentId, '--until-idle', ...extra], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const up = new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        err += chunk;
        if (err.includes('serving')) resolve();
      });
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { up, exit, err: () => err };
  });
  await Promise.all(children.map((c) => c.up));
  await db.prisma.trial.updateMany({
    where: { experimentId, leaseOwner: 'gate' },
    data: { leaseOwner: null, leaseUntil: null },
  });
  // The clock starts once the trials are free: undoing the gate is the bench's work, not the services'.
  const opened = new Date();
  // Wake them now, as a person's move would, rather than at their next poll.
  await db.prisma.$executeRaw`SELECT pg_notify(${NOTIFY_CHANNEL}, ${experimentId})`;
  const codes = await Promise.all(children.map((c) => c.exit));
  if (codes.some((c) => c !== 0))
    throw new Error(
      `a serve process failed (exit ${codes.join(', ')}):\n${children.map((c) => c.err()).join('\n')}`,
    );
  return spanSince(db, experimentId, opened);
}

/**
 * Finished trials and events appended since `from`, to the last append. Without `from` the clock
 * starts at the first append, so what that append stored (made before the clock started) is not
 * counted: a trial counts when its last event came later, an event when it did.
 */
export async function spanSince(db: Database, experimentId: string, from?: Date): Promise<Span> {
  const [row] = await db.prisma.$queryRaw<
    Array<{
      first: Date;
      last: Date;
      events: number;
      eventsAfter: number;
      trials: number;
      trialsAfter: number;
    }>
  >`
    WITH e AS (
      SELECT e."trialId", e."recordedAt" FROM "TrialEvent" e
      WHERE e."trialId" IN (SELECT "id" FROM "Trial" WHERE "experimentId" = ${experimentId}) AND e."seq" > 0
    ), span AS (SELECT min("recordedAt") AS first, max("recordedAt") AS last FROM e),
    ended AS (
      SELECT max(e."recordedAt") AS at FROM e
      JOIN "Trial" t ON t."id" = e."trialId" AND t."status" = 'finished' GROUP BY e."trialId"
    )
    SELECT span.first, span.last,
      (SELECT count(*)::int FROM e) AS events,
      (SELECT count(*)::int FROM e WHERE e."recordedAt" > span.first) AS "eventsAfter",
      (SELECT count(*)::int FROM ended) AS trials,
      (SELECT count(*)::int FROM ended WHERE ended.at > span.first) AS "trialsAfter"
    FROM span`;
  const r = row!;
  const start = from ?? r.first;
  return {
    trials: from ? r.trials : r.trialsAfter,
    events: from ? r.events : r.eventsAfter,
    seconds: (r.last.getTime() - start.getTime()) / 1000,
  };
}
