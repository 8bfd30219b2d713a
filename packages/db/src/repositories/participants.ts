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
   * Adds a person with their consent recorded now. Returns null if the id is taken (pick another) and
   * the existing row if the identity joined already (a second join is not a second person).
   */
  addPerson(
    experimentId: string,
    person: PersonInput,
  ): Promise<{ row: ParticipantRow; created: boolean } | null>;
  /** A person who left and joins again: consent recorded anew, seats open to them again. */
  rejoin(experimentId: string, id: string, consentVersion: string | null): Promise<ParticipantRow>;
  /** No new seats from now on. */
  leave(experimentId: string, id: string): Promise<void>;
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

    async addPerson(experimentId, person) {
      const now = new Date();
      try {
        const row = await prisma.participant.create({
          data: {
            experimentId,
            id: person.id,
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
      } catch (error) {
        const constraint = uniqueViolation(error);
        if (constraint === null) throw error;
        const existing = await prisma.participant.findUnique({
          where: { experimentId_identity: { experimentId, identity: person.identity } },
        });
        return existing ? { row: toRow(existing), created: false } : null;
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
  };
}
