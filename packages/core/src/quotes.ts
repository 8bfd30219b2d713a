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
  /**
   * Each word's number in the source's vocabulary: ranking windows by shared words then counts in
   * typed arrays, a few nanoseconds a step, where a Map per step made a speech of many quotes slow.
   */
  wordIds: Int32Array;
  vocabulary: Map<string, number>;
}

const stringIndexCache = new Map<string, SourceIndex>();

export function indexSource(source: string): SourceIndex {
  const cached = stringIndexCache.get(source);
  if (cached) return cached;
  const normalised = normalise(source);
  const words: string[] = [];
  const wordStarts: number[] = [];
  const ids: number[] = [];
  const vocabulary = new Map<string, number>();
  const re = /\S+/g;
  for (let m = re.exec(normalised.text); m; m = re.exec(normalised.text)) {
    words.push(m[0]);
    wordStarts.push(m.index);
    let id = vocabulary.get(m[0]);
    if (id === undefined) {
      id = vocabulary.size;
      vocabulary.set(m[0], id);
    }
    ids.push(id);
  }
  const index = { normalised, words, wordStarts, wordIds: Int32Array.from(ids), vocabulary };
  // Sources are few (one per story) and long; keep a bounded cache so a run indexes each once.
  if (stringIndexCache.size > 256) stringIndexCache.clear();
  stringIndexCache.set(source, index);
  return index;
}

/**
 * Typed arrays reused from one quote to the next (this module runs synchronously, so one set
 * suffices): allocating them per quote left the garbage collector more work than the matching, and
 * a speech of two hundred short quotes paid tens of milliseconds for it.
 */
const scratch = {
  ascii: new Int32Array(128),
  symbols: new Int32Array(256),
  peq: new Int32Array(256),
  rows: new Int32Array(256),
  carry: new Int8Array(256),
  need: new Int32Array(256),
  have: new Int32Array(256),
};

/** The scratch array `key`, at least `length` long (its contents are the caller's to clear). */
function take<K extends keyof typeof scratch>(key: K, length: number): (typeof scratch)[K] {
  const array = scratch[key];
  if (array.length >= length) return array;
  const size = Math.max(length, array.length * 2);
  const grown = (
    array instanceof Int8Array ? new Int8Array(size) : new Int32Array(size)
  ) as (typeof scratch)[K];
  scratch[key] = grown;
  return grown;
}

/**
 * Levenshtein distances between `pattern` and the prefixes of `text` ending at each of `ends`
 * (ascending), by the bit-vector method of Myers (1999) in Hyyrö's form for global distance: a
 * column of the dynamic-programming table is 32 rows to a machine word, so the work is
 * ceil(|pattern| / 32) word steps per text character instead of |pattern| cells. One pass gives
 * the distance to every prefix, so the stretched windows of a candidate cost one pass, not five.
 * Characters are compared as UTF-16 code units, as the table this replaces compared them.
 */
