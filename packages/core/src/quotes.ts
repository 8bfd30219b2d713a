import type { QuoteCheck } from './events.ts';

/**
 * Quote verification. Arguers cite the hidden source with <quote>...</quote>. A quote is
 * `verified` when it appears in the source after normalisation (case, punctuation, whitespace and
 * typographic quotes ignored), `partial` when a source passage is close to it (a faithful
 * paraphrase or a quote with a slip), and `unverified` otherwise. Judges see the status, never
 * the matched passage, so the source stays hidden beyond what was quoted faithfully.
 */

export const PARTIAL_MATCH_THRESHOLD = 0.75;
const QUOTE_PATTERN = /<quote>([\s\S]*?)<\/quote>/gi;

export function extractQuotes(text: string): string[] {
  // exec in a loop rather than [...matchAll()]: no iterator and no match array kept per quote, on
  // every speech checked.
  const quotes: string[] = [];
  QUOTE_PATTERN.lastIndex = 0;
  for (let m = QUOTE_PATTERN.exec(text); m; m = QUOTE_PATTERN.exec(text)) quotes.push(m[1] ?? '');
  return quotes;
}

/** Characters of quoted text in a speech (what a quote budget limits). */
export function quotedLength(text: string): number {
  return extractQuotes(text).reduce((sum, q) => sum + q.trim().length, 0);
}

/** Speech length as the reader sees it: tags do not count against the limit. */
export function visibleLength(text: string): number {
  return text.replace(/<\/?quote>/gi, '').length;
}

interface Normalised {
  text: string;
  /** origin[i] = index in the original string of normalised character i. */
  origin: number[];
}

export function normalise(raw: string): Normalised {
  // Characters collected and joined once: `text += ch` allocates a string object per character, a
  // source's tens of thousands of them garbage at once.
  const chars: string[] = [];
  const origin: number[] = [];
  let pendingSpace = false;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    // ASCII (nearly every character of an English source) without a regular expression per character.
    const ch =
      code < 128
        ? code >= 65 && code <= 90
          ? String.fromCharCode(code + 32)
          : raw[i]!
        : raw[i]!.toLowerCase();
    const wordy =
      code < 128
        ? (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
        : /[\p{L}\p{N}]/u.test(ch);
    if (wordy) {
      if (pendingSpace && chars.length > 0) {
        chars.push(' ');
        origin.push(i);
      }
      pendingSpace = false;
      chars.push(ch);
      origin.push(i);
    } else {
      pendingSpace = true;
    }
  }
  return { text: chars.join(''), origin };
}

// Printable ASCII and the usual whitespace; anything else takes the general path.
const ASCII = /^[\t\n\r -~]*$/;
const NOT_ASCII_WORDY = /[^0-9a-z]+/g;

/**
 * normalise(raw).text without the origin map, for quotes (checked by the thousand, never mapped
 * back): an ASCII quote with a few whole-string passes instead of a string built character by character.
 */
export function normaliseText(raw: string): string {
  if (!ASCII.test(raw)) return normalise(raw).text;
  return raw.toLowerCase().replace(NOT_ASCII_WORDY, ' ').trim();
}

/** The normalised source and its word index, computed once per source and reused for every quote. */
export interface SourceIndex {
  normalised: Normalised;
  words: string[];
  wordStarts: number[];
}

const stringIndexCache = new Map<string, SourceIndex>();

export function indexSource(source: string): SourceIndex {
  const cached = stringIndexCache.get(source);
  if (cached) return cached;
  const normalised = normalise(source);
  const words: string[] = [];
  const wordStarts: number[] = [];
  const re = /\S+/g;
  for (let m = re.exec(normalised.text); m; m = re.exec(normalised.text)) {
    words.push(m[0]);
    wordStarts.push(m.index);
  }
  const index = { normalised, words, wordStarts };
  // Sources are few (one per story) and long; keep a bounded cache so a run indexes each once.
  if (stringIndexCache.size > 256) stringIndexCache.clear();
  stringIndexCache.set(source, index);
  return index;
}

