// Row and input types of the repositories. Event payloads stay opaque JSON objects with a `type`
// discriminator, so the database never rejects an event core would fold; core defines the precise union.
import type { JudgmentRecord } from '@oversight/core';
import type { Prisma } from './generated/prisma/client.ts';

/** An event as stored: a JSON object with a string `type` (the core package narrows it). */
export type StoredEventPayload = { type: string } & Record<string, unknown>;

export interface StoredEvent {
  seq: number;
  payload: StoredEventPayload;
  recordedAt: Date;
}

export type JsonObject = Record<string, unknown>;

/** Prisma's JSON input type; values handed to the repositories must be JSON-serialisable. */
export type JsonInput = Prisma.InputJsonValue;

export interface ExperimentInput {
  id: string;
  name: string;
  seed: string;
  config: JsonObject;
  configHash: string;
  /** See the Experiment model: keys the truth-related draws of experiments with people. */
  blindingKey?: string | null;
}

export interface ExperimentRow extends ExperimentInput {
  createdAt: Date;
  /** How many trials the plan has, once every one is stored (null while planning is unfinished). */
  plannedTrials: number | null;
}

/** A question with its story, in the shape of @oversight/core's Question. */
export interface QuestionInput {
  id: string;
  storyId: string;
  storyTitle: string;
  question: string;
  answers: string[];
  correctIndex: number;
  /** The story text; stored once per storyId. */
  source: string;
  distractorIndex?: number | undefined;
  metadata: JsonObject;
}

export interface StoredQuestion extends QuestionInput {
  dataset: string;
}

export interface ParticipantInput {
  id: string;
  kind: string;
  label: string;
  spec: JsonObject;
}

export interface ParticipantRow extends ParticipantInput {
  experimentId: string;
  /** People only (null for simulated and model participants). */
  pool: string | null;
  identity: string | null;
  joinedAt: Date | null;
  consentedAt: Date | null;
  consentVersion: string | null;
  leftAt: Date | null;
}

/** A person joining an experiment's pool. */
export interface PersonInput {
  /** "discord:<user id>", "slack:<team>/<user>", "terminal:<name>". */
  identity: string;
  pool: string;
  /** The participant id to give them; when omitted, `<pool>-<n>` with the next number of the pool. */
  id?: string;
  label: string;
  spec: JsonObject;
  consentVersion: string | null;
}

/** A move that is due: a role, who holds its seat (null: open to people), since which position. */
export interface OwedMoveInput {
  role: string;
  participantId: string | null;
  sinceSeq: number;
  /** A person owes it (else `serve` drives it). */
  human: boolean;
}

export interface OwedMoveRow extends OwedMoveInput {
  trialId: string;
  experimentId: string;
  arm: string;
  storyId: string;
  ordinal: number;
  since: Date;
}

export interface SeatInput {
  role: string;
  participantId: string;
}

export interface SeatRow extends SeatInput {
  trialId: string;
  experimentId: string;
  arm: string;
  storyId: string;
  assignedAt: Date;
}

/**
 * A seat in which a person saw a story of an experiment's dataset: in that experiment, or in another
 * experiment on the same dataset that they joined under the same platform identity.
 */
export interface StorySeenRow {
  storyId: string;
  experimentId: string;
  trialId: string;
  role: string;
  assignedAt: Date;
}

/** A judge seat of an experiment whose holder had seen its story before, with one seat where they had. */
export interface StoryRepeatRow {
  /** The person, as a participant of the audited experiment. */
  participantId: string;
  trialId: string;
  dataset: string;
  storyId: string;
  assignedAt: Date;
  /** Where they had seen the story: this experiment or another on the same dataset. */
  earlierExperimentId: string;
  earlierTrialId: string;
  earlierRole: string;
  earlierAssignedAt: Date;
}

export interface NoticeInput {
  participantId: string;
  role: string;
  sinceSeq: number;
}

export interface NotificationRow extends NoticeInput {
  id: bigint;
  experimentId: string;
  trialId: string;
  kind: string;
  createdAt: Date;
  deliveredAt: Date | null;
  attempts: number;
}

