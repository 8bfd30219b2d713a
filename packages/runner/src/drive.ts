import {
  type ArguerRole,
  applyEvent,
  applyMove,
  arguerView,
  foldEvents,
  isSimulated,
  judgeView,
  judgmentOf,
  type Move,
  nextTurn,
  type ParticipantSpec,
  participantIdFor,
  type Question,
  type RewardConfig,
  type Role,
  rolesToMove,
  type TrialEvent,
  type TrialState,
} from '@oversight/core';
import { type MoveRequest, type Participant, ParticipantFailure } from './participant.ts';
import { AppendConflict, type TrialStatus, type TrialStore } from './store.ts';

/** Everything the driver needs to move trials forward. */
export interface DriveContext {
  store: TrialStore;
  questions: (questionId: string) => Question | Promise<Question>;
  participant: (participantId: string) => Participant;
  reward: RewardConfig;
  /** How often a participant may answer with an illegal move before the trial is stopped. */
  maxAttempts?: number;
}

export type DriveOutcome = 'finished' | 'aborted' | 'waiting';

/** Whose kind of participant an id is: what the trial status depends on. */
export type ParticipantKindOf = (participantId: string) => ParticipantSpec['kind'];

export const kindFrom =
  (participant: (id: string) => Participant): ParticipantKindOf =>
  (id) =>
    participant(id).record.spec.kind;

/** Status and awaited participant after a state, as cached on the trial row. */
export function statusOf(
  state: TrialState,
  kindOf: ParticipantKindOf,
): { status: TrialStatus; waitingOn: string | null } {
  if (state.verdict) return { status: 'finished', waitingOn: null };
  if (state.aborted) return { status: 'aborted', waitingOn: null };
  const roles = rolesToMove(state);
  const waitingOn = roles.length > 0 ? participantIdFor(state, roles[0]!) : null;
  const person = roles.some((role) => kindOf(participantIdFor(state, role)) === 'human');
  return { status: person ? 'waiting' : 'active', waitingOn };
}

export function moveRequest(
  state: TrialState,
  role: Role,
  question: Question,
  attempt: number,
  previousError?: string,
): MoveRequest {
  const { created } = state;
  const turn = nextTurn(state);
  if (!turn) throw new Error('no move is due: the trial has finished');
  const view =
    role === 'judge' ? judgeView(state, question) : arguerView(state, role as ArguerRole, question);
  const arguer = created.arguers.find((a) => a.role === role);
  return {
    experimentId: created.experimentId,
    arm: created.arm,
    trialId: created.trialId,
    role,
    turn,
    view,
    trialSeed: created.seed,
    seed: `${created.seed}/${state.nextSeq}/${role}/${attempt}`,
    attempt,
    ...(previousError ? { previousError } : {}),
    simulationTruth: {
      correctAnswer: created.correctDisplayed,
      honest:
        role === 'judge'
          ? created.arguers.length === 1
            ? created.arguers[0]!.honest
            : null
          : (arguer?.honest ?? null),
    },
  };
}

/** Asks one participant for a legal move, re-asking with the reason when a move is rejected. */
async function obtainMove(
  state: TrialState,
  role: Role,
  question: Question,
  context: DriveContext,
): Promise<TrialEvent[] | 'wait'> {
  const participant = context.participant(participantIdFor(state, role));
  const simulated = isSimulated(participant.record.spec);
  const maxAttempts = context.maxAttempts ?? 3;
  let previousError: string | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const request = moveRequest(state, role, question, attempt, previousError);
    if (!simulated) delete request.simulationTruth;
    let response: Awaited<ReturnType<Participant['respond']>>;
    try {
      response = await participant.respond(request);
    } catch (error) {
      const reason =
        error instanceof ParticipantFailure
          ? error.message
          : `participant error: ${(error as Error).message}`;
      return [{ type: 'TrialAborted', reason: `${participant.record.id} (${role}): ${reason}`, role }];
    }
    if (response.type === 'wait') return 'wait';
    const move: Move = response.type === 'argument' ? { ...response, role } : response;
    const result = applyMove(state, move, question.source);
    if (result.ok) return result.events;
    previousError = result.error;
  }
  return [
    {
      type: 'TrialAborted',
      reason: `${participant.record.id} (${role}) made no legal move in ${maxAttempts} attempts; last error: ${previousError}`,
      role,
    },
  ];
}

