import type { ArguerAssignment, QuoteCheck, TrialCreated } from './events.ts';
import type { ArguerRole, ProtocolKind, Role } from './protocol-kind.ts';
import { nextTurn, protocolFor, type Turn } from './protocols.ts';
import type { Question } from './question.ts';
import type { TrialState } from './state.ts';

/**
 * What each role may see. This is the only place that decides it, and the property tests in
 * test/views.property.test.ts check it for every protocol: before the verdict is locked a judge's
 * view is identical whichever answer is correct, and holds no source text beyond verified quotes.
 *
 * A judge's view carries no trial id (the id is built from the experiment's plan, so it could say
 * which trial of a question this is) and shows a round's speeches only once the round is complete:
 * every speech of a round reaches the judge at the same moment, so how long each side took to write
 * its speech (a lie chosen from several candidates takes longer) is never observable. See
 * `releasedRounds` and the README's "What a judge can and cannot learn".
 */

export interface TranscriptEntry {
  /** Its place in the log (what a chat thread has posted up to). */
  seq: number;
  round: number;
  speaker: Role;
  kind: 'argument' | 'interjection' | 'belief';
  text: string;
  /** Quote statuses as a judge sees them: the words quoted, never the matched source passage. */
  quotes: Array<Pick<QuoteCheck, 'text' | 'status' | 'similarity'>>;
  probabilities: number[] | null;
  /** Offline trials: a question the source trial's live judge asked (not this judge's). */
  byLiveJudge?: true;
}

export interface JudgeView {
  protocol: ProtocolKind;
  rounds: number;
  question: string;
  storyTitle: string;
  /** Answers in the randomised order of this trial. */
  answers: string[];
  /** Which displayed answer each arguer defends (the judge knows positions, not who is right). */
  positions: Array<{ role: ArguerRole; answer: number }>;
  /** Only in the oracle baseline. */
  source: string | null;
  transcript: TranscriptEntry[];
  turn: Turn | null;
  /** The position a move on this view names (see moves.ts `checkClaim`). */
  position: number;
  /** Filled once the verdict is locked: the truth, for feedback to the judge. */
  revealed: null | {
    correctAnswer: number;
    assignments: Array<Pick<ArguerAssignment, 'role' | 'answer' | 'honest'>>;
    probabilities: number[];
  };
}

export interface ArguerView {
  trialId: string;
  protocol: ProtocolKind;
  role: ArguerRole;
  rounds: number;
  question: string;
  storyTitle: string;
  answers: string[];
  /** The displayed answer this arguer must defend, and whether it is the correct one. */
  assignedAnswer: number;
  assignedCorrect: boolean;
  positions: Array<{ role: ArguerRole; answer: number }>;
  source: string;
  transcript: TranscriptEntry[];
  turn: Turn | null;
  /** The position a move on this view names (see moves.ts `checkClaim`). */
  position: number;
  charLimit: number;
  quoteLimit: number | null;
}

function displayedAnswers(created: TrialCreated, question: Question): string[] {
  return created.displayed.map((i) => question.answers[i] ?? '');
}

function positions(created: TrialCreated) {
  return created.arguers.map((a) => ({ role: a.role as ArguerRole, answer: a.answer }));
}

/**
 * The round whose speeches are still being written, if any: the judge sees none of them until the
 * last is in (then all at once), and under simultaneous speeches neither debater sees the other's.
 */
function roundInProgress(state: TrialState): number | null {
  const turn = nextTurn(state);
  return turn?.kind === 'speech' ? turn.round : null;
}

/**
 * Transcript in the order of the log. Speeches of the round in progress are withheld from the judge
 * (released together when the round is complete) and, under simultaneous speeches, from every
 * debater but their author.
 */
