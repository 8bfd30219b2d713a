import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { RawQuery } from '../raw.ts';
import type { JudgmentRow } from '../types.ts';

/** Judgments alike in how many questions their judge asked (see JudgmentsRepository.questionsAsked). */
export interface QuestionsAskedRow {
  arm: string;
  correct: boolean;
  /** The trial's JudgeInterjected events made by its judge (or naming no one). */
  asked: number;
  /** Of those, the ones asked while the arguers were writing (`atAnyTime`). */
  anyTime: number;
  /** How many judgments of the arm have these figures. */
  judgments: number;
}

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
  /**
   * The judgments of these arms counted by how many questions their judge asked, by the database: a
   * judgment's questions are its trial's JudgeInterjected events whose `meta.participantId` is absent
   * or the judgment's judge (a live judge's comments replayed to another judge are not that judge's),
   * and of them those asked `atAnyTime`. One row per arm, correctness and pair of counts, ordered by
   * them. Only those events are read (by the event type column), where loading each trial's whole log
   * took a minute for half a million trials.
   */
  questionsAsked(experimentId: string, arms: readonly string[]): Promise<QuestionsAskedRow[]>;
}

type Row = Omit<JudgmentRow, 'beliefs'> & { beliefs: unknown };
const toRow = (r: Row): JudgmentRow => ({ ...r, beliefs: r.beliefs as number[] });

export function judgmentsRepository(prisma: PrismaClient, raw: RawQuery): JudgmentsRepository {
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

    questionsAsked(experimentId, arms) {
      const by = Prisma.sql`e."payload"->'meta'->'participantId'`;
      // One pass over the interjections (by the event type column) joined to the judgments, rather than
      // a page of judgments at a time: a page's events found by the log's key cost 7 times the one
      // pass on a server (500,000 trials: about 47 s against 7), and the planner joins a page by
      // reading every event again. The JSON tests are JavaScript's: the participant id equal as JSON,
      // atAnyTime truthy. Alike judgments are counted together: a few rows, not one per judgment.
      return raw<QuestionsAskedRow>(Prisma.sql`
        WITH j AS (
          SELECT "trialId", "arm", "correct", "judgeId" FROM "Judgment"
          WHERE "experimentId" = ${experimentId} AND "arm" = ANY(${[...arms]}::text[])
        ),
        asked AS (
          SELECT e."trialId", count(*)::int AS "asked",
            count(*) FILTER (WHERE coalesce(e."payload"->'atAnyTime' NOT IN
              ('null'::jsonb, 'false'::jsonb, '0'::jsonb, '""'::jsonb), false))::int AS "anyTime"
          FROM "TrialEvent" e JOIN j ON j."trialId" = e."trialId"
          WHERE e."type" = 'JudgeInterjected' AND (${by} IS NULL OR ${by} = to_jsonb(j."judgeId"))
          GROUP BY e."trialId"
        )
        SELECT j."arm", j."correct", coalesce(asked."asked", 0) AS "asked",
          coalesce(asked."anyTime", 0) AS "anyTime", count(*)::int AS "judgments"
        FROM j LEFT JOIN asked ON asked."trialId" = j."trialId"
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4`);
    },
  };
}
