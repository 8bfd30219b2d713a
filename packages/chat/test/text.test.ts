// Cutting text for a platform's limits: never inside a grapheme (half an emoji shows as �, a letter
// loses its accent), always within the limit in UTF-16 units (what Discord and Slack count).
import { describe, expect, it } from 'vitest';
import { clip, graphemeFloor, splitGraphemes, splitText } from '../src/index.ts';

const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const samples = [
  `a${'😀'.repeat(40)}`, // surrogate pairs at odd offsets
  '👩‍👩‍👧‍👦 '.repeat(20), // a family: one grapheme of 11 units
  '🇫🇷🇩🇪🇯🇵🇧🇷'.repeat(10), // flags: regional indicators paired from the first
  'e\u0301'.repeat(60), // é as e + combining acute
  'שָׁלוֹם עֲלֵיכֶם '.repeat(10), // Hebrew with points, right to left
  'مرحبا بالعالم '.repeat(10), // Arabic
  '👍🏽'.repeat(30), // emoji with a skin tone
];

describe('clip', () => {
  it('cuts on a grapheme boundary, within the limit, and says so', () => {
    for (const text of samples)
      for (let max = 2; max < 60; max += 1) {
        const out = clip(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(lone.test(out)).toBe(false);
        if (text.length > max) expect(out.endsWith('…')).toBe(true);
        const body = out.replace(/…$/, '');
        // What is kept is a prefix of whole graphemes of the original.
        expect(text.startsWith(body.trimEnd()) || text.startsWith(body)).toBe(true);
        const segs = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map(
          (s) => s.index,
        );
        const end = text.startsWith(body) ? body.length : body.trimEnd().length;
        expect(segs.includes(end) || end === text.length).toBe(true);
      }
  });

  it('leaves text within the limit as it is', () => {
    expect(clip('short', 10)).toBe('short');
    expect(clip('😀😀', 4)).toBe('😀😀');
  });

  it('finds grapheme boundaries in a run of flags from its start', () => {
    const flags = '🇫🇷🇩🇪🇯🇵';
    // Each flag is 4 units; 6 is inside the second flag.
    expect(graphemeFloor(flags, 6)).toBe(4);
    expect(graphemeFloor(flags, 8)).toBe(8);
  });
});

describe('splitting', () => {
  it('splitText cuts a text with no spaces at grapheme boundaries', () => {
    for (const text of samples) {
      const joined = text.replace(/\s+/g, '');
      const parts = splitText(joined, 25);
      for (const part of parts) {
        expect(part.length).toBeLessThanOrEqual(25);
        expect(lone.test(part)).toBe(false);
      }
      expect(parts.join('')).toBe(joined);
    }
  });

  it('splitGraphemes splits a label into parts that read as the whole', () => {
    const label = `Choice with emoji 🇫🇷 and a long tail ${'👍🏽'.repeat(20)} end`;
    const parts = splitGraphemes(label, 75);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(75);
      expect(lone.test(part)).toBe(false);
    }
    expect(parts.join(' ').replace(/\s+/g, '')).toBe(label.replace(/\s+/g, ''));
  });
});
