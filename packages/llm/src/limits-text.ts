import { quotedLength, visibleLength } from '@oversight/core';

/**
 * Makes a speech fit the arm's limits without breaking quotes: quotes beyond the quote budget are
 * shortened at a word boundary (a verbatim prefix of a quote still verifies) or dropped, then the
 * text is cut at the last sentence end that fits the character limit (tags do not count, as in
 * core's `visibleLength`). Returns the text unchanged when it already fits.
 */
export function fitSpeech(text: string, charLimit: number, quoteLimit: number | null): string {
  let out = text.trim();
  if (quoteLimit !== null && quotedLength(out) > quoteLimit) out = trimQuotes(out, quoteLimit);
  if (visibleLength(out) > charLimit) out = cutToLength(out, charLimit);
  return out;
}

const QUOTE = /<quote>([\s\S]*?)<\/quote>/gi;

function trimQuotes(text: string, budget: number): string {
  let left = budget;
  return text
    .replace(QUOTE, (_all, inner: string) => {
      const quote = inner.trim();
      if (quote.length <= left) {
        left -= quote.length;
        return `<quote>${quote}</quote>`;
      }
      const cut = quote.slice(0, left);
      const space = cut.lastIndexOf(' ');
      const prefix = (space > 0 ? cut.slice(0, space) : '').trim();
      if (prefix.length < 12) {
        left = 0;
        return '';
      }
      left -= prefix.length;
      return `<quote>${prefix}</quote>`;
    })
    .replace(/[ \t]{2,}/g, ' ');
}

/** Cuts at the last sentence (or, failing that, word) boundary whose visible length fits. */
function cutToLength(text: string, limit: number): string {
  // Walk the text keeping a visible-character count; remember safe cut points outside quotes.
  let visible = 0;
  let inQuote = false;
  let lastSentence = -1;
  let sentenceVisible = 0;
  let lastWord = -1;
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('<quote>', i)) {
      inQuote = true;
      i += 7;
      continue;
    }
    if (text.startsWith('</quote>', i)) {
      inQuote = false;
      i += 8;
      if (visible <= limit) lastWord = i;
      continue;
    }
    visible += 1;
    if (visible > limit) break;
    const ch = text[i]!;
    i += 1;
    if (inQuote) continue;
    if (/[.!?]/.test(ch) && (i >= text.length || /\s/.test(text[i]!))) {
      lastSentence = i;
      sentenceVisible = visible;
    } else if (/\s/.test(ch)) lastWord = i - 1;
  }
  const cut =
    lastSentence > 0 && sentenceVisible > limit * 0.5 ? lastSentence : lastWord > 0 ? lastWord : lastSentence;
  if (cut <= 0) {
    // No safe point: drop every tag and cut the plain text.
    return text
      .replace(/<\/?quote>/gi, '')
      .slice(0, limit)
      .trim();
  }
  return text.slice(0, cut).trim();
}