/**
 * Drives one trial until it finishes or waits for a person. Safe to call again after a crash at
 * any point: it reloads the log, and an append that lost a race is reloaded rather than doubled.
 *
 * A move from a model or a person is appended as soon as it is made. Moves of simulated
 * participants cost nothing to recompute (they are a pure function of the seed), so a run of them
 * is appended in one transaction: a crash before it just recomputes the same events.
 */
export async function driveTrial(trialId: string, context: DriveContext): Promise<DriveOutcome> {
  let state = foldEvents(await context.store.loadEvents(trialId));
  let committed = state;
  let pending: TrialEvent[] = [];
  const question = await context.questions(state.created.questionId);

  /** Appends the pending events; false when another writer got there first (state is reloaded). */
  const flush = async (): Promise<boolean> => {
    if (pending.length === 0) return true;
    const { status, waitingOn } = statusOf(state, kindFrom(context.participant));
    try {
      await context.store.append({
        trialId,
        expectedSeq: committed.nextSeq,
        events: pending,
        status,
        waitingOn,
        judgment: judgmentOf(state, context.reward),
      });
      committed = state;
      pending = [];
      return true;
    } catch (error) {
      if (!(error instanceof AppendConflict)) throw error;
      state = committed = foldEvents(await context.store.loadEvents(trialId));
      pending = [];
      return false;
    }
  };

  for (;;) {
    if (state.verdict || state.aborted) {
      if (!(await flush())) continue;
      return state.verdict ? 'finished' : 'aborted';
    }
    const roles = rolesToMove(state);
    const instant = roles.every((role) =>
      isSimulated(context.participant(participantIdFor(state, role)).record.spec),
    );
    if (!instant && !(await flush())) continue;
    // Simultaneous speeches are requested together (neither sees the other) and applied in turn.
    const answers = await Promise.all(roles.map((role) => obtainMove(state, role, question, context)));
    const next = structuredClone(state);
    const events: TrialEvent[] = [];
    let waiting = false;
    for (const answer of answers) {
      if (answer === 'wait') {
        waiting = true;
        continue;
      }
      if (next.verdict || next.aborted) break;
      for (const event of answer) {
        applyEvent(next, event);
        events.push(event);
      }
      if (answer.some((e) => e.type === 'TrialAborted')) break;
    }
    if (events.length === 0) {
      // The trial row already says whom it waits for: it was set with the last append or at creation.
      if (waiting) return 'waiting';
      throw new Error(`trial ${trialId}: no participant produced a move`);
    }
    pending.push(...events);
    state = next;
    if (!instant && !(await flush())) continue;
  }
}

export type SubmitResult = { ok: true; state: TrialState } | { ok: false; error: string; state: TrialState };

/**
 * Records a move that arrived from outside the run loop (a person at the terminal or in a chat
 * app), after checking it is theirs to make and legal, then lets the automatic participants take
 * the turns that follow. A rejected move changes nothing and says why.
 */
export async function submitMove(
  trialId: string,
  participantId: string,
  move: Move,
  context: DriveContext,
): Promise<SubmitResult> {
  const state = foldEvents(await context.store.loadEvents(trialId));
  const role = move.type === 'argument' ? move.role : move.type === 'judgement' ? 'judge' : null;
  if (!role || !rolesToMove(state).includes(role) || participantIdFor(state, role) !== participantId) {
    return { ok: false, error: `it is not ${participantId}'s turn in trial ${trialId}`, state };
  }
  const question = await context.questions(state.created.questionId);
  const result = applyMove(state, move, question.source);
  if (!result.ok) return { ok: false, error: result.error, state };
  const next = structuredClone(state);
  for (const event of result.events) applyEvent(next, event);
  const { status, waitingOn } = statusOf(next, kindFrom(context.participant));
  await context.store.append({
    trialId,
    expectedSeq: state.nextSeq,
    events: result.events,
    status,
    waitingOn,
    judgment: judgmentOf(next, context.reward),
  });
  if (status === 'active') await driveTrial(trialId, context);
  return { ok: true, state: next };
}
