import { type ArmRules, extractQuotes, quotedLength, verifyQuotes, visibleLength } from '@oversight/core';
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
  /** Each quote checked against the story; empty while the speech is over its limits. */
  quotes: QuoteLine[];
  /** "2 verified, 1 not found", "no quotes", or why the quotes are not checked yet. */
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
  // Lengths first: they are cheap, and a speech over its limits cannot be sent, so its quotes are
  // checked once it fits. Checking first let one 3,200-character invented quote hold the Discord
  // bot's loop for seconds, and every click in those seconds missed Discord's 3-second deadline.
  const problems: string[] = [];
  if (trimmed.length === 0) problems.push('the speech is empty');
  if (length > rules.charLimit) problems.push(`it has ${length} characters; the limit is ${rules.charLimit}`);
  if (rules.quoteLimit !== null && quoted > rules.quoteLimit)
    problems.push(`it quotes ${quoted} characters; the quote budget is ${rules.quoteLimit}`);
  const checked = problems.length === 0;
  const quotes = checked
    ? verifyQuotes(trimmed, source).map((q) => ({
        text: q.text,
        status: q.status,
        ...QUOTE_MARKS[q.status],
      }))
    : [];
  const count = extractQuotes(trimmed).length;
  return {
    text: trimmed,
    length,
    charLimit: rules.charLimit,
    quoted,
    quoteLimit: rules.quoteLimit,
    quotes,
    summary:
      !checked && count > 0
        ? `${count} ${count === 1 ? 'quote' : 'quotes'} not checked yet: shorten the speech first`
        : quotes.length === 0
          ? 'no quotes'
          : quoteSummary(quotes),
    counts: `${length} of ${rules.charLimit} characters${rules.quoteLimit === null ? '' : `, ${quoted} of ${rules.quoteLimit} quoted`}`,
    problems,
  };
}
