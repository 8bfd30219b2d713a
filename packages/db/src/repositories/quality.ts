import { Prisma } from '../generated/prisma/client.ts';
import type { RawQuery } from '../raw.ts';

/** One judge move that carries what the browser saw during the turn (MoveMeta.attention). */
export interface JudgeTurnRow {
  trialId: string;
  /** Who made the move: the move's own participant id when it names one, else the trial's judge. */
  participantId: string | null;
  turnSeconds: number;
  hiddenSeconds: number;
  pastedCharacters: number;
}

/** One FeedbackSubmitted event: a person's survey answers after a verdict. */
export interface FeedbackRow {
  trialId: string;
  participantId: string;
  role: string;
  answers: Record<string, string | number | boolean>;
}

export interface QualityRepository {
  /** The judge moves of an experiment's trials that carry attention metadata, in trial and log order. */
  judgeTurns(experimentId: string): Promise<JudgeTurnRow[]>;
  /** Every survey answer of the experiment, in trial and log order. */
  feedback(experimentId: string): Promise<FeedbackRow[]>;
}

const JUDGE_MOVES = ['BeliefReported', 'VerdictSubmitted', 'JudgeInterjected'];

export function qualityRepository(raw: RawQuery): QualityRepository {
  return {
    async judgeTurns(experimentId) {
      // Only the rows that have the metadata are read: an experiment of a million judgments by
      // simulated judges has none, and costs one index range scan here.
      const rows = await raw<{
        trialId: string;
        participantId: string | null;
        attention: { turnSeconds: number; hiddenSeconds: number; pastedCharacters: number };
      }>(Prisma.sql`
        SELECT e."trialId", coalesce(e."payload"->'meta'->>'participantId', t."judgeId") AS "participantId",
          e."payload"->'meta'->'attention' AS "attention"
        FROM "Trial" t JOIN "TrialEvent" e ON e."trialId" = t."id"
        WHERE t."experimentId" = ${experimentId} AND e."type" = ANY(${JUDGE_MOVES}::text[])
          AND e."payload"->'meta'->'attention' IS NOT NULL
        ORDER BY e."trialId", e."seq"`);
      return rows.map((r) => ({
        trialId: r.trialId,
        participantId: r.participantId,
        turnSeconds: Number(r.attention.turnSeconds),
        hiddenSeconds: Number(r.attention.hiddenSeconds),
        pastedCharacters: Number(r.attention.pastedCharacters),
      }));
    },

    async feedback(experimentId) {
      const rows = await raw<{ trialId: string; payload: FeedbackRow & { type: string } }>(Prisma.sql`
        SELECT e."trialId", e."payload"
        FROM "Trial" t JOIN "TrialEvent" e ON e."trialId" = t."id"
        WHERE t."experimentId" = ${experimentId} AND e."type" = 'FeedbackSubmitted'
        ORDER BY e."trialId", e."seq"`);
      return rows.map((r) => ({
        trialId: r.trialId,
        participantId: r.payload.participantId,
        role: r.payload.role,
        answers: r.payload.answers ?? {},
      }));
    },
  };
}
