import { z } from 'zod';
import type { MoveMeta, TrialEvent } from './events.ts';
import { MoveMetaSchema } from './events.ts';
import { type ArguerRole, type Role, RoleSchema } from './protocol-kind.ts';
import { anyTimeInterjectionRefusal, nextTurn } from './protocols.ts';
import { quotedLength, verifyQuotes, visibleLength } from './quotes.ts';
import type { TrialState } from './state.ts';
import { judgeSeenPosition } from './views.ts';

/** What a participant answers when it is its turn. */
export const MoveSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('argument'),
    role: RoleSchema,
    text: z.string(),
    meta: MoveMetaSchema.optional(),
  }),
  z.object({
    type: z.literal('judgement'),
    /** A probability per displayed answer; may be omitted when beliefs are not asked this round. */
    probabilities: z.array(z.number()).optional(),
    /** A question or comment to the arguers (or the sandwiching person's message). */
    comment: z.string().optional(),
    /** Lock the verdict now. */
    end: z.boolean(),
    rationale: z.string().optional(),
    meta: MoveMetaSchema.optional(),
  }),
  /** The judge's question or comment while the arguers write (arms with interjections "any-time"). */
  z.object({ type: z.literal('interjection'), text: z.string(), meta: MoveMetaSchema.optional() }),
  z.object({ type: z.literal('abort'), reason: z.string().min(1), role: RoleSchema.nullable() }),
]);

/** The longest question or comment a judge may send (the chat apps' modals allow as much). */
export const MAX_INTERJECTION_LENGTH = 2000;
export type Move = z.infer<typeof MoveSchema>;

export type MoveResult = { ok: true; events: TrialEvent[] } | { ok: false; error: string };

const PROBABILITY_SUM_TOLERANCE = 0.01;

/** Checks and normalises a probability vector; returns an error message naming what is wrong. */
export function checkProbabilities(probabilities: readonly number[], answers: number): string | number[] {
  if (probabilities.length !== answers) {
    return `expected ${answers} probabilities (one per answer), got ${probabilities.length}`;
  }
  if (probabilities.some((p) => !Number.isFinite(p) || p < 0 || p > 1)) {
    return 'each probability must be a number between 0 and 1';
  }
  const sum = probabilities.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
    return `probabilities must sum to 1 (they sum to ${sum.toFixed(3)})`;
  }
  return probabilities.map((p) => p / sum);
}

/**
 * Validates a move against the protocol and turns it into events. A rejected move leaves the
 * trial untouched and says why, so a person can correct it and a model can be asked again.
 */
export function applyMove(state: TrialState, move: Move, source: string): MoveResult {
  const turn = nextTurn(state);
  if (move.type === 'abort') {
    if (!turn) return { ok: false, error: 'the trial has already finished' };
    return { ok: true, events: [{ type: 'TrialAborted', reason: move.reason, role: move.role }] };
  }
  if (!turn) return { ok: false, error: 'the trial has already finished' };
  const { rules } = state.created;
  const meta: { meta?: MoveMeta } = move.meta ? { meta: move.meta } : {};

  if (move.type === 'interjection') {
    const refusal = anyTimeInterjectionRefusal(state);
    if (refusal) return { ok: false, error: refusal };
    const text = move.text.trim();
    if (!text) return { ok: false, error: 'the question is empty' };
    if (text.length > MAX_INTERJECTION_LENGTH)
      return {
        ok: false,
        error: `the question has ${text.length} characters; the limit is ${MAX_INTERJECTION_LENGTH}`,
      };
    return {
      ok: true,
      events: [{ type: 'JudgeInterjected', round: turn.round, text, atAnyTime: true, ...meta }],
    };
  }

  if (move.type === 'argument') {
    if (turn.kind !== 'speech' || !turn.roles.includes(move.role as ArguerRole)) {
      return { ok: false, error: `it is not ${move.role}'s turn to speak (${describeTurn(state)})` };
    }
    const text = move.text.trim();
    if (text.length === 0) return { ok: false, error: 'the argument is empty' };
    const length = visibleLength(text);
    if (length > rules.charLimit) {
      return { ok: false, error: `the argument has ${length} characters; the limit is ${rules.charLimit}` };
    }
    const quoted = quotedLength(text);
    if (rules.quoteLimit !== null && quoted > rules.quoteLimit) {
      return {
        ok: false,
        error: `the argument quotes ${quoted} characters; the quote budget is ${rules.quoteLimit}`,
      };
    }
    return {
      ok: true,
      events: [
        {
          type: 'ArgumentSubmitted',
          round: turn.round,
          role: move.role,
          text,
          quotes: verifyQuotes(text, source),
          ...meta,
        },
      ],
    };
  }

  if (turn.kind !== 'judge')
    return { ok: false, error: `it is not the judge's turn (${describeTurn(state)})` };
  // Nothing is coerced: a verdict is a verdict because the judge said so.
  const end = move.end;
  if (turn.final && !end)
    return { ok: false, error: 'this is the last turn: submit your final verdict (end the trial)' };
  if (end && !turn.mayEnd)
    return { ok: false, error: 'this arm does not let the judge end before the last round' };
  const comment = move.comment?.trim() ?? '';
  if (comment && end) {
    return {
      ok: false,
      error:
        'a final verdict takes no question or comment to the arguers (nobody would answer it): continue to ask it, or put it in the rationale',
    };
  }
  if (comment && !turn.mayComment)
    return { ok: false, error: 'this protocol does not let the judge address the arguers' };
  if (turn.mustComment && !end && !comment) {
    return { ok: false, error: 'write a message to the assistant, or give your final answer' };
  }
  let probabilities: number[] | null = null;
  if (move.probabilities !== undefined) {
    const checked = checkProbabilities(move.probabilities, state.created.displayed.length);
    if (typeof checked === 'string') return { ok: false, error: checked };
    probabilities = checked;
  } else if (turn.beliefsRequired || end) {
    return { ok: false, error: 'give a probability for each answer' };
  }
  const events: TrialEvent[] = [];
  if (comment) events.push({ type: 'JudgeInterjected', round: turn.round, text: comment, ...meta });
  if (end) {
    const rationale = move.rationale?.trim();
    events.push({
      type: 'VerdictSubmitted',
      round: turn.round,
      probabilities: probabilities as number[],
      ...(rationale ? { rationale } : {}),
      ...meta,
    });
  } else {
    events.push({ type: 'BeliefReported', round: turn.round, probabilities, ...meta });
  }
  return { ok: true, events };
}