export function prefixDistances(pattern: string, text: string, ends: readonly number[]): number[] {
  const m = pattern.length;
  if (m === 0) return [...ends];
  const blocks = (m + 31) >>> 5;
  const n = Math.min(text.length, ends.length > 0 ? ends[ends.length - 1]! : 0);
  // The pattern's alphabet, numbered from 1; 0 is every character outside it, whose masks are all 0.
  const ascii = scratch.ascii.fill(0);
  let other: Map<number, number> | undefined;
  let size = 1;
  const symbols = take('symbols', m);
  for (let i = 0; i < m; i++) {
    const code = pattern.charCodeAt(i);
    let s = code < 128 ? ascii[code]! : (other?.get(code) ?? 0);
    if (s === 0) {
      s = size++;
      if (code < 128) ascii[code] = s;
      else {
        other ??= new Map();
        other.set(code, s);
      }
    }
    symbols[i] = s;
  }
  // peq[s * blocks + b]: bit r set when row 32b + r + 1 of the pattern is symbol s.
  const peq = take('peq', size * blocks).fill(0, 0, size * blocks);
  for (let i = 0; i < m; i++) peq[symbols[i]! * blocks + (i >>> 5)]! |= 1 << (i & 31);
  const rows = take('rows', n);
  for (let j = 0; j < n; j++) {
    const code = text.charCodeAt(j);
    rows[j] = (code < 128 ? ascii[code]! : (other?.get(code) ?? 0)) * blocks;
  }
  // Block by block (32 rows of the table), each across every column: a block's vertical deltas stay
  // in two registers, and what it needs from the block above is the horizontal delta at its top
  // row in each column (+1, 0 or -1), which the block above leaves in `carry`. Row 0 of the table is
  // 0, 1, 2, ... (a global distance), so the first block gets +1 in every column.
  const carry = take('carry', n).fill(1, 0, n);
  const last = blocks - 1;
  for (let b = 0; b < last; b++) {
    // Column 0 is 0, 1, 2, ... down the rows: every vertical delta +1.
    let pv = -1;
    let mv = 0;
    for (let j = 0; j < n; j++) {
      const hin = carry[j]!;
      const hp = (hin + 1) >> 1;
      const hm = hin >>> 31;
      let eq = peq[rows[j]! + b]!;
      const xv = eq | mv;
      // A delta of -1 coming in from above acts as a match on the block's first row.
      eq |= hm;
      const xh = (((eq & pv) + pv) ^ pv) | eq;
      const ph = mv | ~(xh | pv);
      const mh = pv & xh;
      carry[j] = (ph >>> 31) - (mh >>> 31);
      const phs = (ph << 1) | hp;
      pv = (mh << 1) | hm | ~(xv | phs);
      mv = phs & xv;
    }
  }
  // The last block, whose row m - 1 (bit lastShift) is the pattern's end: its horizontal deltas
  // step the distance to each prefix of the text along.
  const lastShift = (m - 1) & 31;
  const out: number[] = [];
  let score = m;
  let next = 0;
  while (next < ends.length && ends[next] === 0) {
    out.push(score);
    next++;
  }
  let pv = -1;
  let mv = 0;
  for (let j = 0; j < n; j++) {
    const hin = carry[j]!;
    const hp = (hin + 1) >> 1;
    const hm = hin >>> 31;
    let eq = peq[rows[j]! + last]!;
    const xv = eq | mv;
    eq |= hm;
    const xh = (((eq & pv) + pv) ^ pv) | eq;
    const ph = mv | ~(xh | pv);
    const mh = pv & xh;
    score += ((ph >>> lastShift) & 1) - ((mh >>> lastShift) & 1);
    const phs = (ph << 1) | hp;
    pv = (mh << 1) | hm | ~(xv | phs);
    mv = phs & xv;
    while (next < ends.length && ends[next] === j + 1) {
      out.push(score);
      next++;
    }
  }
  return out;
}

function spanOf(index: SourceIndex, startNorm: number, endNorm: number): [number, number] {
  const { origin } = index.normalised;
  return [origin[startNorm] ?? 0, (origin[Math.max(startNorm, endNorm - 1)] ?? 0) + 1];
}

/** Windows (of the quote's word count) scored by edit distance: the most shared words first. */
const CANDIDATES = 5;
/** How far a window may stretch, in words, to match a quote that dropped or added a few. */
const STRETCHES = [-2, -1, 0, 1, 2] as const;
/**
 * Word steps of edit distance (see prefixDistances) one quote may spend on windows that cannot be
 * partial matches whatever their distance, because their length alone keeps them under the
 * threshold: about 10 ms on the machines this was measured on. Windows that could be partial are
 * always scored, and a quote of ordinary length never comes near this, so the budget changes
 * nothing but the reported similarity of an unverified quote of thousands of characters whose words
 * are far shorter or longer than the story's (`similarity` is then that of the best window scored).
 */
const UNPROMISING_BUDGET = 2_500_000;

