import type { ArmRules } from './experiment-config.ts';
import type { ArguerRole, ProtocolKind, Role } from './protocol-kind.ts';
import type { TrialState } from './state.ts';

/**
 * Each protocol is a schedule of steps per round. Rules common to all (who may see what, what
 * makes a move legal) live in moves.ts and views.ts; this file says only what differs.
 */
export interface ProtocolDefinition {
  kind: ProtocolKind;
  /** Arguer roles in speaking order; empty for the baselines. */
  arguerRoles: readonly ArguerRole[];
  /** Sandwiching: the person opens each exchange; elsewhere the arguers speak first. */
  judgeSpeaksFirst: boolean;
  judgeSeesSource: boolean;
  /** The judge may address the arguers between rounds (questions, comments, chat). */
  judgeMayComment: boolean;
  /** Whether the judge takes a turn after round r even when it is not the last. */
  judgeStepBetweenRounds(rules: ArmRules): boolean;
  lastRound(rules: ArmRules): number;
}

const debateLike = (kind: 'debate' | 'interactive-debate'): ProtocolDefinition => ({
  kind,
  arguerRoles: ['debater-a', 'debater-b'],
  judgeSpeaksFirst: false,
  judgeSeesSource: false,
  judgeMayComment: kind === 'interactive-debate',
  judgeStepBetweenRounds: (rules) =>
    kind === 'interactive-debate' || rules.beliefsEachRound || rules.judgeMayEndEarly,
  lastRound: (rules) => rules.rounds,
});

const baseline = (kind: 'judge-alone' | 'oracle'): ProtocolDefinition => ({
  kind,
  arguerRoles: [],
  judgeSpeaksFirst: false,
  judgeSeesSource: kind === 'oracle',
  judgeMayComment: false,
  judgeStepBetweenRounds: () => false,
  lastRound: () => 1,
});

/** The registry of protocols: one entry per kind, scanned by readers and by `protocolFor`. */
export const PROTOCOLS: Record<ProtocolKind, ProtocolDefinition> = {
  debate: debateLike('debate'),
  'interactive-debate': debateLike('interactive-debate'),
  consultancy: {
    kind: 'consultancy',
    arguerRoles: ['consultant'],
    judgeSpeaksFirst: false,
    judgeSeesSource: false,
    judgeMayComment: true,
    judgeStepBetweenRounds: () => true,
    lastRound: (rules) => rules.rounds,
  },
  sandwiching: {
    kind: 'sandwiching',
    arguerRoles: ['assistant'],
    judgeSpeaksFirst: true,
    judgeSeesSource: false,
    judgeMayComment: true,
    judgeStepBetweenRounds: () => true,
    // `rounds` assistant replies, then the person's last turn must be their answer.
    lastRound: (rules) => rules.rounds + 1,
  },
  'judge-alone': baseline('judge-alone'),
  oracle: baseline('oracle'),
};

export function protocolFor(kind: ProtocolKind): ProtocolDefinition {
  return PROTOCOLS[kind];
}

export type Turn =
  | { kind: 'speech'; round: number; roles: ArguerRole[] }
  | {
      kind: 'judge';
      round: number;
      /** The verdict is due: the judge's probabilities become final. */
      final: boolean;
      mayEnd: boolean;
      mayComment: boolean;
      /** Sandwiching: a person who does not answer yet must say something to the assistant. */
      mustComment: boolean;
      beliefsRequired: boolean;
    };

/** Whose turn it is, or null when the trial has finished. */
const JUDGE_FIRST = ['judge', 'speech'] as const;
const SPEECH_FIRST = ['speech', 'judge'] as const;

/**
 * The turn last worked out per state, good while its nextSeq is unchanged (folding an event always
 * advances it): the fold, the driver and the views ask several times per move. Frozen, since shared.
 */
const TURN = Symbol('next turn');
type WithTurn = TrialState & { [TURN]?: { seq: number; turn: Turn | null } };

export function nextTurn(state: TrialState): Turn | null {
  const known = (state as WithTurn)[TURN];
  if (known?.seq === state.nextSeq) return known.turn;
  const turn = computeTurn(state);
  if (turn?.kind === 'speech') Object.freeze(turn.roles);
  // On the state itself, not in a WeakMap (whose entries every collection must trace apart), and not
  // enumerable: a copy of the state does not carry it, and comparing two states does not see it.
  if (Object.isExtensible(state))
    Object.defineProperty(state, TURN, {
      value: { seq: state.nextSeq, turn: turn && Object.freeze(turn) },
      writable: true,
      configurable: true,
    });
  return turn;
}

