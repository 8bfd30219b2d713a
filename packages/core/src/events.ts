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
    /** An arguer asked again: why its previous answer was refused (its prompt said so). */
    previousError: z.string(),
    /** critique-refine: the hash of the first (speech) prompt, as `promptHash` is the last rewrite's. */
    speechPromptHash: z.string(),
    /**
     * best-of-n: every candidate in candidate order, with the scorer's probability on the arguer's
     * answer (null when it could not score it), so the ones not kept remain as preference data.
     */
    candidateSpeeches: z.array(z.object({ text: z.string(), score: z.number().nullable() })),
    /**
     * A person's move from a browser: what the page saw during the turn it answers (participants are
     * told in the consent). Seconds the turn's screen was open, of them hidden (another tab or app),
     * and characters pasted into its boxes. Quality-control rules in the config read these.
     */
    attention: z.object({
      turnSeconds: z.number().min(0),
      hiddenSeconds: z.number().min(0),
      pastedCharacters: z.number().int().min(0),
    }),
  })
  .partial();
export type MoveMeta = z.infer<typeof MoveMetaSchema>;

export const ArguerAssignmentSchema = z.object({
  role: RoleSchema,
  /** null: a person from the arm's pool of human arguers takes the seat when they ask for work. */
  participantId: z.string().nullable(),
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
  /** The dataset the question is stored under (question ids are unique within a dataset only). */
  dataset: z.string().optional(),
  questionId: z.string(),
  storyId: z.string(),
  /** null: a person from the arm's human judge pools takes the seat when they ask for work. */
  judgeId: z.string().nullable(),
  /** Original answer indices in the order shown (randomised per trial, counterbalanced). */
  displayed: z.array(z.number().int().nonnegative()).min(2),
  /** Index into `displayed` of the correct answer. Hidden from the judge until the verdict. */
  correctDisplayed: z.number().int().nonnegative(),
  arguers: z.array(ArguerAssignmentSchema),
  /** How the wrong-side arguer was induced to argue for it, when it is a model. */
  induction: z.string().nullable(),
  seed: z.string(),
  /**
   * Offline judging: the finished trial whose transcript this one replays, round by round, to a new
   * judge ('whole': every round before the judge's one turn; 'stepped': the judge's belief after each).
   * The arguers' seats are held by OFFLINE_SOURCE (the replay), never by anyone who moves.
   */
  offline: z
    .object({ experimentId: z.string(), trialId: z.string(), mode: z.enum(['whole', 'stepped']) })
    .optional(),
  /** A new attempt at an aborted trial: which one, and the attempt's number (the first is 1). */
  retryOf: z.string().optional(),
  attempt: z.number().int().min(2).optional(),
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
  /** The judge's turn after this round, or (atAnyTime) the round whose speeches were being written. */
  round: z.number().int().min(1),
  text: z.string().min(1),
  /**
   * Asked while the arguers were writing round `round` (arms with interjections "any-time"): the
   * arguers see it once that round is complete, and answer it in the next.
   */
  atAnyTime: z.literal(true).optional(),
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
  /** Who stopped it, when a person did (an admin's pseudonym; never a platform id). */
  by: z.string().optional(),
});
export type TrialAborted = z.infer<typeof TrialAbortedSchema>;

/**
 * A seat (judge, debater, consultant, assistant) is given to a participant: a person who asked for
 * work, or an admin's reassignment. The seat's holder is the latest such event (or TrialCreated's).
 */
export const ParticipantAssignedSchema = z.object({
  type: z.literal('ParticipantAssigned'),
  role: RoleSchema,
  /** null: the seat goes back to the pool (an admin took it from someone). */
  participantId: z.string().nullable(),
  reason: z.string().min(1),
  /** How many seats this person had been given in the experiment before this one (0 = first). */
  order: z.number().int().nonnegative().optional(),
  /** Who reassigned it, when an admin did (a pseudonym; never a platform id). */
  by: z.string().optional(),
});
export type ParticipantAssigned = z.infer<typeof ParticipantAssignedSchema>;

/** A participant's answers to the experiment's feedback survey, after the verdict. */
export const FeedbackSubmittedSchema = z.object({
  type: z.literal('FeedbackSubmitted'),
  role: RoleSchema,
  participantId: z.string(),
  answers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});
export type FeedbackSubmitted = z.infer<typeof FeedbackSubmittedSchema>;

export const TrialEventSchema = z.discriminatedUnion('type', [
  TrialCreatedSchema,
  ArgumentSubmittedSchema,
  JudgeInterjectedSchema,
  BeliefReportedSchema,
  VerdictSubmittedSchema,
  TrialAbortedSchema,
  ParticipantAssignedSchema,
  FeedbackSubmittedSchema,
]);
export type TrialEvent = z.infer<typeof TrialEventSchema>;
export type TrialEventType = TrialEvent['type'];

/** Who holds the arguers' seats in an offline trial: the replay of its source trial's speeches. */
export const OFFLINE_SOURCE = 'offline-source';