function levenshteinRatio(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return 1 - prev[b.length]! / Math.max(a.length, b.length);
}

function spanOf(index: SourceIndex, startNorm: number, endNorm: number): [number, number] {
  const { origin } = index.normalised;
  return [origin[startNorm] ?? 0, (origin[Math.max(startNorm, endNorm - 1)] ?? 0) + 1];
}

export function verifyQuote(quote: string, source: string | SourceIndex): QuoteCheck {
  const index = typeof source === 'string' ? indexSource(source) : source;
  const q = normaliseText(quote);
  if (q.length === 0) return { text: quote, status: 'unverified', similarity: 0, span: null };
  const exact = index.normalised.text.indexOf(q);
  if (exact >= 0)
    return { text: quote, status: 'verified', similarity: 1, span: spanOf(index, exact, exact + q.length) };

  // Rank windows of the quote's word count by shared words (a sliding multiset count), then
  // score the best few by edit distance on characters, allowing the window to stretch a little.
  const qWords = q.split(' ');
  const m = qWords.length;
  const { words, wordStarts } = index;
  if (words.length === 0) return { text: quote, status: 'unverified', similarity: 0, span: null };
  const need = new Map<string, number>();
  for (const w of qWords) need.set(w, (need.get(w) ?? 0) + 1);
  const have = new Map<string, number>();
  let overlap = 0;
  const add = (w: string, delta: 1 | -1) => {
    const target = need.get(w);
    if (target === undefined) return;
    const before = have.get(w) ?? 0;
    const after = before + delta;
    have.set(w, after);
    overlap += Math.min(after, target) - Math.min(before, target);
  };
  const width = Math.min(m, words.length);
  for (let i = 0; i < width; i++) add(words[i]!, 1);
  const candidates: Array<{ start: number; overlap: number }> = [{ start: 0, overlap }];
  for (let start = 1; start + width <= words.length; start++) {
    add(words[start - 1]!, -1);
    add(words[start + width - 1]!, 1);
    candidates.push({ start, overlap });
  }
  candidates.sort((x, y) => y.overlap - x.overlap || x.start - y.start);
  let best = { similarity: 0, start: 0, end: 0 };
  for (const { start } of candidates.slice(0, 5)) {
    for (const stretch of [-2, -1, 0, 1, 2]) {
      const from = start;
      const to = Math.min(words.length, Math.max(from + 1, start + width + stretch));
      const startChar = wordStarts[from]!;
      const endChar = wordStarts[to - 1]! + words[to - 1]!.length;
      const similarity = levenshteinRatio(q, index.normalised.text.slice(startChar, endChar));
      if (similarity > best.similarity) best = { similarity, start: startChar, end: endChar };
    }
  }
  const similarity = Math.round(best.similarity * 1000) / 1000;
  if (similarity >= PARTIAL_MATCH_THRESHOLD) {
    return { text: quote, status: 'partial', similarity, span: spanOf(index, best.start, best.end) };
  }
  return { text: quote, status: 'unverified', similarity, span: null };
}

/** Checks already made per source: the same quote of the same story (common in simulations) is checked once. */
const checked = new WeakMap<SourceIndex, Map<string, QuoteCheck>>();

export function verifyQuotes(text: string, source: string): QuoteCheck[] {
  const index = indexSource(source);
  let known = checked.get(index);
  if (!known) {
    known = new Map();
    checked.set(index, known);
  }
  return extractQuotes(text).map((q) => {
    let check = known.get(q);
    if (!check) {
      check = verifyQuote(q, index);
      if (known.size > 10_000) known.clear();
      known.set(q, check);
    }
    // A copy, so no event shares (and no caller can change) another's check.
    return { ...check, span: check.span && [...check.span] };
  });
}
