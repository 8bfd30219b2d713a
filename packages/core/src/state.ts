import type {
  ArgumentSubmitted,
  BeliefReported,
  FeedbackSubmitted,
  JudgeInterjected,
  TrialAborted,
  TrialCreated,
  TrialEvent,
  VerdictSubmitted,
} from './events.ts';
import type { Role } from './protocol-kind.ts';
import { rolesToMove } from './protocols.ts';

/** A move that shows in a transcript, with its place in the log. */
export type TranscriptEvent = ArgumentSubmitted | JudgeInterjected | BeliefReported;

/** A trial's state: nothing but a fold over its events. */
export interface TrialState {
  created: TrialCreated;
  arguments: ArgumentSubmitted[];
  interjections: JudgeInterjected[];
  beliefs: BeliefReported[];
  /** Arguments, interjections and beliefs in the order they were logged: what transcripts show. */
  entries: Array<{ seq: number; event: TranscriptEvent }>;
  verdict: VerdictSubmitted | null;
  aborted: TrialAborted | null;
  feedback: FeedbackSubmitted[];
  /** Who holds each seat now (absent: nobody yet; a person from the pool takes it on request). */
  seats: Partial<Record<Role, string>>;
  /**
   * For each role whose move is due, the seq at which it became due. A move names this position,
   * so an answer to an outdated screen can be told from one to the current turn.
   */
  owedSince: Partial<Record<Role, number>>;
  /** Number of events folded, i.e. the seq the next event gets. */
  nextSeq: number;
}

export class EventLogError extends Error {
  override name = 'EventLogError';
}

export function foldEvents(events: readonly TrialEvent[]): TrialState {
  const [first, ...rest] = events;
  if (first?.type !== 'TrialCreated') throw new EventLogError('a trial log must start with TrialCreated');
  const seats: Partial<Record<Role, string>> = {};
  if (first.judgeId !== null) seats.judge = first.judgeId;
  for (const arguer of first.arguers)
    if (arguer.participantId !== null) seats[arguer.role] = arguer.participantId;
  const state: TrialState = {
    created: first,
    arguments: [],
    interjections: [],
    beliefs: [],
    entries: [],
    verdict: null,
    aborted: null,
    feedback: [],
    seats,
    owedSince: {},
    nextSeq: 1,
  };
  updateOwed(state);
  for (const event of rest) applyEvent(state, event);
  return state;
}

export function applyEvent(state: TrialState, event: TrialEvent): TrialState {
  const seq = state.nextSeq;
  if (isFinished(state) && event.type !== 'FeedbackSubmitted') {
    throw new EventLogError(`event ${event.type} after the trial ended (seq ${seq})`);
  }
  switch (event.type) {
    case 'TrialCreated':
      throw new EventLogError('TrialCreated may only be the first event');
    case 'ArgumentSubmitted':
      state.arguments.push(event);
      state.entries.push({ seq, event });
      break;
    case 'JudgeInterjected':
      state.interjections.push(event);
      state.entries.push({ seq, event });
      break;
    case 'BeliefReported':
      state.beliefs.push(event);
      state.entries.push({ seq, event });
      break;
    case 'VerdictSubmitted':
      state.verdict = event;
      break;
    case 'TrialAborted':
      state.aborted = event;
      break;
    case 'ParticipantAssigned':
      if (event.participantId === null) delete state.seats[event.role];
      else state.seats[event.role] = event.participantId;
      break;
    case 'FeedbackSubmitted':
      if (!isFinished(state)) throw new EventLogError(`feedback before the trial ended (seq ${seq})`);
      state.feedback.push(event);
      break;
  }
  // A role that moved owes its next move from a new position, even when it is due again at once.
  if (event.type === 'ArgumentSubmitted') delete state.owedSince[event.role];
  if (event.type === 'JudgeInterjected' || event.type === 'BeliefReported') delete state.owedSince.judge;
  state.nextSeq += 1;
  updateOwed(state);
  return state;
}

/** Roles that became due keep the seq they became due at; roles no longer due are dropped. */
function updateOwed(state: TrialState): void {
  const due = new Set(rolesToMove(state));
  for (const role of Object.keys(state.owedSince) as Role[]) if (!due.has(role)) delete state.owedSince[role];
  for (const role of due) state.owedSince[role] ??= state.nextSeq;
}

export function isFinished(state: TrialState): boolean {
  return state.verdict !== null || state.aborted !== null;
}
