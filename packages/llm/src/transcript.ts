import {
  type ArguerRole,
  type ProtocolKind,
  participantText,
  type Role,
  type TranscriptEntry,
} from '@oversight/core';

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
 * Text someone else wrote (an arguer's speech, a judge's question), as it may appear in a prompt:
 * data, never markup. Angle brackets become ‹ ›, so no speech can open or close a tag the prompt gives
 * meaning to (`<v_quote>`: a verified quote; `</speech>`: the end of the speech and the start of the
 * system's voice), and control characters go.
 */
export function asPromptData(text: string): string {
  return participantText(text).replace(/</g, '‹').replace(/>/g, '›');
}

/**
 * A speech as a judge reads it: each `<quote>` (the one tag an arguer may write, checked against the
 * story by core) becomes `<v_quote>` (found verbatim in the story), `<p_quote>` (close to a passage) or
 * `<u_quote>` (not found), as in Khan et al. 2024. Everything else the arguer wrote is data
 * (`asPromptData`), so a literal `<v_quote>` in a speech reaches the judge as ‹v_quote›, unverified.
 */
export function markQuotes(text: string, quotes: TranscriptEntry['quotes']): string {
  let i = 0;
  let out = '';
  let last = 0;
  for (const match of text.matchAll(QUOTE)) {
    const status = quotes[i++]?.status ?? 'unverified';
    const tag = STATUS_TAG[status];
    out += `${asPromptData(text.slice(last, match.index))}<${tag}>${asPromptData(match[1] ?? '')}</${tag}>`;
    last = (match.index ?? 0) + match[0].length;
  }
  return out + asPromptData(text.slice(last));
}

/** A speech as an arguer reads it: its `<quote>` tags as written, everything else data. */
function rawQuotes(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(QUOTE)) {
    out += `${asPromptData(text.slice(last, match.index))}<quote>${asPromptData(match[1] ?? '')}</quote>`;
    last = (match.index ?? 0) + match[0].length;
  }
  return out + asPromptData(text.slice(last));
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
    const who = entry.byLiveJudge
      ? 'The live judge'
      : entry.speaker === options.reader
        ? 'You'
        : speakerName(entry.speaker, options.protocol);
    if (entry.kind === 'belief') {
      if (entry.probabilities)
        lines.push(
          `[Round ${entry.round}] ${who} (probabilities so far): ${percentages(entry.probabilities)}`,
        );
      continue;
    }
    const answer = entry.speaker === 'judge' ? undefined : positionOf(entry.speaker, options.positions);
    const label = answer === undefined ? who : `${who} (for ${letter(answer)})`;
    const text = options.reader === 'judge' ? markQuotes(entry.text, entry.quotes) : rawQuotes(entry.text);
    // Between <speech> tags no participant can write (asPromptData), so a speech cannot pass for the
    // next speaker's, a round marker, or the system's instructions.
    lines.push(`[Round ${entry.round}] ${label}:\n<speech>\n${text.trim()}\n</speech>`);
  }
  return lines.join('\n\n');
}
