import { type ArguerView, createRng, type SimulatedArguerSpec } from '@oversight/core';
import type { Participant, ParticipantFactory } from '../participant.ts';

/**
 * A simulated arguer: it builds each speech from the source text, quoting the sentences that share
 * the most words with the answer it defends. It knows nothing a real arguer would not, and every
 * event it produces is marked `simulated`.
 */

const STOPWORDS = new Set(
  'a an and are as at be but by did do does for from had has have he her his how i in is it its of on or she that the their them they this to was were what when where which who why will with would you'.split(
    ' ',
  ),
);

function contentWords(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 2 && !STOPWORDS.has(w)),
  );
}

interface Sentence {
  text: string;
  words: Set<string>;
}

/** Sentences of a source with their content words, computed once per story. */
const sentenceCache = new Map<string, Sentence[]>();
function sentencesOf(source: string): Sentence[] {
  let sentences = sentenceCache.get(source);
  if (!sentences) {
    sentences = source
      .split(/(?<=[.!?]["”']?)\s+/)
      .map((s) => s.replace(/\s+/g, ' ').trim())
      .filter((s) => s.length >= 20)
      .map((text) => ({ text, words: contentWords(text) }));
    if (sentenceCache.size > 256) sentenceCache.clear();
    sentenceCache.set(source, sentences);
  }
  return sentences;
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, Math.max(0, max));
  const space = cut.lastIndexOf(' ');
  return space > max / 2 ? cut.slice(0, space) : cut;
}

/**
 * The words a speech for an answer looks for: the same for every speech defending it. Keyed by the
 * question's and the answer's own strings (the same objects on every speech of a question), so a
 * lookup builds no key.
 */
const targetCache = new Map<string, Map<string, Set<string>>>();
function targetWords(question: string, answer: string): Set<string> {
  let byAnswer = targetCache.get(question);
  if (!byAnswer) {
    if (targetCache.size > 2048) targetCache.clear();
    byAnswer = new Map();
    targetCache.set(question, byAnswer);
  }
  let words = byAnswer.get(answer);
  if (!words) {
    words = contentWords(`${answer} ${question}`);
    byAnswer.set(answer, words);
  }
  return words;
}

/** Per story (its sentences) and target words (the cached set), how many target words each sentence shares. */
const overlapCache = new WeakMap<readonly Sentence[], WeakMap<Set<string>, Uint16Array>>();
function overlaps(sentences: readonly Sentence[], target: Set<string>): Uint16Array {
  let byTarget = overlapCache.get(sentences);
  if (!byTarget) {
    byTarget = new WeakMap();
    overlapCache.set(sentences, byTarget);
  }
  let counts = byTarget.get(target);
  if (!counts) {
    counts = new Uint16Array(sentences.length);
    for (let i = 0; i < sentences.length; i++)
      for (const word of target) if (sentences[i]!.words.has(word)) counts[i]! += 1;
    byTarget.set(target, counts);
  }
  return counts;
}

/** A sentence's tie-breaking noise in [0, 0.5), drawn by its position: only contenders need one. */
function noise(key: number, i: number): number {
  let h = Math.imul(key ^ Math.imul(i + 1, 0x9e3779b1), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 8589934592;
}

/** Scores of the sentences ranked so far (reused: composing is synchronous). */
let scores = new Float64Array(16);

/**
 * Indexes of the `m` best sentences, best first: by words shared with the answer, ties broken by
 * noise and then by position. Noise is under 0.5 and counts are whole, so a sentence sharing fewer
 * words than the m-th best so far cannot overtake it: it is passed over without drawing its noise,
 * and nothing is sorted.
 */
export function bestSentences(counts: Uint16Array, key: number, m: number): number[] {
  if (scores.length < m) scores = new Float64Array(m * 2);
  const ranked = scores;
  const top: number[] = [];
  // Once m are ranked: the words the m-th shares, below which a sentence cannot enter.
  let cut = -1;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count < cut) continue;
    const s = count + noise(key, i);
    if (top.length === m && !(s > ranked[m - 1]!)) continue;
    let k = top.length === m ? m - 1 : top.length;
    // Ties keep the earlier sentence first, so only a strictly higher score moves up.
    while (k > 0 && s > ranked[k - 1]!) {
      top[k] = top[k - 1]!;
      ranked[k] = ranked[k - 1]!;
      k -= 1;
    }
    top[k] = i;
    ranked[k] = s;
    if (top.length === m) cut = Math.floor(ranked[m - 1]!);
  }
  return top;
}

export function composeArgument(view: ArguerView, spec: SimulatedArguerSpec, seed: string): string {
  const answer = view.answers[view.assignedAnswer] ?? '';
  const letter = String.fromCharCode(65 + view.assignedAnswer);
  const used = new Set(
    view.transcript.filter((e) => e.speaker === view.role).flatMap((e) => e.quotes.map((q) => q.text)),
  );
  const target = targetWords(view.question, answer);
  const sentences = sentencesOf(view.source);
  const counts = overlaps(sentences, target);
  // One draw for the speech; each sentence's noise then follows from its position.
  const key = Math.floor(createRng(seed).next() * 4294967296);
  const n = sentences.length;
  const quoteCount = spec.quotesPerSpeech;
  const budget = view.quoteLimit ?? Number.POSITIVE_INFINITY;
  const perQuote = quoteCount > 0 ? Math.floor(budget / quoteCount) : 0;
  const pick = (ranked: readonly number[]) => {
    const quotes: string[] = [];
    for (const i of ranked) {
      if (quotes.length >= quoteCount || perQuote < 15) break;
      const quote = clip(sentences[i]!.text, Math.min(perQuote, 240));
      if (!used.has(quote)) quotes.push(quote);
    }
    return quotes;
  };
  // Each sentence skipped is one already quoted, so the best quoteCount + used.size suffice, unless
  // two sentences clip to the same quote: then rank them all.
  let quotes = pick(bestSentences(counts, key, Math.min(n, quoteCount + used.size)));
  if (quotes.length < quoteCount && perQuote >= 15) quotes = pick(bestSentences(counts, key, n));
  const lastQuestion = [...view.transcript].reverse().find((e) => e.kind === 'interjection');
  const round = view.turn?.round ?? 1;
  const opening =
    round === 1 && !lastQuestion
      ? `Answer ${letter} ("${answer}") is correct.`
      : lastQuestion
        ? `You asked: "${clip(lastQuestion.text, 120)}". The text supports answer ${letter} ("${answer}").`
        : `The other side's reading does not fit the text; answer ${letter} ("${answer}") does.`;
  const evidence = quotes.map(
    (q, i) => `${i === 0 ? 'The story says' : 'It also says'} <quote>${q}</quote>.`,
  );
  let text = [opening, ...evidence].join(' ');
  while (text.replace(/<\/?quote>/g, '').length > view.charLimit && evidence.length > 0) {
    evidence.pop();
    text = [opening, ...evidence].join(' ');
  }
  return clip(text, view.charLimit);
}

export const simulatedArguer: ParticipantFactory<'simulated-arguer'> = (record): Participant => ({
  record,
  async respond(request) {
    const view = request.view as ArguerView;
    return {
      type: 'argument',
      role: request.role,
      text: composeArgument(view, record.spec, request.seed),
      meta: { participantId: record.id, simulated: true },
    };
  },
});
