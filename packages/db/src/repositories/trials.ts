import { randomBytes } from 'node:crypto';
import { TrialIdClashError } from '../errors.ts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { RawQuery } from '../raw.ts';
import type { OwedMoveRow, SeatRow, StoryRepeatRow, StorySeenRow, TrialInput, TrialRow } from '../types.ts';
import { groupCommit } from './group-commit.ts';
import { chunks } from './json.ts';

/** Trials per planning statement: a few megabytes of JSON, one commit. */
const PLAN_BATCH = 1000;

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
  /**
   * Whether stories the person saw in other experiments on the same dataset (joined under the same
   * platform identity) count as seen; true unless the config says `eachStoryOnce: "per-experiment"`.
   */
  acrossExperiments?: boolean;
}

export interface StoriesSeenQuery {
  experimentId: string;
  participantId: string;
  /** As in OpenSeatQuery; true when omitted. */
  acrossExperiments?: boolean;
  /** Only seats on this story. */
  storyId?: string;
}

export interface TrialsRepository {
  /**
   * Creates trials with their seq-0 event, the moves due at the start and the seats taken at planning,
   * one transaction per batch. Trials that already exist are skipped (with their events and who owes
   * them untouched), so re-planning after a crash is safe. Returns how many were new. Throws
   * TrialIdClashError, writing nothing of that batch, when an id is stored under another experiment.
   */
  createMany(rows: readonly TrialInput[]): Promise<number>;
  /**
   * Of these trial ids, those stored under another experiment than `experimentId` (at most `limit`):
   * what planning must refuse rather than skip. An index probe per id.
   */
  heldElsewhere(
    experimentId: string,
    ids: readonly string[],
    limit?: number,
  ): Promise<Array<{ id: string; experimentId: string }>>;
  /** Ordered by id; use limit + afterId to page through millions of trials. */
  list(experimentId: string, options?: TrialListOptions): Promise<TrialRow[]>;
  countByStatus(experimentId: string): Promise<Record<string, number>>;
  countByArm(experimentId: string): Promise<Record<string, number>>;
  get(id: string): Promise<TrialRow | null>;
  /** The trials of these ids that exist, in one query, in no particular order. */
  getMany(ids: readonly string[]): Promise<TrialRow[]>;
  /** The trial a handle (see newTrialRef) stands for. */
  byRef(ref: string): Promise<TrialRow | null>;
  /** The moves a participant owes, oldest first (optionally in one experiment). */
  owedBy(participantId: string, experimentId?: string): Promise<OwedMoveRow[]>;
  /** Every move due in the experiment's trials that are not finished (for status and admin views). */
  owedIn(experimentId: string, options?: { limit?: number }): Promise<OwedMoveRow[]>;
  /** How many moves are due, per holder (null: an open seat), role and whether a person owes them: one query. */
  owedSummary(
    experimentId: string,
  ): Promise<Array<{ participantId: string | null; role: string; human: boolean; moves: number }>>;
  /** Due moves in open seats this participant may take (see OpenSeatQuery). */
  openSeats(query: OpenSeatQuery): Promise<OwedMoveRow[]>;
  /** Every seat the participant held in the experiment, in the order they got them. */
  seatsOf(experimentId: string, participantId: string): Promise<SeatRow[]>;
  /**
   * Every seat in which the person saw a story of the experiment's dataset, in the order they got
   * them: their seats in this experiment and (acrossExperiments) those of every participant with
   * their platform identity in other experiments, on trials of the same dataset. One query, by indexes.
   */
  storiesSeen(query: StoriesSeenQuery): Promise<StorySeenRow[]>;
  /**
   * For a design audit: the judge seats of the experiment held by a person who had seen the story
   * before (an earlier seat in this experiment, or in another experiment on the same dataset under
   * the same platform identity), one row per earlier seat, in order. Only people (kind "human"):
   * an automatic judge remembers nothing from one trial to the next.
   */
  storyRepeats(experimentId: string): Promise<StoryRepeatRow[]>;
  /**
   * Unfinished trials with no OwedMove rows (stored before those rows existed), in pages of at most
   * `pageSize`; for reconciling. Nothing to read when every unfinished trial has its rows.
   */
  withoutOwedMoves(experimentId: string, pageSize: number): AsyncGenerator<string[], void, undefined>;
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
  /**
   * Extends the owner's leases (held still, even if their time ran out while nobody took them). Of the
   * others, `taken` are those another owner holds now; the rest hold no lease (their trial ended, or was
   * let go of), which is not a loss.
   */
  renew(owner: string, ids: readonly string[], leaseMs: number): Promise<{ kept: string[]; taken: string[] }>;
  release(owner: string, ids: readonly string[]): Promise<void>;
}

