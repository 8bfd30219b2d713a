/**
 * Worst cases of quote verification, as a chat app's speech preview meets them: the longest story of
 * the bundled dataset (QuALITY 51651, 34,504 characters) and speeches of up to 4,000 characters, the
 * most a Discord modal takes. Prints, per shape of speech, the slowest and median time to check every
 * quote of it (no cache), and the time to index the story once; then the check as it was before
 * (a cell-by-cell edit-distance table) on the 3,200-character invented quote that froze the Discord
 * bot for 5.5 s, as the reference measured in the same run.
 *
 * The slowest of several runs is the figure to hold against the ~50 ms a chat app's loop may be held.
 * Wall time moves with the machine's load; CPU time (this process's) much less, so both are printed,
 * and the reference of the same run gives the ratio.
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
/** Wall time, and the process's CPU time, which a busy machine's other work does not inflate. */
const time = (f: () => void) => {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
};
const summary = (runs: Array<{ wall: number; cpu: number }>) => {
  const wall = runs.map((r) => r.wall).sort((a, b) => a - b);
  const cpu = runs.map((r) => r.cpu).sort((a, b) => a - b);
  return {
    text: `wall fastest ${ms(wall[0]!)}, median ${ms(wall[Math.floor(RUNS / 2)]!)}, slowest ${ms(wall.at(-1)!)}; CPU slowest ${ms(cpu.at(-1)!)}`,
    wall: wall.at(-1)!,
    cpu: cpu.at(-1)!,
  };
};

console.log(
  `story ${story.id}: ${story.source.length.toLocaleString('en')} characters, ${indexSource(story.source).words.length.toLocaleString('en')} words; ${RUNS} runs of each`,
);
// One untimed pass of everything first, so the figures are of compiled code, as in a bot that has
// served a while (the very first check after a start also pays the compiler, once).
indexSource(`${story.source} warm-up`);
for (const { speech } of speeches)
  for (const q of extractQuotes(speech)) verifyQuote(q, indexSource(story.source));
// A fresh copy of the source each time, so the index is built cold (what the first preview of a story pays).
const indexing = summary(
  Array.from({ length: RUNS }, (_, i) => time(() => indexSource(`${story.source} ${i}`))),
);
console.log(`index the story (cold): ${indexing.text}`);

let worst = { wall: 0, cpu: 0 };
const index = indexSource(story.source);
for (const { name, speech } of speeches) {
  const quotes = extractQuotes(speech);
  const chars = speech.length;
  if (chars > SPEECH_LIMIT) throw new Error(`bench speech "${name}" has ${chars} characters`);
  const runs = summary(
    Array.from({ length: RUNS }, () => time(() => quotes.map((q) => verifyQuote(q, index)))),
  );
  const statuses = [...new Set(quotes.map((q) => verifyQuote(q, index).status))].join('/');
  worst = { wall: Math.max(worst.wall, runs.wall), cpu: Math.max(worst.cpu, runs.cpu) };
  console.log(`${name}: ${quotes.length} quote(s), ${chars} characters, ${statuses}: ${runs.text}`);
}
console.log(
  `worst case to check a speech's quotes: ${ms(worst.wall)} wall, ${ms(worst.cpu)} CPU; with the story indexed cold: ${ms(worst.wall + indexing.wall)} wall, ${ms(worst.cpu + indexing.cpu)} CPU`,
);

if (!process.argv.includes('--no-reference')) {
  const report = speeches[0]!.speech;
  const [q] = extractQuotes(report);
  const before = time(() => referenceVerifyQuote(q!, story.source)).cpu;
  const now = time(() => verifyQuote(q!, index)).cpu;
  console.log(
    `reference, the check before it was bounded, on the reported quote: ${ms(before)} CPU (now ${ms(now)}, ${Math.round(before / now)}x less)`,
  );
}
