import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalise, normaliseText, verifyQuote, verifyQuotes } from '../src/index.ts';
import { story } from './fixtures.ts';

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