const owedColumns = Prisma.sql`o."trialId", o."role", o."participantId", o."experimentId", o."arm", o."storyId",
  o."ordinal", o."sinceSeq", o."since", o."human"`;

/**
 * The seats in which a person saw a story of the experiment's dataset (see storiesSeen): theirs in
 * the experiment, and those of the participants with their platform identity in other experiments
 * whose trials are on the same dataset. An experiment's trials share one dataset (planning records
 * the one it was planned for), so one trial of it names the dataset. Indexes: Participant's key and
 * identity, Seat (experimentId, participantId), Trial's key.
 */
function storiesSeenSql(experimentId: string, participantId: string, acrossExperiments: boolean): Prisma.Sql {
  return Prisma.sql`
    SELECT s."storyId", s."experimentId", s."trialId", s."role", s."assignedAt"
    FROM "Seat" s WHERE s."experimentId" = ${experimentId} AND s."participantId" = ${participantId}
    UNION ALL
    SELECT s."storyId", s."experimentId", s."trialId", s."role", s."assignedAt"
    FROM "Participant" me
    JOIN "Participant" p ON p."identity" = me."identity" AND p."experimentId" <> me."experimentId"
    JOIN "Seat" s ON s."experimentId" = p."experimentId" AND s."participantId" = p."id"
    JOIN "Trial" t ON t."id" = s."trialId"
    WHERE ${acrossExperiments}::boolean AND me."experimentId" = ${experimentId} AND me."id" = ${participantId}
      AND t."dataset" = (SELECT "dataset" FROM "Trial" WHERE "experimentId" = ${experimentId} LIMIT 1)`;
}