export function verifyQuote(quote: string, source: string | SourceIndex): QuoteCheck {
  const index = typeof source === 'string' ? indexSource(source) : source;
  const q = normaliseText(quote);
  if (q.length === 0) return { text: quote, status: 'unverified', similarity: 0, span: null };
  const exact = index.normalised.text.indexOf(q);
  if (exact >= 0)
    return { text: quote, status: 'verified', similarity: 1, span: spanOf(index, exact, exact + q.length) };
  const { words, wordStarts } = index;
  if (words.length === 0) return { text: quote, status: 'unverified', similarity: 0, span: null };

  // Rank windows of the quote's word count by shared words (a sliding multiset count), then
  // score the best few by edit distance on characters, allowing the window to stretch a little.
  // Every step is bounded, so that a quote of thousands of characters, invented or not, costs
  // milliseconds (the cell-by-cell table this replaces took seconds and froze a chat app's loop):
  // the ranking is linear in the story's words, each edit distance is one bit-parallel pass, and a
  // window is scored only if its length leaves it a chance to beat the best so far.
  const width = Math.min(q.split(' ').length, words.length);
  const top = bestWindows(q, index, width);
  const blocks = Math.ceil(q.length / 32);
  let spent = 0;
  let best = { similarity: 0, start: 0, end: 0 };
  for (const start of top) {
    const startChar = wordStarts[start]!;
    const lengths = STRETCHES.map((stretch) => {
      const to = Math.min(words.length, Math.max(start + 1, start + width + stretch));
      return wordStarts[to - 1]! + words[to - 1]!.length - startChar;
    });
    // An edit distance is at least the difference in length, so this is the most a window may reach.
    const reach = Math.max(...lengths.map((n) => Math.min(n, q.length) / Math.max(n, q.length)));
    if (reach <= best.similarity) continue;
    const longest = Math.max(...lengths);
    if (reach < PARTIAL_MATCH_THRESHOLD && spent + blocks * longest > UNPROMISING_BUDGET) continue;
    spent += blocks * longest;
    const ends = [...new Set(lengths)].sort((x, y) => x - y);
    const distances = prefixDistances(q, index.normalised.text.slice(startChar, startChar + longest), ends);
    for (const length of lengths) {
      const similarity = 1 - distances[ends.indexOf(length)]! / Math.max(q.length, length);
      if (similarity > best.similarity) best = { similarity, start: startChar, end: startChar + length };
    }
  }
  const similarity = Math.round(best.similarity * 1000) / 1000;
  if (similarity >= PARTIAL_MATCH_THRESHOLD) {
    return { text: quote, status: 'partial', similarity, span: spanOf(index, best.start, best.end) };
  }
  return { text: quote, status: 'unverified', similarity, span: null };
}

/**
 * The starts of the CANDIDATES windows of `width` words sharing the most words with the quote, the
 * earlier first among equals: one slide over the story with the counts in typed arrays.
 */
function bestWindows(q: string, index: SourceIndex, width: number): number[] {
  const { words, wordIds, vocabulary } = index;
  const need = take('need', vocabulary.size);
  const have = take('have', vocabulary.size);
  const ids: number[] = [];
  for (const w of q.split(' ')) {
    const id = vocabulary.get(w);
    if (id === undefined) continue;
    if (need[id] === 0) ids.push(id);
    need[id]!++;
  }
  const top: Array<{ start: number; overlap: number }> = [];
  if (ids.length === 0) {
    // No word of the quote is in the story: every window shares none, and the first ones win.
    for (let start = 0; start < CANDIDATES && start + width <= words.length; start++)
      top.push({ start, overlap: 0 });
    return top.map((t) => t.start);
  }
  let overlap = 0;
  const add = (id: number, delta: 1 | -1) => {
    const target = need[id]!;
    if (target === 0) return;
    const before = have[id]!;
    const after = before + delta;
    have[id] = after;
    overlap += Math.min(after, target) - Math.min(before, target);
  };
  const offer = (start: number) => {
    if (top.length === CANDIDATES && overlap <= top[CANDIDATES - 1]!.overlap) return;
    let at = top.length;
    while (at > 0 && top[at - 1]!.overlap < overlap) at--;
    top.splice(at, 0, { start, overlap });
    if (top.length > CANDIDATES) top.pop();
  };
  for (let i = 0; i < width; i++) add(wordIds[i]!, 1);
  offer(0);
  for (let start = 1; start + width <= words.length; start++) {
    add(wordIds[start - 1]!, -1);
    add(wordIds[start + width - 1]!, 1);
    offer(start);
  }
  // Only the quote's words were counted: clearing them leaves the scratch arrays zero for the next.
  for (const id of ids) {
    need[id] = 0;
    have[id] = 0;
  }
  return top.map((t) => t.start);
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
