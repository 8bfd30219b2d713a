import type { PrismaClient } from '../generated/prisma/client.ts';
import type { JsonObject, ParticipantInput, ParticipantRow, PersonInput } from '../types.ts';
import { uniqueViolation } from './events.ts';
import { groupCommit } from './group-commit.ts';
import { chunks } from './json.ts';

export interface ParticipantsRepository {
  /** Inserts or updates (kind, label, spec) the experiment's participants. */
  upsertMany(experimentId: string, rows: readonly ParticipantInput[]): Promise<void>;
  list(experimentId: string): Promise<ParticipantRow[]>;
  get(experimentId: string, id: string): Promise<ParticipantRow | null>;
  /** The person a platform identity maps to in this experiment. */
  byIdentity(experimentId: string, identity: string): Promise<ParticipantRow | null>;
  /** People in a pool (left or not). */
  countInPool(experimentId: string, pool: string): Promise<number>;
  /**
   * Adds a person with their consent recorded now, numbered `<pool>-<n>` in the order people joined
   * the pool unless `person.id` is given. Returns the existing row if the identity joined already (a
   * second join is not a second person), 'full' when the pool has `capacity` people, and null if a
   * given id is taken.
   */
  addPerson(
    experimentId: string,
    person: PersonInput,
    options?: { capacity?: number },
  ): Promise<{ row: ParticipantRow; created: boolean } | 'full' | null>;
  /** A person who left and joins again: consent recorded anew, seats open to them again. */
  rejoin(experimentId: string, id: string, consentVersion: string | null): Promise<ParticipantRow>;
  /** No new seats from now on. */
  leave(experimentId: string, id: string): Promise<void>;
  /**
   * Records on the person's spec (`screenedOut: { by, reason, at }`) that a pre-registered rule ended
   * their part of the study (failed practice, a screen-out attention check): the first record is kept,
   * so asking again changes nothing. Returns whether this call recorded it.
   */
  markScreenedOut(experimentId: string, id: string, by: string, reason: string): Promise<boolean>;
  /**
   * Records that a person's client showed them active at `at` (the web app's seat lease); an earlier
   * time than the one recorded changes nothing.
   */
  markActive(experimentId: string, id: string, at?: Date): Promise<void>;
  /** markActive for many people at once, in one statement (a stamp never moves back in time). */
  markActiveMany(
    stamps: ReadonlyArray<{ experimentId: string; participantId: string; at: Date }>,
  ): Promise<void>;
  /** When each person of the experiment was last seen active (those ever seen). */
  lastActive(experimentId: string): Promise<Map<string, Date>>;
}

const toRow = (r: Omit<ParticipantRow, 'spec'> & { spec: unknown }): ParticipantRow => ({
  ...r,
  spec: r.spec as JsonObject,
});

interface Join {
  experimentId: string;
  person: PersonInput;
  capacity: number | null;
}

type Stored = Omit<ParticipantRow, 'spec'> & { spec: unknown };