function computeTurn(state: TrialState): Turn | null {
  if (state.verdict || state.aborted) return null;
  const { rules } = state.created;
  const def = protocolFor(rules.protocol);
  const last = def.lastRound(rules);
  const steps: ReadonlyArray<'speech' | 'judge'> = def.judgeSpeaksFirst ? JUDGE_FIRST : SPEECH_FIRST;
  for (let round = 1; round <= last; round++) {
    const final = round === last;
    for (const step of steps) {
      if (step === 'speech') {
        if (def.judgeSpeaksFirst && final) continue;
        const missing = unspoken(state, def.arguerRoles, round);
        if (!missing) continue;
        const simultaneous = rules.speeches === 'simultaneous' && def.arguerRoles.length > 1;
        return { kind: 'speech', round, roles: simultaneous ? missing : [missing[0] as ArguerRole] };
      }
      // Offline: the judge reads the replayed rounds, and speaks only at the end (whole) or after each (stepped).
      const offline = state.created.offline;
      if (offline) {
        if (!final && offline.mode === 'whole') continue;
        if (judged(state, round)) continue;
        return {
          kind: 'judge',
          round,
          final,
          mayEnd: final,
          mayComment: false,
          mustComment: false,
          beliefsRequired: true,
        };
      }
      if (!final && !def.judgeStepBetweenRounds(rules)) continue;
      if (judged(state, round)) continue;
      const mayComment =
        (def.judgeMayComment || rules.interjections === 'any-time') && !final && interjectionsLeft(state) > 0;
      return {
        kind: 'judge',
        round,
        final,
        mayEnd: final || rules.judgeMayEndEarly || def.kind === 'sandwiching',
        mayComment,
        mustComment: def.kind === 'sandwiching' && !final,
        beliefsRequired: final || rules.beliefsEachRound,
      };
    }
  }
  return null;
}

// Called for every event folded (a few arguments a trial), so they are scanned rather than indexed,
// with loops rather than closures: `run` folds millions of events.
function unspoken(state: TrialState, roles: readonly ArguerRole[], round: number): ArguerRole[] | null {
  let missing: ArguerRole[] | null = null;
  for (const role of roles) {
    let spoken = false;
    for (const a of state.arguments)
      if (a.round === round && a.role === role) {
        spoken = true;
        break;
      }
    if (spoken) continue;
    if (missing) missing.push(role);
    else missing = [role];
  }
  return missing;
}

function judged(state: TrialState, round: number): boolean {
  for (const b of state.beliefs) if (b.round === round) return true;
  return false;
}

/** Questions or comments the judge may still make in this trial (the arm's maxInterjections). */
export function interjectionsLeft(state: TrialState): number {
  const max = state.created.rules.maxInterjections;
  return max === undefined ? Number.POSITIVE_INFINITY : Math.max(0, max - state.interjections.length);
}

/**
 * Why the judge may not ask the arguers a question right now, outside their own turn, or null when
 * they may: the arm lets them ask at any time, the trial runs, the limit is not reached, and a round
 * is being written that is not the last (its speeches never see the question: the next round's do).
 */
export function anyTimeInterjectionRefusal(state: TrialState): string | null {
  const { rules } = state.created;
  if (rules.interjections !== 'any-time')
    return 'this arm lets the judge address the arguers only at their turns';
  const turn = nextTurn(state);
  if (!turn) return 'the trial has ended';
  if (interjectionsLeft(state) === 0)
    return `you have asked ${state.interjections.length} question${state.interjections.length === 1 ? '' : 's'}, the most this arm allows`;
  if (turn.kind === 'judge') return 'it is your turn: choose your credence, then ask with it';
  if (turn.round >= protocolFor(rules.protocol).lastRound(rules))
    return 'the arguers are writing their last speeches, so nobody would answer it';
  return null;
}

/** The roles that may move now: both debaters under simultaneous speeches, else one role. */
export function rolesToMove(state: TrialState): Role[] {
  const turn = nextTurn(state);
  if (!turn) return [];
  return turn.kind === 'speech' ? turn.roles : ['judge'];
}

/** The participant who holds `role`'s seat in this trial, or null while nobody has taken it. */
export function participantIdFor(state: TrialState, role: Role): string | null {
  if (role !== 'judge' && !state.created.arguers.some((a) => a.role === role))
    throw new Error(`trial ${state.created.trialId} has no ${role}`);
  return state.seats[role] ?? null;
}

/** A move that is due: whose seat, who holds it (null: not taken yet), and since which position. */
export interface OwedMove {
  role: Role;
  participantId: string | null;
  sinceSeq: number;
}

/** Every move due now: one role, or both debaters under simultaneous speeches. */
export function owedMoves(state: TrialState): OwedMove[] {
  return rolesToMove(state).map((role) => ({
    role,
    participantId: participantIdFor(state, role),
    sinceSeq: state.owedSince[role] ?? state.nextSeq,
  }));
}
