import type { PrismaClient } from '../generated/prisma/client.ts';
import type { JudgmentRow } from '../types.ts';

export interface JudgmentsRepository {
  /** All judgments of the experiment (optionally some arms), ordered by trialId. */
  list(experimentId: string, options?: { arms?: readonly string[] }): Promise<JudgmentRow[]>;
  /** Yields the judgments in pages of up to batchSize rows, ordered by trialId (for millions of rows). */
  stream(experimentId: string, batchSize?: number): AsyncGenerator<JudgmentRow[], void, undefined>;
  count(experimentId: string): Promise<number>;
  /**
   * Judgments and wins per arm and judge, counted by the database: what an anytime-valid status line
   * or a stopping rule needs, without reading a row per judgment.
   */
  countsByArmAndJudge(
    experimentId: string,
  ): Promise<{ arm: string; judgeId: string; n: number; wins: number }[]>;
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

    async countsByArmAndJudge(experimentId) {
      const groups = await prisma.judgment.groupBy({
        by: ['arm', 'judgeId', 'correct'],
        where: { experimentId },
        _count: { _all: true },
      });
      const out = new Map<string, { arm: string; judgeId: string; n: number; wins: number }>();
      for (const g of groups) {
        const key = `${g.arm}\u0000${g.judgeId}`;
        const entry = out.get(key) ?? { arm: g.arm, judgeId: g.judgeId, n: 0, wins: 0 };
        entry.n += g._count._all;
        if (g.correct) entry.wins += g._count._all;
        out.set(key, entry);
      }
      return [...out.values()].sort((a, b) =>
        a.arm === b.arm ? (a.judgeId < b.judgeId ? -1 : 1) : a.arm < b.arm ? -1 : 1,
      );
    },
  };
}