export function trialsRepository(prisma: PrismaClient, raw: RawQuery): TrialsRepository {
  // A service lets go of trials one by one as they finish; those let go of at the same time share a statement.
  const releaseQueued = groupCommit<{ owner: string; ids: readonly string[] }, void>(
    async (items) => {
      const byOwner = new Map<string, string[]>();
      for (const { owner, ids } of items) byOwner.set(owner, [...(byOwner.get(owner) ?? []), ...ids]);
      for (const [owner, ids] of byOwner)
        await prisma.$executeRaw`
          UPDATE "Trial" SET "leaseOwner" = NULL, "leaseUntil" = NULL
          WHERE "id" = ANY(${ids}::text[]) AND "leaseOwner" = ${owner}`;
      return items.map(() => undefined);
    },
    { maxItems: 5_000, maxInFlight: 1 },
  );
  return {
    async createMany(rows) {
      let created = 0;
      // recordedAt is set here, not by the column default: CURRENT_TIMESTAMP on a `timestamp` column
      // follows the session time zone, whereas Prisma reads and writes these columns as UTC.
      const at = Prisma.sql`${new Date()}::timestamp(3)`;
      for (const batch of chunks(rows, PLAN_BATCH)) {
        // A resumed plan meets the trials it stored before the crash: an index probe skips them unwritten.
        // The same probe finds ids another experiment holds, which must not be skipped as if they were
        // this one's (persistPlan checks before its first write; this guards every other caller).
        const owners = Object.fromEntries(batch.map((t) => [t.id, t.experimentId]));
        const [present] = await raw<{
          n: number;
          clashes: Array<{ id: string; experimentId: string }> | null;
        }>(
          Prisma.sql`
          SELECT count(*)::int AS "n",
            jsonb_agg(jsonb_build_object('id', t."id", 'experimentId', t."experimentId"))
              FILTER (WHERE t."experimentId" <> ${JSON.stringify(owners)}::jsonb ->> t."id") AS "clashes"
          FROM "Trial" t WHERE t."id" = ANY(${batch.map((t) => t.id)}::text[])`,
        );
        if (present?.clashes) throw new TrialIdClashError(batch[0]!.experimentId, present.clashes);
        if (present?.n === batch.length) continue;
        const trials = batch.map(({ owed: _owed, seats: _seats, ...trial }) => ({
          ...trial,
          ref: newTrialRef(),
        }));
        const owed = batch.flatMap((t) => t.owed.map((o) => ({ trialId: t.id, ...o })));
        const seats = batch.flatMap((t) => t.seats.map((s) => ({ trialId: t.id, ...s })));
        // One statement: the trials not stored yet, and only for those their seq-0 event, the moves due
        // and the seats, so a trial planned again after a crash keeps what was appended to it since.
        const [row] = await raw<{ created: number }>(Prisma.sql`
          WITH x AS (
            SELECT * FROM jsonb_to_recordset(${JSON.stringify(trials)}::jsonb) AS x("id" text, "experimentId" text,
              "arm" text, "protocol" text, "dataset" text, "questionId" text, "storyId" text, "judgeId" text,
              "ordinal" int, "status" text, "ref" text, "created" jsonb)
          ), tr AS (
            INSERT INTO "Trial" ("id", "experimentId", "arm", "protocol", "dataset", "questionId", "storyId", "judgeId",
              "ordinal", "status", "ref", "nextSeq", "updatedAt")
            SELECT x."id", x."experimentId", x."arm", x."protocol", x."dataset", x."questionId", x."storyId", x."judgeId",
              x."ordinal", x."status", x."ref", 1, ${at}
            FROM x ORDER BY x."id"
            ON CONFLICT ("id") DO NOTHING
            RETURNING "id", "experimentId", "arm", "storyId", "ordinal"
          ), ev AS (
            INSERT INTO "TrialEvent" ("trialId", "seq", "type", "payload", "recordedAt")
            SELECT x."id", 0, x."created"->>'type', x."created", ${at} FROM x JOIN tr ON tr."id" = x."id"
            RETURNING 1
          ), ow AS (
            INSERT INTO "OwedMove" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "ordinal", "sinceSeq", "since", "human")
            SELECT tr."id", o."role", o."participantId", tr."experimentId", tr."arm", tr."storyId", tr."ordinal", o."sinceSeq", ${at}, o."human"
            FROM jsonb_to_recordset(${JSON.stringify(owed)}::jsonb)
              AS o("trialId" text, "role" text, "participantId" text, "sinceSeq" int, "human" boolean)
            JOIN tr ON tr."id" = o."trialId"
            ON CONFLICT DO NOTHING
            RETURNING 1
          ), se AS (
            INSERT INTO "Seat" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "assignedAt")
            SELECT tr."id", s."role", s."participantId", tr."experimentId", tr."arm", tr."storyId", ${at}
            FROM jsonb_to_recordset(${JSON.stringify(seats)}::jsonb) AS s("trialId" text, "role" text, "participantId" text)
            JOIN tr ON tr."id" = s."trialId"
            ON CONFLICT DO NOTHING
            RETURNING 1
          )
          SELECT (SELECT count(*) FROM tr)::int AS "created"`);
        created += row?.created ?? 0;
      }
      return created;
    },

    async heldElsewhere(experimentId, ids, limit = 5) {
      if (ids.length === 0) return [];
      return prisma.$queryRaw<Array<{ id: string; experimentId: string }>>`
        SELECT "id", "experimentId" FROM "Trial"
        WHERE "id" = ANY(${[...ids]}::text[]) AND "experimentId" <> ${experimentId}
        ORDER BY "id" LIMIT ${limit}`;
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

    async getMany(ids) {
      if (ids.length === 0) return [];
      return prisma.trial.findMany({ where: { id: { in: [...ids] } } });
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

    owedSummary(experimentId) {
      return prisma.$queryRaw`
        SELECT "participantId", "role", "human", count(*)::int AS "moves" FROM "OwedMove"
        WHERE "experimentId" = ${experimentId}
        GROUP BY "participantId", "role", "human" ORDER BY "participantId" NULLS LAST, "role"`;
    },

    async openSeats({ experimentId, participantId, roles, arms, perArm = 50, acrossExperiments = true }) {
      if (roles.length === 0 || arms.length === 0) return [];
      // Per arm, the earliest open seats in the plan that this person may take: an index range scan each,
      // however many trials the experiment has. The stories they have seen (here and, across experiments,
      // under their identity) are read once, by indexes, before the scans.
      return prisma.$queryRaw<OwedMoveRow[]>`
        WITH seen AS MATERIALIZED (${storiesSeenSql(experimentId, participantId, acrossExperiments)})
        SELECT ${owedColumns}
        FROM unnest(${[...arms]}::text[]) AS a(arm)
        CROSS JOIN LATERAL (
          SELECT * FROM "OwedMove" o
          WHERE o."experimentId" = ${experimentId} AND o."participantId" IS NULL AND o."arm" = a.arm
            AND o."role" = ANY(${[...roles]}::text[])
            AND NOT EXISTS (
              SELECT 1 FROM "Seat" s
              WHERE s."experimentId" = ${experimentId} AND s."participantId" = ${participantId}
                AND s."trialId" = o."trialId"
            )
            AND (o."role" <> 'judge' OR o."storyId" NOT IN (SELECT "storyId" FROM seen))
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

    storiesSeen({ experimentId, participantId, acrossExperiments = true, storyId }) {
      return prisma.$queryRaw<StorySeenRow[]>`
        SELECT * FROM (${storiesSeenSql(experimentId, participantId, acrossExperiments)}) seen
        WHERE ${storyId ?? null}::text IS NULL OR seen."storyId" = ${storyId ?? null}
        ORDER BY seen."assignedAt", seen."trialId"`;
    },

    storyRepeats(experimentId) {
      // A person's seats here and, under their identity, in the experiments on the same dataset; then
      // each judge seat here paired with the seats on its story that came before it (ties by trial id).
      return prisma.$queryRaw<StoryRepeatRow[]>`
        WITH here AS (SELECT "dataset" FROM "Trial" WHERE "experimentId" = ${experimentId} LIMIT 1),
        people AS (
          SELECT me."id" AS "participantId", me."experimentId" AS "xExperimentId", me."id" AS "xId"
          FROM "Participant" me WHERE me."experimentId" = ${experimentId} AND me."kind" = 'human'
          UNION
          SELECT me."id", p."experimentId", p."id"
          FROM "Participant" me
          JOIN "Participant" p ON p."identity" = me."identity" AND p."experimentId" <> me."experimentId"
          WHERE me."experimentId" = ${experimentId} AND me."kind" = 'human'
        ),
        seats AS MATERIALIZED (
          SELECT pe."participantId", s."experimentId", s."trialId", s."role", s."storyId", s."assignedAt"
          FROM people pe
          JOIN "Seat" s ON s."experimentId" = pe."xExperimentId" AND s."participantId" = pe."xId"
          WHERE s."experimentId" = ${experimentId}
            OR (SELECT t."dataset" FROM "Trial" t WHERE t."id" = s."trialId") = (SELECT "dataset" FROM here)
        )
        SELECT j."participantId", j."trialId", (SELECT "dataset" FROM here) AS "dataset", j."storyId", j."assignedAt",
          e."experimentId" AS "earlierExperimentId", e."trialId" AS "earlierTrialId", e."role" AS "earlierRole",
          e."assignedAt" AS "earlierAssignedAt"
        FROM seats j
        JOIN seats e ON e."participantId" = j."participantId" AND e."storyId" = j."storyId" AND e."trialId" <> j."trialId"
          AND (e."assignedAt" < j."assignedAt" OR (e."assignedAt" = j."assignedAt" AND e."trialId" < j."trialId"))
        WHERE j."experimentId" = ${experimentId} AND j."role" = 'judge'
        ORDER BY j."participantId", j."assignedAt", j."trialId", e."assignedAt", e."trialId"`;
    },

    // Every statement here reads one table by an index, whatever the statistics say. A single
    // anti-join of trials and owed moves was planned, right after a plan of 24,000 trials was stored
    // and before autoanalyze had seen them, as a nested loop scanning every owed move once per trial:
    // 32 s on a start of `run`.
    async *withoutOwedMoves(experimentId, pageSize) {
      const [counts] = await prisma.$queryRaw<Array<{ unfinished: number; owing: number }>>`
        SELECT (SELECT count(*)::int FROM "Trial" WHERE "experimentId" = ${experimentId}
                  AND "status" IN ('active', 'waiting')) AS "unfinished",
               (SELECT count(DISTINCT "trialId")::int FROM "OwedMove" WHERE "experimentId" = ${experimentId}) AS "owing"`;
      // Only unfinished trials hold owed rows (the append that finishes or aborts a trial removes
      // them), so equal counts mean none is missing.
      if (counts!.unfinished === counts!.owing) return;
      let after = '';
      for (;;) {
        const page = await prisma.$queryRaw<Array<{ id: string }>>`
          SELECT c."id" FROM unnest(ARRAY['active', 'waiting']) AS s("status")
          CROSS JOIN LATERAL (
            SELECT t."id" FROM "Trial" t
            WHERE t."experimentId" = ${experimentId} AND t."status" = s."status" AND t."id" > ${after}
            ORDER BY t."id" LIMIT ${pageSize}
          ) c
          ORDER BY c."id" LIMIT ${pageSize}`;
        if (page.length === 0) return;
        const ids = page.map((r) => r.id);
        const owed = await prisma.$queryRaw<Array<{ trialId: string }>>`
          SELECT DISTINCT "trialId" FROM "OwedMove" WHERE "trialId" = ANY(${ids}::text[])`;
        const has = new Set(owed.map((r) => r.trialId));
        const missing = ids.filter((id) => !has.has(id));
        if (missing.length > 0) yield missing;
        if (page.length < pageSize) return;
        after = ids.at(-1)!;
      }
    },

    async claim(experimentIds, owner, limit, leaseMs) {
      if (experimentIds.length === 0 || limit <= 0) return [];
      // Per experiment, the earliest active trials in plan order that nobody holds: a range of the
      // (status, experimentId, ordinal) index, not a sort of every active trial, however many there are.
      return prisma.$queryRaw<Array<{ id: string; experimentId: string }>>`
        UPDATE "Trial" t SET "leaseOwner" = ${owner}, "leaseUntil" = (now() AT TIME ZONE 'UTC') + ${leaseMs} * interval '1 millisecond'
        WHERE t."id" IN (
          SELECT c."id" FROM unnest(${[...experimentIds]}::text[]) AS e("id")
          CROSS JOIN LATERAL (
            SELECT c."id", c."ordinal" FROM "Trial" c
            WHERE c."status" = 'active' AND c."experimentId" = e."id"
              AND (c."leaseUntil" IS NULL OR c."leaseUntil" < (now() AT TIME ZONE 'UTC'))
            ORDER BY c."ordinal"
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED
          ) c
          ORDER BY c."ordinal"
          LIMIT ${limit}
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
      if (ids.length === 0) return { kept: [], taken: [] };
      // One statement: the rows it renews, and the others as they stand (a data-modifying CTE's outer
      // query sees the rows it did not touch as they were).
      const rows = await prisma.$queryRaw<Array<{ id: string; kept: boolean; owner: string | null }>>`
        WITH renewed AS (
          UPDATE "Trial" SET "leaseUntil" = (now() AT TIME ZONE 'UTC') + ${leaseMs} * interval '1 millisecond'
          WHERE "id" = ANY(${[...ids]}::text[]) AND "leaseOwner" = ${owner}
          RETURNING "id"
        )
        SELECT t."id", (r."id" IS NOT NULL) AS kept, t."leaseOwner" AS owner
        FROM "Trial" t LEFT JOIN renewed r ON r."id" = t."id"
        WHERE t."id" = ANY(${[...ids]}::text[])`;
      return {
        kept: rows.filter((r) => r.kept).map((r) => r.id),
        taken: rows.filter((r) => !r.kept && r.owner !== null && r.owner !== owner).map((r) => r.id),
      };
    },

    release(owner, ids) {
      return ids.length === 0 ? Promise.resolve() : releaseQueued({ owner, ids });
    },
  };
}

/**
 * A new trial's handle: what chat control ids and links carry, so the only name of a trial a
 * participant's client ever holds. 72 random bits (12 base64url characters; Discord allows 100 in a
 * component id): random rather than derived from the trial id, which the experiment's published
 * config and seed let anyone rebuild, and with it the trial's answer order. Nothing to keep secret and
 * nothing to lose: the handle is stored with the trial and looked up by its unique index (a clash, some
 * 2^36 trials away, fails the plan's statement, and planning again makes new ones).
 */
export function newTrialRef(): string {
  return randomBytes(9).toString('base64url');
}
