import type {
  ArguerView,
  ExperimentConfig,
  JudgeView,
  Move,
  ParticipantRecord,
  ParticipantSpec,
  Role,
  Turn,
} from '@oversight/core';

/** What the runner asks a participant when it is that participant's turn. */
export interface MoveRequest {
  experimentId: string;
  arm: string;
  trialId: string;
  role: Role;
  turn: Turn;
  /** Exactly what this role may see (built by core/views). */
  view: JudgeView | ArguerView;
  /** The trial's seed (fixed for the whole trial). */
  trialSeed: string;
  /** Deterministic seed for this move: same trial, seq and role give the same seed after a restart. */
  seed: string;
  /** 1 on the first ask; higher when an earlier answer was rejected. */
  attempt: number;
  /** Why the previous answer was rejected, so the participant can correct it. */
  previousError?: string;
  /**
   * The truth, given only to simulated participants: a simulation of a judge being swayed has to
   * know who was right. Never passed to people or models.
   */
  simulationTruth?: { correctAnswer: number; honest: boolean | null };
}

/** A move, or `wait` for a person who will answer later (the wait is recorded in the database). */
export type ParticipantResponse = Move | { type: 'wait' };

export interface Participant {
  readonly record: ParticipantRecord;
  respond(request: MoveRequest): Promise<ParticipantResponse>;
  /**
   * An automatic judge in an arm whose judge may ask at any time: asked once as each round starts
   * being written (`request.turn` is that speech turn), it returns a question, or null to ask none.
   */
  interject?(request: MoveRequest): Promise<string | null>;
}

/**
 * Thrown by a participant that cannot produce a move (a model whose retries ran out, say).
 * The runner stops that trial with the reason recorded and goes on with the rest.
 */
export class ParticipantFailure extends Error {
  override name = 'ParticipantFailure';
}

export interface ParticipantContext {
  experimentId: string;
  config: ExperimentConfig;
}

export type ParticipantFactory<K extends ParticipantSpec['kind'] = ParticipantSpec['kind']> = (
  record: ParticipantRecord & { spec: Extract<ParticipantSpec, { kind: K }> },
  context: ParticipantContext,
) => Participant;

/** One factory per participant kind; the LLM package supplies `llm`, the CLI composes them. */
export type ParticipantFactories = { [K in ParticipantSpec['kind']]?: ParticipantFactory<K> };
