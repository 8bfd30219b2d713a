import type { PrismaClient } from '../generated/prisma/client.ts';
import type { JsonObject, ParticipantInput, ParticipantRow, PersonInput } from '../types.ts';
import { uniqueViolation } from './events.ts';
import { chunks, json } from './json.ts';

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
   * Records that a person's client showed them active at `at` (the web app's seat lease); an earlier
   * time than the one recorded changes nothing.
   */
  markActive(experimentId: string, id: string, at?: Date): Promise<void>;
  /** When each person of the experiment was last seen active (those ever seen). */
  lastActive(experimentId: string): Promise<Map<string, Date>>;
}

const toRow = (r: Omit<ParticipantRow, 'spec'> & { spec: unknown }): ParticipantRow => ({
  ...r,
  spec: r.spec as JsonObject,
});

export function participantsRepository(prisma: PrismaClient): ParticipantsRepository {
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
      const now = new Date();
      try {
        // People joining one pool at once take numbers one after another: a transaction-scoped lock per
        // pool makes the count and the insert one step, where retrying on clashes grew with the crowd.
        return await prisma.$transaction(
          async (tx) => {
            await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`${experimentId}/${person.pool}`}))`;
            const joined = await tx.participant.findUnique({
              where: { experimentId_identity: { experimentId, identity: person.identity } },
            });
            if (joined) return { row: toRow(joined), created: false };
            const inPool = await tx.participant.count({ where: { experimentId, pool: person.pool } });
            if (options.capacity !== undefined && inPool >= options.capacity) return 'full' as const;
            const row = await tx.participant.create({
              data: {
                experimentId,
                id: person.id ?? `${person.pool}-${inPool + 1}`,
                kind: 'human',
                label: person.label,
                spec: json(person.spec),
                pool: person.pool,
                identity: person.identity,
                joinedAt: now,
                consentedAt: now,
                consentVersion: person.consentVersion,
              },
            });
            return { row: toRow(row), created: true };
            // Under a crowd the transaction waits its turn for a connection like any query does (Prisma's
            // default gives up after 2 s, refusing the person a seat for being busy).
          },
          { maxWait: 30_000, timeout: 30_000 },
        );
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

    async markActive(experimentId, id, at = new Date()) {
      await prisma.$executeRaw`
        INSERT INTO "PersonActivity" ("experimentId", "participantId", "activeAt") VALUES (${experimentId}, ${id}, ${at})
        ON CONFLICT ("experimentId", "participantId") DO UPDATE SET "activeAt" = EXCLUDED."activeAt"
          WHERE "PersonActivity"."activeAt" < EXCLUDED."activeAt"`;
    },

    async lastActive(experimentId) {
      const rows = await prisma.personActivity.findMany({ where: { experimentId } });
      return new Map(rows.map((r) => [r.participantId, r.activeAt]));
    },
  };
}
