import type { JudgeView } from '@oversight/core';

const LETTERS = 'ABCDEFGH';
const ROLE_NAMES: Record<string, string> = {
  'debater-a': 'Debater A',
  'debater-b': 'Debater B',
  consultant: 'Consultant',
  assistant: 'Assistant',
  judge: 'You',
};

/** A judge's view as plain text for the terminal: question, answers, transcript, quote checks. */
export function renderJudgeView(view: JudgeView): string {
  const lines: string[] = [];
  lines.push(`── ${view.protocol} · ${view.storyTitle} · trial ${view.trialId}`);
  lines.push(`Question: ${view.question}`);
  view.answers.forEach((answer, i) => {
    const defenders = view.positions.filter((p) => p.answer === i).map((p) => ROLE_NAMES[p.role]);
    lines.push(
      `  ${LETTERS[i]}. ${answer}${defenders.length ? `   (argued by ${defenders.join(', ')})` : ''}`,
    );
  });
  if (view.source) lines.push('', 'Source text (oracle baseline):', view.source);
  for (const entry of view.transcript) {
    const who = ROLE_NAMES[entry.speaker] ?? entry.speaker;
    if (entry.kind === 'belief') {
      lines.push(
        `  [round ${entry.round}] your belief: ${entry.probabilities?.map((p, i) => `${LETTERS[i]} ${(p * 100).toFixed(0)}%`).join(', ')}`,
      );
      continue;
    }
    lines.push('', `[round ${entry.round}] ${who}:`);
    lines.push(entry.text.replace(/<quote>/g, '«').replace(/<\/quote>/g, '»'));
    for (const q of entry.quotes) {
      const mark =
        q.status === 'verified'
          ? '✓ verified'
          : q.status === 'partial'
            ? `~ partly matches the source (${Math.round(q.similarity * 100)}%)`
            : '✗ not found in the source';
      lines.push(`    «${q.text.slice(0, 60)}${q.text.length > 60 ? '…' : ''}» ${mark}`);
    }
  }
  if (view.revealed) {
    lines.push('', `Correct answer: ${LETTERS[view.revealed.correctAnswer]}`);
  }
  return lines.join('\n');
}

export function letterIndex(letter: string): number {
  return LETTERS.indexOf(letter.trim().toUpperCase());
}
