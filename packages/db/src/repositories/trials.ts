import { createHash } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { OwedMoveRow, SeatRow, TrialInput, TrialRow } from '../types.ts';
import { BATCH, chunks, json } from './json.ts';

export interface TrialListOptions {
  status?: readonly string[];
  limit?: number;
  /** Cursor: only trials with id > afterId (pass the last id of the previous page). */
  afterId?: string;
}

export interface OpenSeatQuery {
  experimentId: string;
  /** The person asking: trials where they hold or held a seat, and (for judge seats) stories they saw, are left out. */
  participantId: string;
  roles: readonly string[];
  arms: readonly string[];
  /** At most this many per arm, earliest in the plan first. */
  perArm?: number;
}

export interface TrialsRepository {
  /**
   * Creates trials with their seq-0 event, the moves due at the start and the seats taken at planning,
   * one transaction per batch. Trials that already exist are skipped (with their events and who owes
   * them untouched), so re-planning after a crash is safe. Returns how many were new.
   */
  createMany(rows: readonly TrialInput[]): Promise<number>;
  /** Ordered by id; use limit + afterId to page through millions of trials. */
  list(experimentId: string, options?: TrialListOptions): Promise<TrialRow[]>;
  countByStatus(experimentId: string): Promise<Record<string, number>>;
  countByArm(experimentId: string): Promise<Record<string, number>>;
  get(id: string): Promise<TrialRow | null>;
  /** The trial a chat button's short handle (see trialRef) stands for. */
  byRef(ref: string): Promise<TrialRow | null>;
  /** The moves a participant owes, oldest first (optionally in one experiment). */
  owedBy(participantId: string, experimentId?: string): Promise<OwedMoveRow[]>;
  /** Every move due in the experiment's trials that are not finished (for status and admin views). */
  owedIn(experimentId: string, options?: { limit?: number }): Promise<OwedMoveRow[]>;
  /** Due moves in open seats this participant may take (see OpenSeatQuery). */
  openSeats(query: OpenSeatQuery): Promise<OwedMoveRow[]>;
  /** Every seat the participant held in the experiment, in the order they got them. */
  seatsOf(experimentId: string, participantId: string): Promise<SeatRow[]>;
  /** Unfinished trials with no OwedMove rows (stored before those rows existed); for reconciling. */
  withoutOwedMoves(experimentId: string, limit: number): Promise<string[]>;
  /**
   * Leases up to `limit` active trials of these experiments for `leaseMs` to `owner`, skipping those
   * another process holds (FOR UPDATE SKIP LOCKED) unless its lease has expired (database clock).
   */
  claim(
    experimentIds: readonly string[],
    owner: string,
    limit: number,
    leaseMs: number,
  ): Promise<Array<{ id: string; experimentId: string }>>;
  /** Leases one trial if it is active and nobody else holds it; true when this owner now holds it. */
  claimTrial(id: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Extends the owner's leases; returns the ids still held. */
  renew(owner: string, ids: readonly string[], leaseMs: number): Promise<string[]>;
  release(owner: string, ids: readonly string[]): Promise<void>;
}

const owedColumns = Prisma.sql`o."trialId", o."role", o."participantId", o."experimentId", o."arm", o."storyId",
  o."ordinal", o."sinceSeq", o."since", o."human"`;

export function trialsRepository(prisma: PrismaClient): TrialsRepository {
  return {
    async createMany(rows) {
      let created = 0;
      // recordedAt is set here, not by the column default: CURRENT_TIMESTAMP on a `timestamp` column
      // follows the session time zone, whereas Prisma reads and writes these columns as UTC.
      const recordedAt = new Date();
      for (const batch of chunks(rows, BATCH)) {
        const owed = batch.flatMap((t) => t.owed.map((o) => ({ trialId: t.id, ...o })));
        const seats = batch.flatMap((t) => t.seats.map((s) => ({ trialId: t.id, ...s })));
        // The event insert skips (trialId, 0) rows that exist, i.e. exactly the trials skipped above it;
        // owed moves and seats are written only for trials nothing has been appended to yet.
        const [trials] = await prisma.$transaction([
          prisma.trial.createMany({
            data: batch.map(({ created: _event, owed: _owed, seats: _seats, ...trial }) => ({
              ...trial,
              ref: trialRef(trial.id),
              nextSeq: 1,
            })),
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
          prisma.$executeRaw`
            INSERT INTO "OwedMove" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "ordinal", "sinceSeq", "since", "human")
            SELECT t."id", x."role", x."participantId", t."experimentId", t."arm", t."storyId", t."ordinal", x."sinceSeq", ${recordedAt}::timestamp(3), x."human"
            FROM jsonb_to_recordset(${JSON.stringify(owed)}::jsonb)
              AS x("trialId" text, "role" text, "participantId" text, "sinceSeq" int, "human" boolean)
            JOIN "Trial" t ON t."id" = x."trialId" AND t."nextSeq" = 1
            ON CONFLICT DO NOTHING`,
          prisma.$executeRaw`
            INSERT INTO "Seat" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "assignedAt")
            SELECT t."id", x."role", x."participantId", t."experimentId", t."arm", t."storyId", ${recordedAt}::timestamp(3)
            FROM jsonb_to_recordset(${JSON.stringify(seats)}::jsonb) AS x("trialId" text, "role" text, "participantId" text)
            JOIN "Trial" t ON t."id" = x."trialId"
            ON CONFLICT DO NOTHING`,
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

    get(id) {
      return prisma.trial.findUnique({ where: { id } });
    },

    byRef(ref) {
      return prisma.trial.findUnique({ where: { ref } });
    },

    owedBy(participantId, experimentId) {
      return prisma.owedMove.findMany({
        where: { participantId, ...(experimentId !== undefined ? { experimentId } : {}) },
        orderBy: [{ since: 'asc' }, { trialId: 'asc' }],
      });
    },

    owedIn(experimentId, options = {}) {
      return prisma.owedMove.findMany({
        where: { experimentId },
        orderBy: [{ since: 'asc' }, { trialId: 'asc' }, { role: 'asc' }],
        ...(options.limit !== undefined ? { take: options.limit } : {}),
      });
    },

    async openSeats({ experimentId, participantId, roles, arms, perArm = 50 }) {
      if (roles.length === 0 || arms.length === 0) return [];
      // Per arm, the earliest open seats in the plan that this person may take: an index range scan each,
      // however many trials the experiment has.
      return prisma.$queryRaw<OwedMoveRow[]>`
        SELECT ${owedColumns}
        FROM unnest(${[...arms]}::text[]) AS a(arm)
        CROSS JOIN LATERAL (
          SELECT * FROM "OwedMove" o
          WHERE o."experimentId" = ${experimentId} AND o."participantId" IS NULL AND o."arm" = a.arm
            AND o."role" = ANY(${[...roles]}::text[])
            AND NOT EXISTS (
              SELECT 1 FROM "Seat" s
              WHERE s."experimentId" = ${experimentId} AND s."participantId" = ${participantId}
                AND (s."trialId" = o."trialId" OR (o."role" = 'judge' AND s."storyId" = o."storyId"))
            )
          ORDER BY o."ordinal", o."role"
          LIMIT ${perArm}
        ) o`;
    },

    seatsOf(experimentId, participantId) {
      return prisma.seat.findMany({
        where: { experimentId, participantId },
        orderBy: [{ assignedAt: 'asc' }, { trialId: 'asc' }],
      });
    },

    async withoutOwedMoves(experimentId, limit) {
      const rows = await prisma.$queryRaw<Array<{ id: string }>>`
        SELECT t."id" FROM "Trial" t
        WHERE t."experimentId" = ${experimentId} AND t."status" IN ('active', 'waiting')
          AND NOT EXISTS (SELECT 1 FROM "OwedMove" o WHERE o."trialId" = t."id")
        ORDER BY t."id" LIMIT ${limit}`;
      return rows.map((r) => r.id);
    },

    async claim(experimentIds, owner, limit, leaseMs) {
      if (experimentIds.length === 0 || limit <= 0) return [];
      return prisma.$queryRaw<Array<{ id: string; experimentId: string }>>`
        UPDATE "Trial" t SET "leaseOwner" = ${owner}, "leaseUntil" = (now() AT TIME ZONE 'UTC') + ${leaseMs} * interval '1 millisecond'
        WHERE t."id" IN (
          SELECT c."id" FROM "Trial" c
          WHERE c."status" = 'active' AND c."experimentId" = ANY(${[...experimentIds]}::text[])
            AND (c."leaseUntil" IS NULL OR c."leaseUntil" < (now() AT TIME ZONE 'UTC'))
          ORDER BY c."ordinal"
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        )
        RETURNING t."id", t."experimentId"`;
    },

    async claimTrial(id, owner, leaseMs) {
      const rows = await prisma.$queryRaw<Array<{ id: string }>>`
        UPDATE "Trial" SET "leaseOwner" = ${owner}, "leaseUntil" = (now() AT TIME ZONE 'UTC') + ${leaseMs} * interval '1 millisecond'
        WHERE "id" = ${id} AND "status" = 'active'
          AND ("leaseUntil" IS NULL OR "leaseUntil" < (now() AT TIME ZONE 'UTC') OR "leaseOwner" = ${owner})
        RETURNING "id"`;
      return rows.length === 1;
    },

    async renew(owner, ids, leaseMs) {
      if (ids.length === 0) return [];
      const rows = await prisma.$queryRaw<Array<{ id: string }>>`
        UPDATE "Trial" SET "leaseUntil" = (now() AT TIME ZONE 'UTC') + ${leaseMs} * interval '1 millisecond'
        WHERE "id" = ANY(${[...ids]}::text[]) AND "leaseOwner" = ${owner}
        RETURNING "id"`;
      return rows.map((r) => r.id);
    },

    async release(owner, ids) {
      if (ids.length === 0) return;
      await prisma.$executeRaw`
        UPDATE "Trial" SET "leaseOwner" = NULL, "leaseUntil" = NULL
        WHERE "id" = ANY(${[...ids]}::text[]) AND "leaseOwner" = ${owner}`;
    },
  };
}

/**
 * A trial's short handle for chat buttons (Discord allows 100 characters in a component id): 72 bits
 * of its id's SHA-256, so two trials never share one in practice (a clash fails the unique index).
 */
export function trialRef(trialId: string): string {
  return createHash('sha256').update(trialId, 'utf8').digest('base64url').slice(0, 12);
}
