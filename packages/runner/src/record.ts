import {
  applyEvent,
  type JudgmentRecord,
  judgmentOf,
  owedMoves,
  type RewardConfig,
  type Role,
  type TrialEvent,
  type TrialState,
} from '@oversight/core';
import type { AppendInput, OwedMoveRecord, TrialStatus } from './store.ts';

/**
 * Whether a seat's holder is a person (null: an open seat, which only people take). Simulated and
 * model participants come from the experiment's config; everyone else is a person who joined.
 */
export type IsPerson = (participantId: string | null) => boolean;

/**
 * A state to fold more events into, leaving `state` as it was. Folding only pushes to the arrays and
 * changes the seat maps (events themselves are never changed), so copying those is enough: a deep
 * clone per move made long trials quadratic.
 */
export function copyState(state: TrialState): TrialState {
  return {
    ...state,
    arguments: [...state.arguments],
    interjections: [...state.interjections],
    beliefs: [...state.beliefs],
    entries: [...state.entries],
    feedback: [...state.feedback],
    seats: { ...state.seats },
    owedSince: { ...state.owedSince },
  };
}

function foldInto(state: TrialState, events: readonly TrialEvent[]): TrialState {
  for (const event of events) applyEvent(state, event);
  return state;
}

/** What the trial row and its companions cache about a state: status and who owes what. */
export function trialRecord(
  state: TrialState,
  isPerson: IsPerson,
): { status: TrialStatus; owed: OwedMoveRecord[] } {
  if (state.verdict) return { status: 'finished', owed: [] };
  if (state.aborted) return { status: 'aborted', owed: [] };
  const owed = owedMoves(state).map((o) => ({ ...o, human: isPerson(o.participantId) }));
  // Active while anything automatic is due (serve drives it, even beside a person who is thinking).
  return { status: owed.some((o) => !o.human) ? 'active' : 'waiting', owed };
}

export interface RecordOptions {
  isPerson: IsPerson;
  reward: RewardConfig;
  /** Practice trials (the qualification arm) are kept apart from the results: no Judgment row. */
  practiceArm?: string | undefined;
}

/**
 * The one place that turns new events into everything an append writes: the log, the trial's status,
 * who owes the next moves, seats given, "your turn" notices for people, and the judgment. Every path
 * that moves a trial (the driver, a person's move, a seat taken, an admin's abort) goes through it.
 */
export function appendFor(
  before: TrialState,
  events: readonly TrialEvent[],
  options: RecordOptions,
  /** `before` with `events` folded in, when the caller has it already (the driver does): not folded again. */
  folded?: TrialState,
): { input: Omit<AppendInput, 'trialId'> & { trialId: string }; after: TrialState } {
  const after = folded ?? foldInto(copyState(before), events);
  const { status, owed } = trialRecord(after, options.isPerson);
  const seats = (Object.entries(after.seats) as Array<[Role, string]>)
    .filter(([role, id]) => before.seats[role] !== id)
    .map(([role, participantId]) => ({ role, participantId }));
  const previously = new Set(owedMoves(before).map((o) => `${o.role}/${o.participantId}/${o.sinceSeq}`));
  const notify = owed
    .filter(
      (o) =>
        o.human && o.participantId !== null && !previously.has(`${o.role}/${o.participantId}/${o.sinceSeq}`),
    )
    .map((o) => ({ participantId: o.participantId!, role: o.role, sinceSeq: o.sinceSeq }));
  const practice = after.created.arm === options.practiceArm;
  const judgment: JudgmentRecord | null =
    practice || before.verdict ? null : judgmentOf(after, options.reward);
  const judgeChanged = (before.seats.judge ?? null) !== (after.seats.judge ?? null);
  const wasActive = trialRecord(before, options.isPerson).status === 'active';
  return {
    input: {
      trialId: before.created.trialId,
      expectedSeq: before.nextSeq,
      events: [...events],
      status,
      ...(judgeChanged ? { judgeId: after.seats.judge ?? null } : {}),
      owed,
      seats,
      notify,
      judgment,
      wake: status === 'active' && !wasActive,
    },
    after,
  };
}