function transcript(state: TrialState, viewer: Role): TranscriptEntry[] {
  const pending = roundInProgress(state);
  const hidden = viewer === 'judge' || state.created.rules.speeches === 'simultaneous' ? pending : null;
  const entries: TranscriptEntry[] = [];
  for (const { seq, event } of state.entries) {
    // A question asked while this round is written reaches the arguers with its last speech.
    if (event.type === 'JudgeInterjected' && event.atAnyTime && viewer !== 'judge' && event.round === pending)
      continue;
    if (event.type === 'ArgumentSubmitted') {
      if (event.round === hidden && event.role !== viewer) continue;
      entries.push({
        seq,
        round: event.round,
        speaker: event.role,
        kind: 'argument',
        text: event.text,
        quotes: event.quotes.map(({ text, status, similarity }) => ({ text, status, similarity })),
        probabilities: null,
      });
    } else if (event.type === 'JudgeInterjected') {
      entries.push({
        seq,
        round: event.round,
        speaker: 'judge',
        kind: 'interjection',
        text: event.text,
        quotes: [],
        probabilities: null,
        // Replayed into an offline trial: the live judge's question, which the arguers answered.
        ...(state.created.offline ? { byLiveJudge: true as const } : {}),
      });
    } else if (viewer === 'judge' && event.probabilities) {
      // Arguers do not see the judge's private beliefs; the judge sees its own history.
      entries.push({
        seq,
        round: event.round,
        speaker: 'judge',
        kind: 'belief',
        text: '',
        quotes: [],
        probabilities: event.probabilities,
      });
    }
  }
  return entries;
}

/**
 * The end of what the judge has seen: one past the last event of the log that their view shows (a
 * released speech, a question, their own belief), or 1 (after TrialCreated). It moves only when
 * something reaches the judge, never with a speech still withheld, so it says nothing of how far
 * the arguers have got; an any-time question names it (checkInterjectionClaim).
 */
export function judgeSeenPosition(state: TrialState): number {
  const pending = roundInProgress(state);
  let seen = 1;
  for (const { seq, event } of state.entries)
    if (!(event.type === 'ArgumentSubmitted' && event.round === pending)) seen = seq + 1;
  return seen;
}

/** The position a move by `role` must name: where its current turn began (else the log's end). */
export function positionFor(state: TrialState, role: Role): number {
  return state.owedSince[role] ?? state.nextSeq;
}

/**
 * The turn as the judge may know it: while a round's speeches are being written, only that the
 * arguers are writing them (not which has finished: that would time each side's speech).
 */
function judgeSeenTurn(state: TrialState): Turn | null {
  const turn = nextTurn(state);
  if (turn?.kind !== 'speech') return turn;
  return {
    kind: 'speech',
    round: turn.round,
    roles: [...protocolFor(state.created.rules.protocol).arguerRoles],
  };
}

export function judgeView(state: TrialState, question: Question): JudgeView {
  const { created, verdict } = state;
  const def = protocolFor(created.rules.protocol);
  return {
    protocol: created.rules.protocol,
    rounds: def.lastRound(created.rules),
    question: question.question,
    storyTitle: question.storyTitle,
    answers: displayedAnswers(created, question),
    positions: positions(created),
    source: def.judgeSeesSource ? question.source : null,
    transcript: transcript(state, 'judge'),
    turn: judgeSeenTurn(state),
    // Between the judge's turns the log's length moves with every speech withheld from the judge: the
    // screen names where their turn began, else the end of what they have seen (judgeSeenPosition).
    position: state.owedSince.judge ?? judgeSeenPosition(state),
    revealed: verdict
      ? {
          correctAnswer: created.correctDisplayed,
          assignments: created.arguers.map(({ role, answer, honest }) => ({ role, answer, honest })),
          probabilities: verdict.probabilities,
        }
      : null,
  };
}

export function arguerView(state: TrialState, role: ArguerRole, question: Question): ArguerView {
  const { created } = state;
  const me = created.arguers.find((a) => a.role === role);
  if (!me) throw new Error(`trial ${created.trialId} has no arguer in role ${role}`);
  return {
    trialId: created.trialId,
    protocol: created.rules.protocol,
    role,
    rounds: protocolFor(created.rules.protocol).lastRound(created.rules),
    question: question.question,
    storyTitle: question.storyTitle,
    answers: displayedAnswers(created, question),
    assignedAnswer: me.answer,
    assignedCorrect: me.honest,
    positions: positions(created),
    source: question.source,
    transcript: transcript(state, role),
    turn: nextTurn(state),
    position: positionFor(state, role),
    charLimit: created.rules.charLimit,
    quoteLimit: created.rules.quoteLimit,
  };
}
