import type { PrismaClient } from '../generated/prisma/client.ts';
import type { JsonObject, ParticipantInput, ParticipantRow } from '../types.ts';
import { json } from './json.ts';

export interface ParticipantsRepository {
  /** Inserts or updates (kind, label, spec) the experiment's participants. */
  upsertMany(experimentId: string, rows: readonly ParticipantInput[]): Promise<void>;
  list(experimentId: string): Promise<ParticipantRow[]>;
}

export function participantsRepository(prisma: PrismaClient): ParticipantsRepository {
  return {
    async upsertMany(experimentId, rows) {
      if (rows.length === 0) return;
      await prisma.$transaction(
        rows.map((r) => {
          const data = { kind: r.kind, label: r.label, spec: json(r.spec) };
          return prisma.participant.upsert({
            where: { experimentId_id: { experimentId, id: r.id } },
            create: { id: r.id, experimentId, ...data },
            update: data,
          });
        }),
      );
    },

    async list(experimentId) {
      const rows = await prisma.participant.findMany({ where: { experimentId }, orderBy: { id: 'asc' } });
      return rows.map((r) => ({ ...r, spec: r.spec as JsonObject }));
    },
  };
}
