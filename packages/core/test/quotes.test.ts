import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  indexSource,
  normalise,
  normaliseText,
  prefixDistances,
  verifyQuote,
  verifyQuotes,
} from '../src/index.ts';
import { story } from './fixtures.ts';
import { levenshtein, referenceVerifyQuote } from './quotes-reference.ts';

describe('quote verification', () => {
  it("normalises a quote's text exactly as the source it is looked for in", () => {
    const pieces = fc.constantFrom('A', 'z', '7', ' ', '\n', '.', '"', '“', 'É', 'ß', 'Σ', 'İ', '-', '’');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces).map((p) => p.join('')),
        ),
        (raw) => {
          expect(normaliseText(raw)).toBe(normalise(raw).text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('verifies exact quotes regardless of case, punctuation and whitespace', () => {
    const check = verifyQuote('when the HATCH finally opened — a smell of burnt sugar', story);
    expect(check.status).toBe('verified');
    expect(check.similarity).toBe(1);
    const [start, end] = check.span!;
    expect(story.slice(start, end)).toBe('When the hatch finally opened, a smell of burnt sugar');
  });

  it('marks a faithful paraphrase partial with its best span and similarity', () => {
    const check = verifyQuote('the logbook was intact and written in a steady hands', story);
    expect(check.status).toBe('partial');
    expect(check.similarity).toBeGreaterThan(0.9);
    expect(check.similarity).toBeLessThan(1);
    expect(story.slice(...check.span!)).toContain('logbook was intact');
  });

  it('marks an invented quote unverified', () => {
    const check = verifyQuote('the aliens landed in Paris and ate all the croissants', story);
    expect(check.status).toBe('unverified');
    expect(check.span).toBeNull();
  });

  it('finds every quote tag in a speech', () => {
    const checks = verifyQuotes(
      'First <quote>forty days</quote>, then <quote>nothing like this</quote>.',
      story,
    );
    expect(checks.map((c) => c.status)).toEqual(['verified', 'unverified']);
  });
});

describe('bounded quote matching', () => {
  it('computes the edit distance to every prefix as the cell-by-cell table does, across 32-row blocks', () => {
    const unit = fc.constantFrom('a', 'b', 'c', ' ', 'é', 'ß');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 140 }), fc.string({ unit, maxLength: 160 }), (a, b) => {
        const ends = Array.from({ length: b.length + 1 }, (_, j) => j);
        expect(prefixDistances(a, b, ends)).toEqual(ends.map((j) => levenshtein(a, b.slice(0, j))));
      }),
      { numRuns: 1500 },
    );
  });

  // Quotes as arguers write them: exact passages, passages with slips, words dropped or added,
  // invented text made of the story's words, and text the story does not have.
  const words = normaliseText(story).split(' ');
  const quoteOf = fc.oneof(
    fc
      .tuple(fc.nat(words.length - 1), fc.integer({ min: 1, max: 25 }))
      .map(([at, n]) => words.slice(at, at + n).join(' ')),
    fc
      .tuple(
        fc.nat(words.length - 1),
        fc.integer({ min: 2, max: 25 }),
        fc.nat(),
        fc.constantFrom('x', 'the', ''),
      )
      .map(([at, n, slip, put]) => {
        const passage = words.slice(at, at + n);
        passage.splice(slip % passage.length, 1, put);
        return passage.join(' ');
      }),
    fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 40 }).map((w) => w.join(' ')),
    fc.string({ minLength: 1, maxLength: 120 }),
  );

  it('gives every quote the status, similarity and span the unbounded check gave', () => {
    fc.assert(
      fc.property(quoteOf, (quote) => {
        expect(verifyQuote(quote, story)).toEqual(referenceVerifyQuote(quote, story));
      }),
      { numRuns: 1500 },
    );
  });

  // The longest story of the bundled dataset (34,504 characters) and quotes as long as a Discord
  // modal allows (4,000 characters): what froze the bot when each took seconds to check.
  const long = gunzipSync(
    readFileSync(new URL('../../../experiments/datasets/nyu-2023-quality.jsonl.gz', import.meta.url)),
  )
    .toString('utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"story"'))
    .map((line) => (JSON.parse(line) as { story: { source: string } }).story.source)
    .reduce((a, b) => (b.length > a.length ? b : a));
  const inventedText = (chars: number) => {
    const vocabulary = ['marble', 'quietly', 'the', 'of', 'harbour', 'seventeen', 'lantern', 'and', 'orbit'];
    const out: string[] = [];
    for (let i = 0; out.join(' ').length < chars; i++) out.push(vocabulary[(i * 7) % vocabulary.length]!);
    return out.join(' ').slice(0, chars);
  };

  it('keeps the statuses on a 34,000-character story with quotes of thousands of characters', () => {
    expect(long.length).toBeGreaterThan(34_000);
    const invented = verifyQuotes(`<quote>${inventedText(3200)}</quote>`, long);
    expect(invented).toMatchObject([{ status: 'unverified', span: null }]);
    expect(invented[0]!.similarity).toBeLessThan(0.75);

    const passage = long.slice(12_000, 15_900);
    const exact = verifyQuote(passage, long);
    expect(exact.status).toBe('verified');
    expect(long.slice(...exact.span!)).toBe(passage.trim());

    // A slip every 80 characters (a letter changed), and two words dropped near the end.
    const slipped = passage.replace(/(.{80})[a-z]/gs, '$1q').replace(/ \S+ \S+(.{300})$/s, '$1');
    const near = verifyQuote(slipped, long);
    expect(near.status).toBe('partial');
    expect(near.similarity).toBeGreaterThan(0.95);
    const [start, end] = near.span!;
    expect(start).toBeLessThanOrEqual(12_000 + 5);
    expect(end).toBeGreaterThanOrEqual(15_900 - 5);
  });

  it("reports the best scored window for a long quote whose words are far shorter than the story's", () => {
    // 2,000 one-letter words: every window of 2,000 of the story's words is three times as long,
    // so none can be a partial match, and only the budget's worth of them is scored.
    const check = verifyQuote('a '.repeat(2000), long);
    expect(check.status).toBe('unverified');
    expect(check.similarity).toBeGreaterThan(0);
    expect(check.similarity).toBeLessThan(0.4);
    expect(indexSource(long).words.length).toBeGreaterThan(2000);
  });
});