export interface TrialInput {
  id: string;
  experimentId: string;
  arm: string;
  protocol: string;
  dataset: string;
  questionId: string;
  storyId: string;
  judgeId: string | null;
  ordinal: number;
  status: string;
  /** The moves due when the trial starts, and the seats taken at planning time. */
  owed: OwedMoveInput[];
  seats: SeatInput[];
  /** The seq-0 event, written with the trial. */
  created: StoredEventPayload;
}

export interface TrialRow extends Omit<TrialInput, 'created' | 'owed' | 'seats'> {
  /** The random handle participants' clients carry (newTrialRef): never the trial id. */
  ref: string;
  nextSeq: number;
  updatedAt: Date;
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

/**
 * A Judgment row to write with the verdict. The denormalised columns (experimentId, arm, protocol,
 * questionId, storyId, judgeId) are always copied from the trial and its question inside the append, so
 * they cannot disagree with it; they may be passed (e.g. a whole JudgmentRecord from core) and are then
 * checked against the trial first: a mismatch throws and nothing is written.
 */
export interface JudgmentRowInput {
  trialId?: string;
  experimentId?: string;
  arm?: string;
  protocol?: string;
  questionId?: string;
  storyId?: string;
  judgeId?: string;
  arguerHonest?: boolean | null;
  induction?: string | null;
  honestArguerId?: string | null;
  dishonestArguerId?: string | null;
  probCorrect: number;
  correct: boolean;
  rounds: number;
  reward: number;
  /** The judge's probability on the correct answer after each judge turn, the verdict last. */
  beliefs: number[];
}

/** A Judgment row as read back: core's JudgmentRecord, with the protocol as the string stored. */
export type JudgmentRow = Omit<JudgmentRecord, 'protocol'> & { protocol: string };

/** Who made a move from outside (a person), from where; its key makes the move idempotent. */
export interface MoveReceiptInput {
  /** The platform's interaction or event id, e.g. "discord:interaction:1234"; the same key twice is one move. */
  key: string;
  participantId: string;
  platform: string;
  /** The message or interaction id on that platform. */
  ref: string;
}

export interface MoveReceiptRow extends MoveReceiptInput {
  trialId: string;
  seq: number;
  events: number;
  recordedAt: Date;
}

export interface AppendInput {
  trialId: string;
  /** The trial's nextSeq as last read; the events get seq expectedSeq, expectedSeq + 1, … */
  expectedSeq: number;
  events: StoredEventPayload[];
  /** The trial's status after these events, and its judge when the judge seat changed hands. */
  trial: { status: string; judgeId?: string | null };
  /** Every move due after these events: replaces the trial's OwedMove rows. */
  owed: OwedMoveInput[];
  /** Seats given by these events. */
  seats?: SeatInput[];
  /** "Your turn" notices for people these events made a move due for. */
  notify?: NoticeInput[];
  judgment?: JudgmentRowInput;
  /** A person's move: recorded with its key, so the same key again is refused as a duplicate. */
  receipt?: MoveReceiptInput;
  /**
   * NOTIFY the services that the trial now needs driving (it just became active, e.g. after a person's
   * move). Not for a service's own steps, which would wake every service on every append.
   */
  wake?: boolean;
}

export interface AppendResult {
  /** The trial's nextSeq after the append. */
  nextSeq: number;
  recordedAt: Date;
}

export interface LlmCacheEntry {
  key: string;
  model: string;
  request: unknown;
  response: unknown;
  createdAt: Date;
}

export interface LlmCallInput {
  /** Defaults to a random UUID. */
  id?: string;
  experimentId?: string | null;
  trialId?: string | null;
  role: string;
  model: string;
  endpoint: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  cached: boolean;
  ok: boolean;
  error?: string | null;
  createdAt?: Date;
}

export interface CostTotals {
  calls: number;
  cachedCalls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface CostSummary {
  /** Per arm of the trial each call belonged to. */
  byArm: Record<string, CostTotals>;
  /** Calls of the experiment not tied to a trial (e.g. setup, calibration). */
  noTrial: CostTotals;
  total: CostTotals;
  /** The models that answered calls not served from the cache (those a price would apply to), sorted. */
  paidModels: string[];
}
