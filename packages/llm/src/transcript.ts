import type { ArguerRole, ProtocolKind, Role, TranscriptEntry } from '@oversight/core';

/** How views become prompt text: answer lists, speaker names, transcripts, quote markings. */

export function letter(index: number): string {
  return String.fromCharCode(65 + index);
}

/** `A) first answer` lines, the order the view shows them. */
export function answerList(answers: readonly string[]): string {
  return answers.map((answer, i) => `${letter(i)}) ${answer}`).join('\n');
}

export function speakerName(role: Role, protocol: ProtocolKind): string {
  switch (role) {
    case 'debater-a':
      return 'Debater A';
    case 'debater-b':
      return 'Debater B';
    case 'consultant':
      return 'Consultant';
    case 'assistant':
      return 'Assistant';
    case 'judge':
      return protocol === 'sandwiching' ? 'User' : 'Judge';
  }
}

function positionOf(
  role: Role,
  positions: ReadonlyArray<{ role: ArguerRole; answer: number }>,
): number | undefined {
  return positions.find((p) => p.role === role)?.answer;
}

const QUOTE = /<quote>([\s\S]*?)<\/quote>/gi;
const STATUS_TAG = { verified: 'v_quote', partial: 'p_quote', unverified: 'u_quote' } as const;

/**
 * A speech as a judge reads it: each `<quote>` becomes `<v_quote>` (found verbatim in the story),
 * `<p_quote>` (close to a passage) or `<u_quote>` (not found), as in Khan et al. 2024.
 */
export function markQuotes(text: string, quotes: TranscriptEntry['quotes']): string {
  let i = 0;
  return text.replace(QUOTE, (_all, inner: string) => {
    const status = quotes[i++]?.status ?? 'unverified';
    const tag = STATUS_TAG[status];
    return `<${tag}>${inner}</${tag}>`;
  });
}

function percentages(probabilities: readonly number[]): string {
  return probabilities.map((p, i) => `${letter(i)} ${Math.round(p * 100)}%`).join(', ');
}

export interface TranscriptOptions {
  protocol: ProtocolKind;
  positions: ReadonlyArray<{ role: ArguerRole; answer: number }>;
  /** Who reads it: an arguer sees raw quotes, the judge sees verification marks. */
  reader: Role;
}

export function renderTranscript(entries: readonly TranscriptEntry[], options: TranscriptOptions): string {
  if (entries.length === 0) return '';
  const lines: string[] = [];
  for (const entry of entries) {
    const who = entry.speaker === options.reader ? 'You' : speakerName(entry.speaker, options.protocol);
    if (entry.kind === 'belief') {
      if (entry.probabilities)
        lines.push(
          `[Round ${entry.round}] ${who} (probabilities so far): ${percentages(entry.probabilities)}`,
        );
      continue;
    }
    const answer = entry.speaker === 'judge' ? undefined : positionOf(entry.speaker, options.positions);
    const label = answer === undefined ? who : `${who} (for ${letter(answer)})`;
    const text = options.reader === 'judge' ? markQuotes(entry.text, entry.quotes) : entry.text;
    lines.push(`[Round ${entry.round}] ${label}:\n${text.trim()}`);
  }
  return lines.join('\n\n');
}
