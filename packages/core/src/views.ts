import type { ArguerAssignment, QuoteCheck, TrialCreated } from './events.ts';
import type { ArguerRole, ProtocolKind, Role } from './protocol-kind.ts';
import { nextTurn, protocolFor, type Turn } from './protocols.ts';
import type { Question } from './question.ts';
import type { TrialState } from './state.ts';

/**
 * What each role may see. This is the only place that decides it, and the property tests in
 * test/views.property.test.ts check it for every protocol: before the verdict is locked a judge's
 * view is identical whichever answer is correct, and holds no source text beyond verified quotes.
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
}

export interface JudgeView {
  trialId: string;
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
 * Transcript in the order of the log. A speech of the round in progress under simultaneous
 * speeches is withheld from everyone but its author until every debater has spoken.
 */
function transcript(state: TrialState, viewer: Role): TranscriptEntry[] {
  const turn = nextTurn(state);
  const pendingSimultaneous =
    turn?.kind === 'speech' && state.created.rules.speeches === 'simultaneous' ? turn.round : null;
  const entries: TranscriptEntry[] = [];
  for (const { seq, event } of state.entries) {
    if (event.type === 'ArgumentSubmitted') {
      if (event.round === pendingSimultaneous && event.role !== viewer) continue;
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

/** The position a move by `role` must name: where its current turn began (else the log's end). */
export function positionFor(state: TrialState, role: Role): number {
  return state.owedSince[role] ?? state.nextSeq;
}

export function judgeView(state: TrialState, question: Question): JudgeView {
  const { created, verdict } = state;
  const def = protocolFor(created.rules.protocol);
  return {
    trialId: created.trialId,
    protocol: created.rules.protocol,
    rounds: def.lastRound(created.rules),
    question: question.question,
    storyTitle: question.storyTitle,
    answers: displayedAnswers(created, question),
    positions: positions(created),
    source: def.judgeSeesSource ? question.source : null,
    transcript: transcript(state, 'judge'),
    turn: nextTurn(state),
    position: positionFor(state, 'judge'),
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
