import type { PrismaClient } from '../generated/prisma/client.ts';
import type { TrialInput, TrialRow } from '../types.ts';
import { BATCH, chunks, json } from './json.ts';

export interface TrialListOptions {
  status?: readonly string[];
  limit?: number;
  /** Cursor: only trials with id > afterId (pass the last id of the previous page). */
  afterId?: string;
}

export interface TrialsRepository {
  /**
   * Creates trials with their seq-0 event, one transaction per batch. Trials that already exist are
   * skipped (with their events untouched), so re-planning after a crash is safe. Returns how many were new.
   */
  createMany(rows: readonly TrialInput[]): Promise<number>;
  /** Ordered by id; use limit + afterId to page through millions of trials. */
  list(experimentId: string, options?: TrialListOptions): Promise<TrialRow[]>;
  countByStatus(experimentId: string): Promise<Record<string, number>>;
  countByArm(experimentId: string): Promise<Record<string, number>>;
  /** Trials in status 'waiting' whose next move is owed by this judge/participant id. */
  waitingFor(participantId: string, experimentId?: string): Promise<TrialRow[]>;
  get(id: string): Promise<TrialRow | null>;
}

export function trialsRepository(prisma: PrismaClient): TrialsRepository {
  return {
    async createMany(rows) {
      let created = 0;
      // recordedAt is set here, not by the column default: CURRENT_TIMESTAMP on a `timestamp` column
      // follows the session time zone, whereas Prisma reads and writes these columns as UTC.
      const recordedAt = new Date();
      for (const batch of chunks(rows, BATCH)) {
        // The event insert skips (trialId, 0) rows that exist, i.e. exactly the trials skipped above it.
        const [trials] = await prisma.$transaction([
          prisma.trial.createMany({
            data: batch.map(({ created: _event, ...trial }) => ({ ...trial, nextSeq: 1 })),
            skipDuplicates: true,
          }),
          prisma.trialEvent.createMany({
            data: batch.map((t) => ({
              trialId: t.id,
              seq: 0,
              type: t.created.type,
              payload: json(t.created),
              recordedAt,
            })),
            skipDuplicates: true,
          }),
        ]);
        created += trials.count;
      }
      return created;
    },

    list(experimentId, options = {}) {
      return prisma.trial.findMany({
        where: {
          experimentId,
          ...(options.status !== undefined ? { status: { in: [...options.status] } } : {}),
          ...(options.afterId !== undefined ? { id: { gt: options.afterId } } : {}),
        },
        orderBy: { id: 'asc' },
        ...(options.limit !== undefined ? { take: options.limit } : {}),
      });
    },

    async countByStatus(experimentId) {
      const groups = await prisma.trial.groupBy({
        by: ['status'],
        where: { experimentId },
        _count: { _all: true },
      });
      return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
    },

    async countByArm(experimentId) {
      const groups = await prisma.trial.groupBy({
        by: ['arm'],
        where: { experimentId },
        _count: { _all: true },
      });
      return Object.fromEntries(groups.map((g) => [g.arm, g._count._all]));
    },

    waitingFor(participantId, experimentId) {
      return prisma.trial.findMany({
        where: {
          waitingOn: participantId,
          status: 'waiting',
          ...(experimentId !== undefined ? { experimentId } : {}),
        },
        orderBy: { id: 'asc' },
      });
    },

    get(id) {
      return prisma.trial.findUnique({ where: { id } });
    },
  };
}
