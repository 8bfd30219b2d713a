import {
  type ArguerRole,
  type ArguerView,
  anyTimeInterjectionRefusal,
  arguerView,
  type ExperimentConfig,
  interjectionsLeft,
  type JudgeView,
  judgeView,
  participantText,
  protocolFor,
  type Question,
  type Role,
  rewardOf,
  speechForPeople,
  type TranscriptEntry,
  type TrialState,
  type Turn,
} from '@oversight/core';

/**
 * A trial as a person in a chat app sees it, in a form neither Discord nor Slack: an intro (question,
 * answers in the trial's order, the person's role), the transcript entries, whose turn it is and what
 * this person may do, and after the verdict the outcome. Built only from core's views, so information
 * hiding is core's (the judge never gets the source, the correct answer or who is honest before the
 * verdict); the renderers only lay it out.
 */

export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export const ROLE_NAMES: Record<Role, string> = {
  'debater-a': 'Debater A',
  'debater-b': 'Debater B',
  consultant: 'Consultant',
  assistant: 'Assistant',
  judge: 'Judge',
};

const PROTOCOL_NAMES: Record<string, string> = {
  debate: 'Debate',
  'interactive-debate': 'Interactive debate',
  consultancy: 'Consultancy',
  sandwiching: 'Sandwiching',
  'judge-alone': 'Judge alone',
  oracle: 'Judge with the story',
};

export const QUOTE_MARKS = {
  verified: { mark: '✓', label: 'verified' },
  partial: { mark: '~', label: 'partly matching' },
  unverified: { mark: '✗', label: 'not found' },
} as const;

export interface AnswerLine {
  letter: string;
  text: string;
  /** Who argues for it ("Debater A"), as the judge may know. */
  defendedBy: string[];
}

export interface Intro {
  /** Names nothing a judge should not know (no trial id, no arm name): safe as a thread name. */
  title: string;
  protocol: string;
  question: string;
  storyTitle: string;
  answers: AnswerLine[];
  role: Role;
  /** "You are the judge: …", "You are Debater B: you defend A (the correct answer)". */
  roleLine: string;
  rules: string;
  /** The story, for arguers and the oracle baseline's judge; null for every other judge. */
  source: string | null;
}

export interface QuoteLine {
  text: string;
  status: 'verified' | 'partial' | 'unverified';
  mark: string;
  label: string;
}

export interface Entry {
  seq: number;
  round: number;
  speaker: string;
  kind: TranscriptEntry['kind'];
  /** The words, with quotes set off by « ». */
  text: string;
  quotes: QuoteLine[];
  /** "2 verified, 1 not found" (empty when the entry quotes nothing). */
  quoteSummary: string;
  /** A judge's own belief, "A 70%, B 30%" (only on the judge's screen). */
  belief: string | null;
}

export interface JudgeTurnOptions {
  final: boolean;
  mayEnd: boolean;
  mayComment: boolean;
  mustComment: boolean;
  beliefsRequired: boolean;
  answers: number;
  /** A select of p(A) in 5% steps for two answers; exact numbers in a modal for more. */
  credenceInput: 'select' | 'numbers';
}

export interface TurnPrompt {
  /** The person's own turn (their role owes a move now). */
  yours: boolean;
  role: Role;
  /** The position a move on this screen names. */
  position: number;
  heading: string;
  judge: JudgeTurnOptions | null;
  speech: { round: number; charLimit: number; quoteLimit: number | null; kind: 'speech' | 'message' } | null;
}

export interface Outcome {
  correct: string;
  lines: string[];
  /** The judge's reward (judges only). */
  reward: number | null;
  credence: string;
}

/** Names no trial id: what a participant's client receives is built from this and the trial's random handle. */
export interface Presentation {
  intro: Intro;
  entries: Entry[];
  /** This person's turn, when it is theirs. */
  turn: TurnPrompt | null;
  /**
   * The judge may ask the arguers a question now, outside their turn (arms whose judge may ask at
   * any time): the position a question names, and how many they may still ask (null: no limit).
   */
  ask: { position: number; left: number | null } | null;
  /** Whom the trial waits on, when not on this person ("Waiting for Debater B"). */
  waiting: string | null;
  outcome: Outcome | null;
}

function quoteLines(entry: TranscriptEntry): QuoteLine[] {
  return entry.quotes.map((q) => ({
    text: participantText(q.text),
    status: q.status,
    ...QUOTE_MARKS[q.status],
  }));
}

