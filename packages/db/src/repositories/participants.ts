import { ParticipantIdTakenError } from '../errors.ts';
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
      // Participant.id is a global key: refuse to move a participant from another experiment.
      const taken = await prisma.participant.findFirst({
        where: { id: { in: rows.map((r) => r.id) }, experimentId: { not: experimentId } },
        select: { id: true, experimentId: true },
      });
      if (taken) throw new ParticipantIdTakenError(taken.id, taken.experimentId);
      await prisma.$transaction(
        rows.map((r) => {
          const data = { kind: r.kind, label: r.label, spec: json(r.spec) };
          return prisma.participant.upsert({
            where: { id: r.id },
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
