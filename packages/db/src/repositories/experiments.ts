import { ExperimentConfigChangedError } from '../errors.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ExperimentInput, ExperimentRow, JsonObject } from '../types.ts';
import { json } from './json.ts';

export interface ExperimentsRepository {
  /** Creates the experiment, or returns the stored one if its configHash matches; throws otherwise. */
  ensure(input: ExperimentInput): Promise<ExperimentRow>;
  get(id: string): Promise<ExperimentRow | null>;
  /** Stores a config whose design is unchanged (how the experiment runs changed), with its hash. */
  updateConfig(id: string, config: Record<string, unknown>, configHash: string): Promise<void>;
  /** Records that every one of the plan's `trials` is stored: a resume can skip planning. */
  markPlanned(id: string, trials: number): Promise<void>;
  list(): Promise<ExperimentRow[]>;
  /** Every experiment's id, without its config (cheap however large the configs are). */
  ids(): Promise<string[]>;
  /** Deletes the experiment with its trials, events, judgments, participants and LLM calls. */
  delete(id: string): Promise<boolean>;
}

type Row = {
  id: string;
  name: string;
  seed: string;
  config: unknown;
  configHash: string;
  createdAt: Date;
  plannedTrials: number | null;
  blindingKey: string | null;
};
const toRow = (r: Row): ExperimentRow => ({ ...r, config: r.config as JsonObject });

export function experimentsRepository(prisma: PrismaClient): ExperimentsRepository {
  return {
    async ensure(input) {
      // createMany + skipDuplicates instead of find-then-create: two processes starting the same
      // experiment at once must not fail on the primary key.
      await prisma.experiment.createMany({
        data: [{ ...input, config: json(input.config) }],
        skipDuplicates: true,
      });
      const stored = await prisma.experiment.findUniqueOrThrow({ where: { id: input.id } });
      if (stored.configHash !== input.configHash) {
        throw new ExperimentConfigChangedError(input.id, stored.configHash, input.configHash);
      }
      return toRow(stored);
    },

    async updateConfig(id, config, configHash) {
      await prisma.experiment.update({ where: { id }, data: { config: json(config), configHash } });
    },

    async markPlanned(id, trials) {
      await prisma.experiment.update({ where: { id }, data: { plannedTrials: trials } });
    },

    async get(id) {
      const row = await prisma.experiment.findUnique({ where: { id } });
      return row ? toRow(row) : null;
    },

    async list() {
      return (await prisma.experiment.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map(
        toRow,
      );
    },

    async ids() {
      const rows = await prisma.experiment.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
      return rows.map((r) => r.id);
    },

    async delete(id) {
      // Children first (foreign keys), all in one transaction so a crash leaves the experiment whole.
      const results = await prisma.$transaction([
        prisma.judgment.deleteMany({ where: { experimentId: id } }),
        prisma.$executeRaw`DELETE FROM "TrialEvent" WHERE "trialId" IN (SELECT "id" FROM "Trial" WHERE "experimentId" = ${id})`,
        // LlmCall has no foreign keys (calls are logged even outside trials): match by either column.
        prisma.$executeRaw`DELETE FROM "LlmCall" WHERE "experimentId" = ${id}
          OR "trialId" IN (SELECT "id" FROM "Trial" WHERE "experimentId" = ${id})`,
        prisma.$executeRaw`DELETE FROM "ChatThread" WHERE "trialId" IN (SELECT "id" FROM "Trial" WHERE "experimentId" = ${id})`,
        prisma.owedMove.deleteMany({ where: { experimentId: id } }),
        prisma.seat.deleteMany({ where: { experimentId: id } }),
        prisma.notification.deleteMany({ where: { experimentId: id } }),
        prisma.$executeRaw`DELETE FROM "MoveReceipt" WHERE "trialId" IN (SELECT "id" FROM "Trial" WHERE "experimentId" = ${id})`,
        prisma.trial.deleteMany({ where: { experimentId: id } }),
        prisma.personActivity.deleteMany({ where: { experimentId: id } }),
        prisma.participant.deleteMany({ where: { experimentId: id } }),
        // Its bonus records go with it: left behind, they would count as paid to whoever holds the same
        // participant ids in an experiment later created under this id.
        prisma.payment.deleteMany({ where: { experimentId: id } }),
        prisma.paymentBatch.deleteMany({ where: { experimentId: id } }),
        prisma.experiment.deleteMany({ where: { id } }),
      ]);
      const deleted = results.at(-1);
      return typeof deleted === 'object' && deleted.count > 0;
    },
  };
}
