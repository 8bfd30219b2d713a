import {
  type ArguerRole,
  anyTimeInterjectionRefusal,
  applyEvent,
  applyMove,
  arguerView,
  foldEvents,
  isSimulated,
  judgeView,
  type Move,
  nextTurn,
  OFFLINE_SOURCE,
  participantIdFor,
  type Question,
  type RewardConfig,
  type Role,
  replayRound,
  rolesToMove,
  type TrialCreated,
  type TrialEvent,
  type TrialState,
} from '@oversight/core';
import { type MoveRequest, type Participant, ParticipantFailure } from './participant.ts';
import { MissingImplementation } from './participants/registry.ts';
import { appendFor, copyState, type IsPerson } from './record.ts';
import { AppendConflict, type TrialStore } from './store.ts';

/** Everything the driver needs to move trials forward. */
export interface DriveContext {
  store: TrialStore;
  /** The trial's question, read back exactly as stored under its dataset. */
  questions: (created: TrialCreated) => Question | Promise<Question>;
  participant: (participantId: string) => Participant;
  reward: RewardConfig;
  /** Practice trials (the qualification arm) are kept out of the results. */
  practiceArm?: string | undefined;
  /** How often a participant may answer with an illegal move before the trial is stopped. */
  maxAttempts?: number;
  /**
   * Once aborted, a trial stops before its next move (what it has made so far is appended first)
   * and driveTrial throws DriveInterrupted: how a service stops within seconds, not trials later.
   */
  signal?: AbortSignal;
}

/** driveTrial stopped between two moves because its context's signal was aborted; nothing is lost. */
export class DriveInterrupted extends Error {
  override name = 'DriveInterrupted';
  constructor(readonly trialId: string) {
    super(`trial ${trialId}: stopped between two moves (every move made so far is stored)`);
  }
}

export type DriveOutcome = 'finished' | 'aborted' | 'waiting';

/**
 * Simulated moves take no I/O, so a thousand trials would play out without the event loop ever turning
 * and a stop signal would be seen only when all had finished: the loop is let turn before a move once
 * this long has passed without a turn. Not before every move: a trial then plays its simulated moves
 * through while their objects are young, instead of a thousand trials each holding half-played state.
 */
const TURN_EVERY_MS = 5;
let lastTurn = 0;

/** Appends lost to other writers before the driver gives up on a trial for now (it is being moved elsewhere). */
export const MAX_APPEND_CONFLICTS = 25;

/** Whether a seat's holder is a person: open seats are, and anyone the config does not define. */
export function personTest(participant: (id: string) => Participant): IsPerson {
  // An offline trial's arguers are the replay of its source trial, driven here like a model.
  return (id) => id === null || (id !== OFFLINE_SOURCE && participant(id).record.spec.kind === 'human');
}