export function quoteSummary(quotes: readonly { status: QuoteLine['status'] }[]): string {
  const counts = { verified: 0, partial: 0, unverified: 0 };
  for (const q of quotes) counts[q.status] += 1;
  return (['verified', 'partial', 'unverified'] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${QUOTE_MARKS[s].label}`)
    .join(', ');
}

function entryOf(entry: TranscriptEntry): Entry {
  const quotes = quoteLines(entry);
  return {
    seq: entry.seq,
    round: entry.round,
    speaker: entry.byLiveJudge ? 'The live judge' : ROLE_NAMES[entry.speaker],
    kind: entry.kind,
    // Data, never markup: the renderers escape their platform's markup on top of this.
    text: speechForPeople(entry.text),
    quotes,
    quoteSummary: quoteSummary(quotes),
    belief: entry.probabilities
      ? entry.probabilities.map((p, i) => `${LETTERS[i]} ${Math.round(p * 100)}%`).join(', ')
      : null,
  };
}

function answerLines(view: JudgeView | ArguerView): AnswerLine[] {
  return view.answers.map((text, i) => ({
    letter: LETTERS[i]!,
    text,
    defendedBy: view.positions.filter((p) => p.answer === i).map((p) => ROLE_NAMES[p.role]),
  }));
}

function rulesLine(state: TrialState): string {
  const { rules } = state.created;
  const def = protocolFor(rules.protocol);
  if (def.arguerRoles.length === 0) return 'One verdict, no arguers.';
  const rounds =
    rules.protocol === 'sandwiching' ? `up to ${rules.rounds} replies` : `${rules.rounds} rounds`;
  const quoted = rules.quoteLimit === null ? '' : `, of which at most ${rules.quoteLimit} quoted`;
  return `${rounds} · up to ${rules.charLimit} characters per ${rules.protocol === 'sandwiching' ? 'reply' : 'speech'}${quoted}`;
}

function roleLine(role: Role, view: JudgeView | ArguerView, state: TrialState): string {
  const protocol = state.created.rules.protocol;
  if (role === 'judge') {
    if (protocol === 'sandwiching')
      return 'You answer the question. You cannot see the story; the assistant can. Ask it anything, then give your answer.';
    if (protocol === 'oracle') return 'You are the judge, and you may read the story.';
    if (protocol === 'judge-alone')
      return 'You are the judge. Nobody argues: answer from the question and the answers alone.';
    return 'You are the judge. You cannot see the story; the arguers can, and their quotes are checked against it.';
  }
  const arguer = view as ArguerView;
  const side = `${LETTERS[arguer.assignedAnswer]} (${arguer.assignedCorrect ? 'the correct answer' : 'a wrong answer'})`;
  return `You are ${ROLE_NAMES[role]}: you defend ${side}.`;
}

function turnPrompt(turn: Turn, role: Role, position: number, state: TrialState): TurnPrompt | null {
  const { rules } = state.created;
  if (turn.kind === 'judge') {
    if (role !== 'judge') return null;
    const last = protocolFor(rules.protocol).lastRound(rules);
    return {
      yours: true,
      role,
      position,
      heading: turn.final
        ? 'Your verdict'
        : rules.protocol === 'sandwiching'
          ? `Your turn (message ${turn.round} of up to ${last - 1})`
          : `Your turn after round ${turn.round} of ${last}`,
      judge: {
        final: turn.final,
        mayEnd: turn.mayEnd,
        mayComment: turn.mayComment,
        mustComment: turn.mustComment,
        beliefsRequired: turn.beliefsRequired,
        answers: state.created.displayed.length,
        credenceInput: state.created.displayed.length === 2 ? 'select' : 'numbers',
      },
      speech: null,
    };
  }
  if (!turn.roles.includes(role as ArguerRole)) return null;
  return {
    yours: true,
    role,
    position,
    heading: `Your ${rules.protocol === 'sandwiching' ? 'reply' : 'speech'}, round ${turn.round}`,
    judge: null,
    speech: {
      round: turn.round,
      charLimit: rules.charLimit,
      quoteLimit: rules.quoteLimit,
      kind: rules.protocol === 'sandwiching' ? 'message' : 'speech',
    },
  };
}

function waitingLine(turn: Turn | null): string | null {
  if (!turn) return null;
  if (turn.kind === 'judge') return 'Waiting for the judge';
  return `Waiting for ${turn.roles.map((r) => ROLE_NAMES[r]).join(' and ')}`;
}

function outcomeOf(state: TrialState, role: Role, config: ExperimentConfig): Outcome | null {
  const { created, verdict } = state;
  if (!verdict) return null;
  const lines = created.arguers.map(
    (a) =>
      `${ROLE_NAMES[a.role]} defended ${LETTERS[a.answer]} (${a.honest ? 'the correct answer' : 'a wrong answer'})`,
  );
  const probCorrect = verdict.probabilities[created.correctDisplayed] ?? 0;
  return {
    correct: LETTERS[created.correctDisplayed]!,
    lines,
    reward: role === 'judge' ? rewardOf(state, probCorrect, config.reward) : null,
    credence: verdict.probabilities.map((p, i) => `${LETTERS[i]} ${Math.round(p * 100)}%`).join(', '),
  };
}

/** The trial as `role` sees it now; entries only from `sinceSeq` on (all when omitted). */
export function present(
  state: TrialState,
  role: Role,
  question: Question,
  config: ExperimentConfig,
  options: { postedState?: TrialState } = {},
): Presentation {
  const view =
    role === 'judge' ? judgeView(state, question) : arguerView(state, role as ArguerRole, question);
  const protocol = PROTOCOL_NAMES[state.created.rules.protocol] ?? state.created.rules.protocol;
  // New entries: those not on the screen already posted (a simultaneous speech withheld then counts as new).
  let entries = view.transcript;
  if (options.postedState) {
    const before =
      role === 'judge'
        ? judgeView(options.postedState, question)
        : arguerView(options.postedState, role as ArguerRole, question);
    const posted = new Set(before.transcript.map((e) => e.seq));
    entries = entries.filter((e) => !posted.has(e.seq));
  }
  const turn = view.turn ? turnPrompt(view.turn, role, view.position, state) : null;
  const left = interjectionsLeft(state);
  const ask =
    role === 'judge' && anyTimeInterjectionRefusal(state) === null
      ? { position: view.position, left: Number.isFinite(left) ? left : null }
      : null;
  return {
    intro: {
      title: `${protocol}: ${view.storyTitle || 'a story'}`,
      protocol,
      question: view.question,
      storyTitle: view.storyTitle,
      answers: answerLines(view),
      role,
      roleLine: roleLine(role, view, state),
      rules: rulesLine(state),
      source: role === 'judge' ? (view as JudgeView).source : (view as ArguerView).source,
    },
    entries: entries.map(entryOf),
    turn,
    ask,
    waiting: turn ? null : waitingLine(view.turn),
    outcome: outcomeOf(state, role, config),
  };
}
