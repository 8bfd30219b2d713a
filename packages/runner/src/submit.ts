import {
  applyMove,
  checkClaim,
  checkInterjectionClaim,
  foldEvents,
  type Move,
  type MoveRefusal,
  type Role,
  type TrialEvent,
  type TrialState,
} from '@oversight/core';
import { type DriveContext, recordOptions } from './drive.ts';
import { appendFor } from './record.ts';
import { AppendConflict, DuplicateMove, type MoveReceipt } from './store.ts';

/** A move from a person: what they answered, on which screen, through which click or message. */
export interface MoveSubmission {
  trialId: string;
  participantId: string;
  /** The position of the view they answered (`view.position`): an older one is refused as stale. */
  position: number;
  /** Idempotency and provenance: the platform's interaction or event id, and where it came from. */
  receipt: MoveReceipt;
  move: Move;
}

export type SubmitResult =
  /** Recorded now, or (duplicate) recorded before under the same key: the events of that first move. */
  | { status: 'accepted'; duplicate: boolean; events: TrialEvent[]; state: TrialState }
  /** Nothing recorded: why, and the trial as it stands (to show the person the current view). */
  | {
      status: 'refused';
      code: MoveRefusal['code'] | 'invalid';
      message: string;
      state: TrialState;
    };

/** How many lost races a submission retries before saying the trial is too busy (it never throws for one). */
const MAX_RACES = 20;

/**
 * Records a person's move, or refuses it with the reason; never throws for a late, repeated or
 * racing click. It returns as soon as the move is appended: the simulated and model turns that
 * follow are `serve`'s job (the append marks the trial active and wakes it).
 */
export async function submitMove(context: DriveContext, submission: MoveSubmission): Promise<SubmitResult> {
  const { trialId, participantId, receipt } = submission;
  if (submission.move.type === 'abort')
    return {
      status: 'refused',
      code: 'invalid',
      message: 'a participant cannot abort a trial; an admin can (abortTrial)',
      state: foldEvents(await context.store.loadEvents(trialId)),
    };
  for (let race = 0; ; race++) {
    const state = foldEvents(await context.store.loadEvents(trialId));
    const earlier = await context.store.receipt(receipt.key);
    if (earlier) {
      const log = await context.store.loadEvents(earlier.trialId);
      return {
        status: 'accepted',
        duplicate: true,
        events: log.slice(earlier.seq, earlier.seq + earlier.events),
        state,
      };
    }
    const role = roleOf(state, participantId, submission.move);
    // An any-time question is not a turn: it names the end of what the judge has seen instead.
    const refusal =
      submission.move.type === 'interjection'
        ? checkInterjectionClaim(state, { participantId, position: submission.position })
        : checkClaim(state, { role, participantId, position: submission.position });
    if (refusal) return { status: 'refused', ...refusal, state };
    const move: Move = submission.move.type === 'argument' ? { ...submission.move, role } : submission.move;
    const question = await context.questions(state.created);
    const result = applyMove(state, move, question.source);
    if (!result.ok) return { status: 'refused', code: 'invalid', message: result.error, state };
    const { input, after } = appendFor(state, result.events, recordOptions(context));
    try {
      await context.store.append({ ...input, receipt });
      return { status: 'accepted', duplicate: false, events: result.events, state: after };
    } catch (error) {
      // Lost a race (another move landed first) or the same key landed first: look again.
      if (!(error instanceof AppendConflict || error instanceof DuplicateMove)) throw error;
      if (race >= MAX_RACES)
        return {
          status: 'refused',
          code: 'stale',
          message: 'the trial kept changing while your move was being recorded; look at it again and retry',
          state: foldEvents(await context.store.loadEvents(trialId)),
        };
    }
  }
}

/** The seat a participant holds in this trial (a person holds at most one per trial). */
function roleOf(state: TrialState, participantId: string, move: Move): Role {
  if (move.type === 'argument' && state.seats[move.role as Role] === participantId) return move.role as Role;
  if (move.type === 'judgement' || move.type === 'interjection') return 'judge';
  const held = (Object.entries(state.seats) as Array<[Role, string]>).find(([, id]) => id === participantId);
  return held?.[0] ?? (move.type === 'argument' ? (move.role as Role) : 'judge');
}
