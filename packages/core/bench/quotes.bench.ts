/**
 * Worst cases of quote verification, as a chat app's speech preview meets them: the longest story of
 * the bundled dataset (QuALITY 51651, 34,504 characters) and speeches of up to 4,000 characters, the
 * most a Discord modal takes. Prints, per shape of speech, the slowest and median time to check every
 * quote of it (no cache), and the time to index the story once; then the check as it was before
 * (a cell-by-cell edit-distance table) on the 3,200-character invented quote that froze the Discord
 * bot for 5.5 s, as the reference measured in the same run.
 *
 * The slowest of several runs is the figure to hold against the ~50 ms a chat app's loop may be held;
 * on a shared machine it moves with the load, so compare it with the reference of the same run.
 *
 *   pnpm --filter @oversight/core bench            (add --no-reference to skip the slow reference)
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { extractQuotes, indexSource, verifyQuote } from '../src/index.ts';
import { referenceVerifyQuote } from '../test/quotes-reference.ts';

const DATASET = new URL('../../../experiments/datasets/nyu-2023-quality.jsonl.gz', import.meta.url);
const SPEECH_LIMIT = 4000;
const RUNS = 15;

const lines = gunzipSync(readFileSync(DATASET)).toString('utf8').split('\n');
const stories = lines
  .filter((l) => l.startsWith('{"story"'))
  .map((l) => (JSON.parse(l) as { story: { id: string; source: string } }).story);
const story = stories.reduce((a, b) => (b.source.length > a.source.length ? b : a));

/** Seeded, so every run measures the same speeches. */
let state = 20260611;
const random = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
};
const WORDS = ['marble', 'quietly', 'the', 'of', 'harbour', 'seventeen', 'lantern', 'and', 'a', 'orbit'];
const invented = (chars: number) => {
  const out: string[] = [];
  let length = 0;
  while (length < chars) {
    const w = WORDS[Math.floor(random() * WORDS.length)]!;
    out.push(w);
    length += w.length + 1;
  }
  return out.join(' ').slice(0, chars).trim();
};
const quote = (text: string) => `<quote>${text}</quote>`;
const room = (n: number) => SPEECH_LIMIT - n * quote('').length;
/** A passage of the story with a slip every ~60 characters: still close enough to be partial. */
const slipped = (text: string) => text.replace(/(.{60})[a-z]/gs, '$1x');

const passage = story.source.slice(10_000, 10_000 + room(1));
const speeches: Array<{ name: string; speech: string }> = [
  { name: 'one invented quote of 3,200 characters (the report)', speech: quote(invented(3200)) },
  { name: 'one invented quote filling 4,000 characters', speech: quote(invented(room(1))) },
  { name: 'one exact quote filling 4,000 characters', speech: quote(passage) },
  { name: 'one near-match (slips) filling 4,000 characters', speech: quote(slipped(passage)) },
  {
    name: 'one quote of one-letter words (widest windows)',
    speech: quote('a '.repeat(room(1) / 2).trim()),
  },
  {
    name: 'as many one-word quotes as fit',
    speech: Array.from({ length: Math.floor(SPEECH_LIMIT / quote('xxxx').length) }, (_, i) =>
      quote(`w${i.toString(36).padStart(2, '0')}`),
    ).join(''),
  },
  {
    name: '20 invented quotes of ~180 characters',
    speech: Array.from({ length: 20 }, () => quote(invented(Math.floor(room(20) / 20)))).join(''),
  },
];

const ms = (t: number) => `${t.toFixed(1)} ms`;
const time = (f: () => void) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};

console.log(
  `story ${story.id}: ${story.source.length.toLocaleString('en')} characters, ${indexSource(story.source).words.length.toLocaleString('en')} words`,
);
// A fresh copy of the source each time, so the index is built cold (what the first preview of a story pays).
const indexing = Array.from({ length: RUNS }, (_, i) => time(() => indexSource(`${story.source} ${i}`)));
indexing.sort((a, b) => a - b);
console.log(
  `index the story (cold): fastest ${ms(indexing[0]!)}, median ${ms(indexing[Math.floor(RUNS / 2)]!)}, slowest ${ms(indexing.at(-1)!)}`,
);

let worst = 0;
const index = indexSource(story.source);
for (const { name, speech } of speeches) {
  const quotes = extractQuotes(speech);
  const chars = speech.length;
  if (chars > SPEECH_LIMIT) throw new Error(`bench speech "${name}" has ${chars} characters`);
  const times = Array.from({ length: RUNS }, () => time(() => quotes.map((q) => verifyQuote(q, index))));
  times.sort((a, b) => a - b);
  const statuses = [...new Set(quotes.map((q) => verifyQuote(q, index).status))].join('/');
  worst = Math.max(worst, times.at(-1)!);
  console.log(
    `${name}: ${quotes.length} quote(s), ${chars} characters, ${statuses}: fastest ${ms(times[0]!)}, median ${ms(times[Math.floor(RUNS / 2)]!)}, slowest ${ms(times.at(-1)!)}`,
  );
}
const cold = indexing.at(-1)! + worst;
console.log(`worst case: ${ms(worst)} to check a speech's quotes; ${ms(cold)} with the story indexed cold`);

if (!process.argv.includes('--no-reference')) {
  const report = speeches[0]!.speech;
  const [q] = extractQuotes(report);
  const before = time(() => referenceVerifyQuote(q!, story.source));
  const now = time(() => verifyQuote(q!, index));
  console.log(
    `reference, the check before it was bounded, on the reported quote: ${ms(before)} (now ${ms(now)}, ${Math.round(before / now)}x faster)`,
  );
}
