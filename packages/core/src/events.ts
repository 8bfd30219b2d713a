import { z } from 'zod';
import { ArmRulesSchema } from './experiment-config.ts';
import { RoleSchema } from './protocol-kind.ts';

/**
 * A trial is an append-only log of these events; its state is a fold over them (see state.ts).
 * The log is also the research record: exports and statistics read it. Event payloads hold no
 * wall-clock time, so the same config and seed give byte-identical data.
 */

const probabilities = z.array(z.number().min(0).max(1)).min(2);

/** Provenance of a move made by a model: which prompt, model and induction produced it. */
export const MoveMetaSchema = z
  .object({
    participantId: z.string(),
    model: z.string(),
    promptHash: z.string(),
    induction: z.string(),
    candidates: z.number().int(),
    simulated: z.boolean(),
    rationale: z.string(),
    positionBias: z.number(),
  })
  .partial();
export type MoveMeta = z.infer<typeof MoveMetaSchema>;

export const ArguerAssignmentSchema = z.object({
  role: RoleSchema,
  participantId: z.string(),
  /** The displayed answer this arguer defends (index into `displayed`). */
  answer: z.number().int().nonnegative(),
  honest: z.boolean(),
});
export type ArguerAssignment = z.infer<typeof ArguerAssignmentSchema>;

export const TrialCreatedSchema = z.object({
  type: z.literal('TrialCreated'),
  trialId: z.string(),
  experimentId: z.string(),
  arm: z.string(),
  rules: ArmRulesSchema,
  questionId: z.string(),
  storyId: z.string(),
  judgeId: z.string(),
  /** Original answer indices in the order shown (randomised per trial, counterbalanced). */
  displayed: z.array(z.number().int().nonnegative()).min(2),
  /** Index into `displayed` of the correct answer. Hidden from the judge until the verdict. */
  correctDisplayed: z.number().int().nonnegative(),
  arguers: z.array(ArguerAssignmentSchema),
  /** How the wrong-side arguer was induced to argue for it, when it is a model. */
  induction: z.string().nullable(),
  seed: z.string(),
});
export type TrialCreated = z.infer<typeof TrialCreatedSchema>;

export const QuoteCheckSchema = z.object({
  /** The quote as the arguer wrote it. */
  text: z.string(),
  status: z.enum(['verified', 'partial', 'unverified']),
  /** 1 for an exact match after normalisation; otherwise the best span's similarity. */
  similarity: z.number().min(0).max(1),
  /** Character span of the best-matching source passage. */
  span: z.tuple([z.number().int(), z.number().int()]).nullable(),
});
export type QuoteCheck = z.infer<typeof QuoteCheckSchema>;

export const ArgumentSubmittedSchema = z.object({
  type: z.literal('ArgumentSubmitted'),
  round: z.number().int().min(1),
  role: RoleSchema,
  text: z.string(),
  quotes: z.array(QuoteCheckSchema),
  meta: MoveMetaSchema.optional(),
});
export type ArgumentSubmitted = z.infer<typeof ArgumentSubmittedSchema>;

/** The judge's question or comment (consultancy, interactive debate), or the sandwiching person's message. */
export const JudgeInterjectedSchema = z.object({
  type: z.literal('JudgeInterjected'),
  round: z.number().int().min(1),
  text: z.string().min(1),
  meta: MoveMetaSchema.optional(),
});
export type JudgeInterjected = z.infer<typeof JudgeInterjectedSchema>;

/** The judge chose to continue; `probabilities` is null when beliefs were not asked this round. */
export const BeliefReportedSchema = z.object({
  type: z.literal('BeliefReported'),
  round: z.number().int().min(1),
  probabilities: probabilities.nullable(),
  meta: MoveMetaSchema.optional(),
});
export type BeliefReported = z.infer<typeof BeliefReportedSchema>;

export const VerdictSubmittedSchema = z.object({
  type: z.literal('VerdictSubmitted'),
  round: z.number().int().min(1),
  probabilities,
  rationale: z.string().optional(),
  meta: MoveMetaSchema.optional(),
});
export type VerdictSubmitted = z.infer<typeof VerdictSubmittedSchema>;

export const TrialAbortedSchema = z.object({
  type: z.literal('TrialAborted'),
  reason: z.string().min(1),
  /** The role whose move could not be obtained, if any. */
  role: RoleSchema.nullable(),
});
export type TrialAborted = z.infer<typeof TrialAbortedSchema>;

export const TrialEventSchema = z.discriminatedUnion('type', [
  TrialCreatedSchema,
  ArgumentSubmittedSchema,
  JudgeInterjectedSchema,
  BeliefReportedSchema,
  VerdictSubmittedSchema,
  TrialAbortedSchema,
]);
export type TrialEvent = z.infer<typeof TrialEventSchema>;
export type TrialEventType = TrialEvent['type'];
