import type { QuoteCheck } from '../src/index.ts';
import { indexSource, normaliseText, PARTIAL_MATCH_THRESHOLD } from '../src/index.ts';

/**
 * The quote check as it was before the fuzzy match was bounded: every window scored by a
 * cell-by-cell edit-distance table. Kept as the reference the bounded check must agree with (the
 * tests) and the figure it is measured against (bench/quotes.bench.ts); far too slow for long quotes.
 */
export function levenshtein(a: string, b: string): number {
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
  return prev[b.length]!;
}

function ratio(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  return 1 - levenshtein(a, b) / Math.max(a.length, b.length);
}

export function referenceVerifyQuote(quote: string, source: string): QuoteCheck {
  const index = indexSource(source);
  const { origin } = index.normalised;
  const spanOf = (s: number, e: number): [number, number] => [
    origin[s] ?? 0,
    (origin[Math.max(s, e - 1)] ?? 0) + 1,
  ];
  const q = normaliseText(quote);
  if (q.length === 0) return { text: quote, status: 'unverified', similarity: 0, span: null };
  const exact = index.normalised.text.indexOf(q);
  if (exact >= 0)
    return { text: quote, status: 'verified', similarity: 1, span: spanOf(exact, exact + q.length) };
  const qWords = q.split(' ');
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
    have.set(w, before + delta);
    overlap += Math.min(before + delta, target) - Math.min(before, target);
  };
  const width = Math.min(qWords.length, words.length);
  for (let i = 0; i < width; i++) add(words[i]!, 1);
  const candidates = [{ start: 0, overlap }];
  for (let start = 1; start + width <= words.length; start++) {
    add(words[start - 1]!, -1);
    add(words[start + width - 1]!, 1);
    candidates.push({ start, overlap });
  }
  candidates.sort((x, y) => y.overlap - x.overlap || x.start - y.start);
  let best = { similarity: 0, start: 0, end: 0 };
  for (const { start } of candidates.slice(0, 5)) {
    for (const stretch of [-2, -1, 0, 1, 2]) {
      const to = Math.min(words.length, Math.max(start + 1, start + width + stretch));
      const startChar = wordStarts[start]!;
      const endChar = wordStarts[to - 1]! + words[to - 1]!.length;
      const similarity = ratio(q, index.normalised.text.slice(startChar, endChar));
      if (similarity > best.similarity) best = { similarity, start: startChar, end: endChar };
    }
  }
  const similarity = Math.round(best.similarity * 1000) / 1000;
  if (similarity >= PARTIAL_MATCH_THRESHOLD)
    return { text: quote, status: 'partial', similarity, span: spanOf(best.start, best.end) };
  return { text: quote, status: 'unverified', similarity, span: null };
}