export function participantsRepository(prisma: PrismaClient): ParticipantsRepository {
  /**
   * People joining one pool take numbers one after another: a transaction-scoped lock per pool makes
   * the count and the insert one step (retrying on clashes grew with the crowd). The count is in the
   * insert, whose snapshot is taken once the lock is granted, so it counts every join before it. Of
   * `joins` (one pool's), those not joined yet are numbered in order up to the capacity; returns the
   * rows made.
   */
  const insertJoins = async (joins: readonly Join[]): Promise<Stored[]> => {
    const { experimentId, person, capacity } = joins[0]!;
    const pool = person.pool;
    const at = new Date();
    const people = joins.map((j, ord) => ({
      ord,
      id: j.person.id ?? null,
      identity: j.person.identity,
      label: j.person.label,
      spec: j.person.spec,
      consentVersion: j.person.consentVersion,
    }));
    const [, rows] = await prisma.$transaction(
      [
        prisma.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`${experimentId}/${pool}`}))`,
        prisma.$queryRaw<Stored[]>`
          INSERT INTO "Participant" ("experimentId", "id", "kind", "label", "spec", "pool", "identity",
            "joinedAt", "consentedAt", "consentVersion")
          SELECT ${experimentId}, COALESCE(x."id", ${pool} || '-' || (c.n + x.rn)), 'human', x."label", x."spec",
            ${pool}, x."identity", ${at}::timestamp(3), ${at}::timestamp(3), x."consentVersion"
          FROM (SELECT count(*)::int AS n FROM "Participant"
                WHERE "experimentId" = ${experimentId} AND "pool" = ${pool}) c,
            (SELECT y.*, row_number() OVER (ORDER BY y."ord") AS rn FROM (
              SELECT DISTINCT ON (j."identity") j.*
              FROM jsonb_to_recordset(${JSON.stringify(people)}::jsonb) AS j("ord" int, "id" text, "identity" text,
                "label" text, "spec" jsonb, "consentVersion" text)
              WHERE NOT EXISTS (SELECT 1 FROM "Participant" p
                                WHERE p."experimentId" = ${experimentId} AND p."identity" = j."identity")
              ORDER BY j."identity", j."ord") y) x
          WHERE ${capacity}::int IS NULL OR c.n + x.rn <= ${capacity}::int
          ON CONFLICT ("experimentId", "identity") DO NOTHING
          RETURNING *`,
      ],
      // Waiting for a connection like any query (Prisma's default gives up after 2 s).
      { maxWait: 30_000, timeout: 30_000 },
    );
    return rows;
  };
  /** A join with an id of its own: alone (an id taken fails its statement, and only its own). */
  const joinOne = async (join: Join): Promise<ParticipantRow | null> => {
    const [row] = await insertJoins([join]);
    return row ? toRow(row) : null;
  };
  /**
   * Joins numbered by the pool: those asked for while a batch is being written go in the next one,
   * one transaction per pool, one batch at a time per process. A crowd arriving at once waited for
   * the pool's lock one join at a time, each holding a connection while it waited (so starving every
   * other query of the process); across processes the lock still orders the batches.
   */
  const joinQueued = groupCommit<Join, ParticipantRow | null>(
    async (joins) => {
      const out = new Map<Join, ParticipantRow>();
      const byPool = new Map<string, Join[]>();
      for (const j of joins) {
        const key = `${j.experimentId}\0${j.person.pool}`;
        byPool.set(key, [...(byPool.get(key) ?? []), j]);
      }
      for (const group of byPool.values()) {
        const made = new Map((await insertJoins(group)).map((r) => [r.identity, r]));
        // The first join of an identity gets the row; another in the same batch finds it as existing.
        for (const j of group) {
          const row = made.get(j.person.identity);
          if (row) out.set(j, toRow(row));
          made.delete(j.person.identity);
        }
      }
      return joins.map((j) => out.get(j) ?? null);
    },
    { maxItems: 1_000, maxInFlight: 1 },
  );
  return {
    async upsertMany(experimentId, rows) {
      // One statement per few thousand (an experiment may have thousands of simulated judges).
      for (const batch of chunks(rows, 5_000))
        await prisma.$executeRaw`
          INSERT INTO "Participant" ("id", "experimentId", "kind", "label", "spec")
          SELECT x."id", ${experimentId}, x."kind", x."label", x."spec"
          FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS x("id" text, "kind" text, "label" text, "spec" jsonb)
          ON CONFLICT ("experimentId", "id") DO UPDATE
            SET "kind" = EXCLUDED."kind", "label" = EXCLUDED."label", "spec" = EXCLUDED."spec"`;
    },

    async list(experimentId) {
      const rows = await prisma.participant.findMany({ where: { experimentId }, orderBy: { id: 'asc' } });
      return rows.map(toRow);
    },

    async get(experimentId, id) {
      const row = await prisma.participant.findUnique({ where: { experimentId_id: { experimentId, id } } });
      return row ? toRow(row) : null;
    },

    async byIdentity(experimentId, identity) {
      const row = await prisma.participant.findUnique({
        where: { experimentId_identity: { experimentId, identity } },
      });
      return row ? toRow(row) : null;
    },

    countInPool(experimentId, pool) {
      return prisma.participant.count({ where: { experimentId, pool } });
    },

    async addPerson(experimentId, person, options = {}) {
      const existing = async () => {
        const row = await prisma.participant.findUnique({
          where: { experimentId_identity: { experimentId, identity: person.identity } },
        });
        return row ? { row: toRow(row), created: false } : null;
      };
      try {
        const row = await (person.id === undefined ? joinQueued : joinOne)({
          experimentId,
          person,
          capacity: options.capacity ?? null,
        });
        if (row) return { row, created: true };
        return (await existing()) ?? ('full' as const);
      } catch (error) {
        if (uniqueViolation(error) === null) throw error;
        return existing();
      }
    },

    async rejoin(experimentId, id, consentVersion) {
      const row = await prisma.participant.update({
        where: { experimentId_id: { experimentId, id } },
        data: { leftAt: null, consentedAt: new Date(), consentVersion },
      });
      return toRow(row);
    },

    async leave(experimentId, id) {
      await prisma.participant.update({
        where: { experimentId_id: { experimentId, id } },
        data: { leftAt: new Date() },
      });
    },

    async markScreenedOut(experimentId, id, by, reason) {
      const mark = JSON.stringify({ screenedOut: { by, reason, at: new Date().toISOString() } });
      const changed = await prisma.$executeRaw`
        UPDATE "Participant" SET "spec" = "spec" || ${mark}::jsonb
        WHERE "experimentId" = ${experimentId} AND "id" = ${id} AND NOT ("spec" ? 'screenedOut')`;
      return changed > 0;
    },

    async markActive(experimentId, id, at = new Date()) {
      await prisma.$executeRaw`
        INSERT INTO "PersonActivity" ("experimentId", "participantId", "activeAt") VALUES (${experimentId}, ${id}, ${at})
        ON CONFLICT ("experimentId", "participantId") DO UPDATE SET "activeAt" = EXCLUDED."activeAt"
          WHERE "PersonActivity"."activeAt" < EXCLUDED."activeAt"`;
    },

    async markActiveMany(stamps) {
      if (stamps.length === 0) return;
      // Stored as UTC without a zone, as Prisma stores DateTime: the ISO string's zone is UTC.
      await prisma.$executeRaw`
        INSERT INTO "PersonActivity" ("experimentId", "participantId", "activeAt")
        SELECT * FROM unnest(${stamps.map((s) => s.experimentId)}::text[], ${stamps.map((s) => s.participantId)}::text[], ${stamps.map((s) => s.at.toISOString())}::timestamp(3)[])
        ON CONFLICT ("experimentId", "participantId") DO UPDATE SET "activeAt" = EXCLUDED."activeAt"
          WHERE "PersonActivity"."activeAt" < EXCLUDED."activeAt"`;
    },

    async lastActive(experimentId) {
      const rows = await prisma.personActivity.findMany({ where: { experimentId } });
      return new Map(rows.map((r) => [r.participantId, r.activeAt]));
    },
  };
}
