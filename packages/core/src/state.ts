import type {
  ArgumentSubmitted,
  BeliefReported,
  JudgeInterjected,
  TrialAborted,
  TrialCreated,
  TrialEvent,
  VerdictSubmitted,
} from './events.ts';

/** A trial's state: nothing but a fold over its events. */
export interface TrialState {
  created: TrialCreated;
  arguments: ArgumentSubmitted[];
  interjections: JudgeInterjected[];
  beliefs: BeliefReported[];
  verdict: VerdictSubmitted | null;
  aborted: TrialAborted | null;
  /** Number of events folded, i.e. the seq the next event gets. */
  nextSeq: number;
}

export class EventLogError extends Error {
  override name = 'EventLogError';
}

export function foldEvents(events: readonly TrialEvent[]): TrialState {
  const [first, ...rest] = events;
  if (first?.type !== 'TrialCreated') throw new EventLogError('a trial log must start with TrialCreated');
  const state: TrialState = {
    created: first,
    arguments: [],
    interjections: [],
    beliefs: [],
    verdict: null,
    aborted: null,
    nextSeq: 1,
  };
  for (const event of rest) applyEvent(state, event);
  return state;
}

export function applyEvent(state: TrialState, event: TrialEvent): TrialState {
  if (state.verdict || state.aborted) {
    throw new EventLogError(`event ${event.type} after the trial ended (seq ${state.nextSeq})`);
  }
  switch (event.type) {
    case 'TrialCreated':
      throw new EventLogError('TrialCreated may only be the first event');
    case 'ArgumentSubmitted':
      state.arguments.push(event);
      break;
    case 'JudgeInterjected':
      state.interjections.push(event);
      break;
    case 'BeliefReported':
      state.beliefs.push(event);
      break;
    case 'VerdictSubmitted':
      state.verdict = event;
      break;
    case 'TrialAborted':
      state.aborted = event;
      break;
  }
  state.nextSeq += 1;
  return state;
}

export function isFinished(state: TrialState): boolean {
  return state.verdict !== null || state.aborted !== null;
}