export function describeTurn(state: TrialState): string {
  const turn = nextTurn(state);
  if (!turn) return 'the trial has finished';
  if (turn.kind === 'speech') return `round ${turn.round}: waiting for ${turn.roles.join(' and ')}`;
  return `round ${turn.round}: waiting for the judge${turn.final ? "'s verdict" : ''}`;
}

/** Why a move from outside (a person in a chat app or at the terminal) cannot be taken. */
export type MoveRefusal =
  | { code: 'finished'; message: string }
  | { code: 'not-your-seat'; message: string }
  | { code: 'not-your-turn'; message: string }
  | { code: 'stale'; message: string };

export interface MoveClaim {
  role: Role;
  participantId: string;
  /** The position of the turn the person answered: the `position` of the view they saw. */
  position: number;
}

/**
 * Checks that an any-time question is the judge's, asked on the screen they saw: `position` is their
 * view's (judgeView), which moves only when something new reaches them, so a question typed before a
 * round was released is refused as stale, with the round to read first.
 */
export function checkInterjectionClaim(
  state: TrialState,
  claim: { participantId: string; position: number },
): MoveRefusal | null {
  if (state.verdict || state.aborted)
    return { code: 'finished', message: `the trial has ${state.verdict ? 'finished' : 'been stopped'}` };
  if (state.seats.judge !== claim.participantId)
    return { code: 'not-your-seat', message: 'the judge seat in this trial is not yours' };
  const seen = judgeSeenPosition(state);
  if (state.owedSince.judge === undefined && seen !== claim.position)
    return {
      code: 'stale',
      message: 'new speeches reached you after the screen you asked from: read them, then ask again',
    };
  return null;
}

/**
 * Checks that a move is this participant's, for this role, on the turn they saw. A person answers
 * late, twice, or against an old screen: each of those is refused with a reason, never coerced.
 */
export function checkClaim(state: TrialState, claim: MoveClaim): MoveRefusal | null {
  if (state.verdict || state.aborted)
    return { code: 'finished', message: `the trial has ${state.verdict ? 'finished' : 'been stopped'}` };
  const holder = state.seats[claim.role];
  if (holder !== claim.participantId)
    return {
      code: 'not-your-seat',
      message: `the ${claim.role} seat in this trial is not yours`,
    };
  const since = state.owedSince[claim.role];
  if (since === undefined)
    return { code: 'not-your-turn', message: `it is not your turn (${describeTurn(state)})` };
  if (since !== claim.position)
    return {
      code: 'stale',
      message: `the trial has moved on since the screen you answered (it was at step ${claim.position}, now ${since}); here is where it stands`,
    };
  return null;
}
