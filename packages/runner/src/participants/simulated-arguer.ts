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

/** The words a speech for an answer looks for: the same for every speech defending it. */
const targetCache = new Map<string, Set<string>>();
function targetWords(text: string): Set<string> {
  let words = targetCache.get(text);
  if (!words) {
    words = contentWords(text);
    if (targetCache.size > 4096) targetCache.clear();
    targetCache.set(text, words);
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

/** Scores of the sentences of the speech being composed (reused: composing is synchronous). */
let scores = new Float64Array(512);

/**
 * Indexes of the `m` best of the first `n` scores (ties by position), best first: what sorting them
 * all would put first, without sorting hundreds of sentences for every speech.
 */
function best(n: number, m: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (top.length === m && !(s > scores[top[m - 1]!]!)) continue;
    let k = top.length === m ? m - 1 : top.length;
    // Ties keep the earlier sentence first, so only a strictly higher score moves up.
    while (k > 0 && s > scores[top[k - 1]!]!) {
      top[k] = top[k - 1]!;
      k -= 1;
    }
    top[k] = i;
  }
  return top;
}

export function composeArgument(view: ArguerView, spec: SimulatedArguerSpec, seed: string): string {
  const rng = createRng(seed);
  const answer = view.answers[view.assignedAnswer] ?? '';
  const letter = String.fromCharCode(65 + view.assignedAnswer);
  const used = new Set(
    view.transcript.filter((e) => e.speaker === view.role).flatMap((e) => e.quotes.map((q) => q.text)),
  );
  const target = targetWords(`${answer} ${answer} ${view.question}`);
  const sentences = sentencesOf(view.source);
  const counts = overlaps(sentences, target);
  // Every sentence draws its noise, in order, so speeches stay what they were when all were sorted.
  const n = sentences.length;
  if (scores.length < n) scores = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) scores[i] = counts[i]! + rng.next() * 0.5;
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
  let quotes = pick(best(n, Math.min(n, quoteCount + used.size)));
  if (quotes.length < quoteCount && perQuote >= 15) quotes = pick(best(n, n));
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
