import type { PrismaClient } from '../generated/prisma/client.ts';
import type { JudgmentRow } from '../types.ts';

export interface JudgmentsRepository {
  /** All judgments of the experiment (optionally some arms), ordered by trialId. */
  list(experimentId: string, options?: { arms?: readonly string[] }): Promise<JudgmentRow[]>;
  /** Yields the judgments in pages of up to batchSize rows, ordered by trialId (for millions of rows). */
  stream(experimentId: string, batchSize?: number): AsyncGenerator<JudgmentRow[], void, undefined>;
  count(experimentId: string): Promise<number>;
}

type Row = Omit<JudgmentRow, 'beliefs'> & { beliefs: unknown };
const toRow = (r: Row): JudgmentRow => ({ ...r, beliefs: r.beliefs as number[] });

export function judgmentsRepository(prisma: PrismaClient): JudgmentsRepository {
  return {
    async list(experimentId, options = {}) {
      const rows = await prisma.judgment.findMany({
        where: { experimentId, ...(options.arms !== undefined ? { arm: { in: [...options.arms] } } : {}) },
        orderBy: { trialId: 'asc' },
      });
      return rows.map(toRow);
    },

    async *stream(experimentId, batchSize = 5000) {
      // Keyset pagination (trialId > last) rather than OFFSET, which would rescan skipped rows every page.
      let after: string | undefined;
      for (;;) {
        const rows = await prisma.judgment.findMany({
          where: { experimentId, ...(after !== undefined ? { trialId: { gt: after } } : {}) },
          orderBy: { trialId: 'asc' },
          take: batchSize,
        });
        if (rows.length > 0) yield rows.map(toRow);
        if (rows.length < batchSize) return;
        after = rows.at(-1)?.trialId;
      }
    },

    count(experimentId) {
      return prisma.judgment.count({ where: { experimentId } });
    },
  };
}
