import type { ArguerView } from '@oversight/core';
import type { TemplateVars } from './prompts.ts';
import { answerList, letter, renderTranscript, speakerName } from './transcript.ts';

/** What an arguer's prompt is built from: the view, and whether it gets the wrong-side instructions. */

/** The template file for an arguer. Sandwiching has separate honest and misleading files. */
export function arguerTemplate(view: Pick<ArguerView, 'protocol'>, dishonest: boolean): string {
  switch (view.protocol) {
    case 'consultancy':
      return 'consultant.md';
    case 'sandwiching':
      return dishonest ? 'assistant-misleading.md' : 'assistant-honest.md';
    default:
      return 'debater.md';
  }
}

/**
 * The judge's questions this arguer's speech must answer: those of the previous round (asked at the
 * judge's turn after it, or while it was being written, with "any-time" questions), or, in sandwiching,
 * the person's message of this round. By round, not by place in the transcript: a question asked while
 * round r was written sits before this arguer's own round-r speech, and is still answered in r + 1.
 */
export function latestQuestion(view: ArguerView): string {
  const round = view.turn?.round ?? 1;
  const answers = view.protocol === 'sandwiching' ? round : round - 1;
  return view.transcript
    .filter((e) => e.kind === 'interjection' && e.round === answers && !e.byLiveJudge)
    .map((e) => e.text)
    .join('\n');
}

export function arguerVars(
  view: ArguerView,
  options: { dishonest: boolean; previousError?: string | undefined },
): TemplateVars {
  const opponent =
    view.positions.find((p) => p.role !== view.role)?.answer ??
    view.answers.findIndex((_, i) => i !== view.assignedAnswer);
  const round = view.turn?.round ?? 1;
  const interactive = view.protocol === 'interactive-debate';
  return {
    speaker: speakerName(view.role, view.protocol),
    storyTitle: view.storyTitle,
    story: view.source,
    question: view.question,
    answers: answerList(view.answers),
    round,
    rounds: view.rounds,
    assignedLetter: letter(view.assignedAnswer),
    assignedAnswer: view.answers[view.assignedAnswer] ?? '',
    opponentLetter: letter(opponent),
    opponentAnswer: view.answers[opponent] ?? '',
    transcript: renderTranscript(view.transcript, {
      protocol: view.protocol,
      positions: view.positions,
      reader: view.role,
    }),
    charLimit: view.charLimit,
    quoteLimit: view.quoteLimit === null ? '' : String(view.quoteLimit),
    previousError: options.previousError ?? '',
    dishonest: options.dishonest,
    interactive,
    debate: view.protocol === 'debate' || interactive,
    consultancy: view.protocol === 'consultancy',
    sandwiching: view.protocol === 'sandwiching',
    firstSpeech: !view.transcript.some((e) => e.speaker === view.role && e.kind === 'argument'),
    lastRound: round >= view.rounds,
    latestQuestion: latestQuestion(view),
  };
}
