import {
  type ArguerView,
  type JudgeView,
  participantText,
  speechForPeople,
  type TranscriptEntry,
} from '@oversight/core';

export const LETTERS = 'ABCDEFGH';
export const ROLE_NAMES: Record<string, string> = {
  'debater-a': 'Debater A',
  'debater-b': 'Debater B',
  consultant: 'Consultant',
  assistant: 'Assistant',
  judge: 'Judge',
};

const QUOTE_MARKS = {
  verified: () => '✓ verified',
  partial: (similarity: number) => `~ partly matches the source (${Math.round(similarity * 100)}%)`,
  unverified: () => '✗ not found in the source',
};

function renderTranscript(transcript: readonly TranscriptEntry[], whose = 'your'): string[] {
  const lines: string[] = [];
  for (const entry of transcript) {
    if (entry.kind === 'belief') {
      const beliefs = entry.probabilities?.map((p, i) => `${LETTERS[i]} ${(p * 100).toFixed(0)}%`).join(', ');
      lines.push(`  [round ${entry.round}] ${whose} belief: ${beliefs}`);
      continue;
    }
    const who = entry.byLiveJudge ? 'The live judge' : (ROLE_NAMES[entry.speaker] ?? entry.speaker);
    lines.push('', `[round ${entry.round}] ${who}:`);
    // Text an arguer wrote reaches the terminal without escape sequences or the checker's marks.
    lines.push(speechForPeople(entry.text));
    for (const q of entry.quotes) {
      const quoted = participantText(q.text);
      const excerpt = `${quoted.slice(0, 60)}${quoted.length > 60 ? '…' : ''}`;
      lines.push(`    «${excerpt}» ${QUOTE_MARKS[q.status](q.similarity)}`);
    }
  }
  return lines;
}

function renderAnswers(answers: readonly string[], positions: JudgeView['positions']): string[] {
  return answers.map((answer, i) => {
    const defenders = positions.filter((p) => p.answer === i).map((p) => ROLE_NAMES[p.role]);
    return `  ${LETTERS[i]}. ${participantText(answer)}${defenders.length ? `   (argued by ${defenders.join(', ')})` : ''}`;
  });
}

/**
 * A judge's view as plain text for the terminal: question, answers, transcript, quote checks. Read by
 * the judge (their own beliefs are "your belief"), or by the operator (`show`: "the judge's belief").
 */
export function renderJudgeView(view: JudgeView, options: { reader?: 'judge' | 'operator' } = {}): string {
  const lines = [
    `── ${view.protocol} · ${participantText(view.storyTitle)}`,
    `Question: ${participantText(view.question)}`,
  ];
  lines.push(...renderAnswers(view.answers, view.positions));
  if (view.source) lines.push('', 'Source text (oracle baseline):', participantText(view.source));
  lines.push(...renderTranscript(view.transcript, options.reader === 'operator' ? "the judge's" : 'your'));
  if (view.revealed) lines.push('', `Correct answer: ${LETTERS[view.revealed.correctAnswer]}`);
  return lines.join('\n');
}

/** An arguer's view: the story, the question, the side to defend, the limits and the transcript. */
export function renderArguerView(view: ArguerView): string {
  const side = `${LETTERS[view.assignedAnswer]} (${view.assignedCorrect ? 'the correct answer' : 'a wrong answer'})`;
  const limits = `${view.charLimit} characters${view.quoteLimit === null ? '' : `, of which at most ${view.quoteLimit} quoted`}`;
  return [
    `── ${view.protocol} · ${participantText(view.storyTitle)} · you are ${ROLE_NAMES[view.role]}`,
    '',
    participantText(view.source),
    '',
    `Question: ${view.question}`,
    ...renderAnswers(view.answers, view.positions),
    `You defend ${side}. Limit: ${limits}.`,
    ...renderTranscript(view.transcript),
  ].join('\n');
}

/**
 * Wraps text to the terminal's width at word boundaries (a long word is split only when it alone is
 * wider), keeping the indentation of each line; unchanged when the width is unknown (a pipe).
 */
export function wrapForTerminal(text: string, columns: number | undefined): string {
  if (!columns || columns < 20) return text;
  const width = columns - 1;
  return text
    .split('\n')
    .flatMap((line) => {
      if (line.length <= width) return [line];
      const indent = /^\s*/.exec(line)![0];
      const out: string[] = [];
      let current = '';
      for (const word of line.slice(indent.length).split(/ +/)) {
        let rest = word;
        while (indent.length + rest.length > width) {
          if (current) {
            out.push(current);
            current = '';
          }
          out.push(indent + rest.slice(0, width - indent.length));
          rest = rest.slice(width - indent.length);
        }
        const candidate = current ? `${current} ${rest}` : indent + rest;
        if (candidate.length > width) {
          out.push(current);
          current = indent + rest;
        } else current = candidate;
      }
      if (current) out.push(current);
      return out;
    })
    .join('\n');
}
