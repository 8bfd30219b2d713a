import { type ArmRules, quotedLength, verifyQuotes, visibleLength } from '@oversight/core';
import { QUOTE_MARKS, type QuoteLine, quoteSummary } from './present.ts';

/**
 * A speech checked before it is sent: its length and quoted length against the arm's budgets, and
 * each quote against the story, so an arguer sees "2 verified, 1 not found" and can fix it first.
 * The same checks core applies when the speech is recorded; a preview that passes is accepted.
 */
export interface SpeechPreview {
  text: string;
  length: number;
  charLimit: number;
  quoted: number;
  quoteLimit: number | null;
  quotes: QuoteLine[];
  /** "2 verified, 1 not found", or "no quotes". */
  summary: string;
  /** "412 of 1500 characters, 80 of 500 quoted" */
  counts: string;
  /** What must change before it can be sent (empty: it can be sent). */
  problems: string[];
}

export function previewSpeech(
  text: string,
  source: string,
  rules: Pick<ArmRules, 'charLimit' | 'quoteLimit'>,
): SpeechPreview {
  const trimmed = text.trim();
  const length = visibleLength(trimmed);
  const quoted = quotedLength(trimmed);
  const quotes = verifyQuotes(trimmed, source).map((q) => ({
    text: q.text,
    status: q.status,
    ...QUOTE_MARKS[q.status],
  }));
  const problems: string[] = [];
  if (trimmed.length === 0) problems.push('the speech is empty');
  if (length > rules.charLimit) problems.push(`it has ${length} characters; the limit is ${rules.charLimit}`);
  if (rules.quoteLimit !== null && quoted > rules.quoteLimit)
    problems.push(`it quotes ${quoted} characters; the quote budget is ${rules.quoteLimit}`);
  return {
    text: trimmed,
    length,
    charLimit: rules.charLimit,
    quoted,
    quoteLimit: rules.quoteLimit,
    quotes,
    summary: quotes.length === 0 ? 'no quotes' : quoteSummary(quotes),
    counts: `${length} of ${rules.charLimit} characters${rules.quoteLimit === null ? '' : `, ${quoted} of ${rules.quoteLimit} quoted`}`,
    problems,
  };
}