export function recordOptions(context: DriveContext) {
  return {
    isPerson: personTest(context.participant),
    reward: context.reward,
    practiceArm: context.practiceArm,
  };
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
  participantId: string,
  question: Question,
  context: DriveContext,
): Promise<TrialEvent[] | 'wait'> {
  const participant = context.participant(participantId);
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
      // Not the participant's failure: the trial must not be stopped for it.
      if (error instanceof MissingImplementation) throw error;
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
 * Drives one trial until it finishes or waits for people. Safe to call again after a crash at any
 * point: it reloads the log, and an append that lost a race is reloaded rather than doubled.
 *
 * A move from a model is appended as soon as it is made. Moves of simulated participants cost
 * nothing to recompute (they are a pure function of the seed), so a run of them is appended in one
 * transaction: a crash before it just recomputes the same events.
 */
export async function driveTrial(trialId: string, context: DriveContext): Promise<DriveOutcome> {
  let state = foldEvents(await context.store.loadEvents(trialId));
  let committed = state;
  let pending: TrialEvent[] = [];
  let conflicts = 0;
  /** When this driver first asked for a round's speeches (what the pace counts from). */
  const roundStart = new Map<number, number>();
  /** An offline trial's source log, read once. */
  let source: TrialEvent[] | undefined;
  const question = await context.questions(state.created);
  const options = recordOptions(context);

  /** Appends the pending events; false when another writer got there first (state is reloaded). */
  const flush = async (): Promise<boolean> => {
    if (pending.length === 0) return true;
    try {
      await context.store.append(appendFor(committed, pending, options, state).input);
      committed = state;
      pending = [];
      return true;
    } catch (error) {
      if (!(error instanceof AppendConflict)) throw error;
      conflicts += 1;
      if (conflicts > MAX_APPEND_CONFLICTS)
        throw new Error(
          `trial ${trialId}: ${conflicts} appends in a row lost to other writers; another process is moving it (left for now)`,
        );
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
    // People's moves arrive from outside (submitMove); here only simulated and model participants move.
    const due = rolesToMove(state)
      .map((role) => ({ role, holder: participantIdFor(state, role) }))
      .filter((d): d is { role: Role; holder: string } => !options.isPerson(d.holder));
    if (due.length === 0) {
      if (!(await flush())) continue;
      return 'waiting';
    }
    if (context.signal) {
      if (performance.now() - lastTurn >= TURN_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastTurn = performance.now();
      }
      if (context.signal.aborted) {
        if (!(await flush())) continue;
        throw new DriveInterrupted(trialId);
      }
    }
    const turn = nextTurn(state);
    if (turn?.kind === 'speech' && !roundStart.has(turn.round)) {
      roundStart.set(turn.round, Date.now());
      const asked = await automaticInterjection(state, question, options.isPerson, context);
      if (asked.length > 0) {
        const next = state === committed ? copyState(state) : state;
        for (const event of asked) applyEvent(next, event);
        pending.push(...asked);
        state = next;
        continue;
      }
    }
    const instant =
      due.length === rolesToMove(state).length &&
      due.every((d) => isSimulated(context.participant(d.holder).record.spec));
    if (!instant && !(await flush())) continue;
    // Simultaneous speeches are requested together (neither sees the other) and applied in turn. An
    // offline trial's round is the source trial's, replayed whole (its live judge's questions first).
    const replaying = due[0]?.holder === OFFLINE_SOURCE && turn?.kind === 'speech';
    if (replaying) source ??= await context.store.loadEvents(state.created.offline!.trialId);
    const answers =
      replaying && source
        ? [replayRound(source, turn.round)]
        : await Promise.all(due.map((d) => obtainMove(state, d.role, d.holder, question, context)));
    // The state is folded into in place once it is a copy of its own (not the last state appended).
    const next = state === committed ? copyState(state) : state;
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
      if (waiting) {
        if (!(await flush())) continue;
        return 'waiting';
      }
      throw new Error(`trial ${trialId}: no participant produced a move`);
    }
    // A round's last speech opens the judge's turn: not before the arm's pace (see ArmRules.paceSeconds).
    if (!(await paced(roundStart, state, next, options.isPerson, context.signal))) {
      if (!(await flush())) continue;
      throw new DriveInterrupted(trialId);
    }
    pending.push(...events);
    state = next;
    if (!instant && !(await flush())) continue;
  }
}

/**
 * An automatic judge's any-time question as a round starts being written (simulated judges, by their
 * spec's interjection rate); none when the arm does not allow one, the judge is a person, or it has
 * no policy. The same rule whichever side is honest: the judge is asked before either side speaks.
 */
async function automaticInterjection(
  state: TrialState,
  question: Question,
  isPerson: IsPerson,
  context: DriveContext,
): Promise<TrialEvent[]> {
  if (anyTimeInterjectionRefusal(state) !== null) return [];
  // Asked once per round, also when the trial is driven again after a restart.
  const round = nextTurn(state)?.round;
  if (state.interjections.some((i) => i.atAnyTime && i.round === round)) return [];
  const judgeId = participantIdFor(state, 'judge');
  if (judgeId === null || isPerson(judgeId)) return [];
  const judge = context.participant(judgeId);
  if (!judge.interject) return [];
  const request = moveRequest(state, 'judge', question, 1);
  if (!isSimulated(judge.record.spec)) delete request.simulationTruth;
  const text = await judge.interject(request);
  if (!text) return [];
  const result = applyMove(
    state,
    { type: 'interjection', text, meta: { participantId: judgeId } },
    question.source,
  );
  return result.ok ? result.events : [];
}

/**
 * Waits, before the events that complete a round are appended, until `paceSeconds` after the round's
 * speeches were first asked for, when the judge whose turn that opens is a person. False when stopped
 * meanwhile (nothing of the round's last move is appended then: a model's answer is in the cache).
 */
async function paced(
  roundStart: Map<number, number>,
  before: TrialState,
  after: TrialState,
  isPerson: IsPerson,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const pace = before.created.rules.paceSeconds;
  const turn = nextTurn(before);
  if (!pace || turn?.kind !== 'speech' || nextTurn(after)?.kind !== 'judge') return true;
  // An open judge seat has nobody waiting on it (a person takes it once the round is in).
  const judge = participantIdFor(after, 'judge');
  if (judge === null || !isPerson(judge)) return true;
  const wait = (roundStart.get(turn.round) ?? Date.now()) + pace * 1000 - Date.now();
  if (wait <= 0) return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      resolve(ok);
    };
    const stop = () => done(false);
    const timer = setTimeout(() => done(true), wait);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}
