// The speech preview a chat app shows before an arguer sends: lengths are checked before any quote,
// so a speech that cannot be sent as it stands costs no quote matching at all.
import { describe, expect, it } from 'vitest';
import { previewSpeech } from '../src/index.ts';

const story = Array.from(
  { length: 400 },
  (_, i) => `Line ${i}: the keeper of lighthouse ${i % 7} lit the lamp at dusk and watched the ships pass.`,
).join(' ');
const invented = (chars: number) =>
  Array.from({ length: chars }, (_, i) => 'marble harbour quietly orbits seventeen lanterns '[i % 49]).join(
    '',
  );

describe('speech preview', () => {
  it('checks no quote of a speech over its quote budget, and says why', () => {
    // The reported case: one 3,200-character invented quote, with the default budget of 500.
    const quote = invented(3201);
    expect(quote.trim().length).toBe(3201);
    const preview = previewSpeech(`My case: <quote>${quote}</quote>`, story, {
      charLimit: 1500,
      quoteLimit: 500,
    });
    expect(preview.problems).toEqual([
      'it has 3210 characters; the limit is 1500',
      'it quotes 3201 characters; the quote budget is 500',
    ]);
    expect(preview.quotes).toEqual([]);
    expect(preview.summary).toBe('1 quote not checked yet: shorten the speech first');
    expect(preview.counts).toBe('3210 of 1500 characters, 3201 of 500 quoted');
  });

  it('checks the quotes once the speech fits, however long they may be', () => {
    const passage = story.slice(2_000, 5_000);
    const text = `<quote>${passage}</quote> and <quote>${invented(900)}</quote>`;
    const preview = previewSpeech(text, story, { charLimit: 4000, quoteLimit: null });
    expect(preview.problems).toEqual([]);
    expect(preview.quotes.map((q) => q.status)).toEqual(['verified', 'unverified']);
    expect(preview.summary).toBe('1 verified, 1 not found');
  });

  it('says "no quotes" for a speech without any, within its limits or not', () => {
    expect(previewSpeech('plain words', story, { charLimit: 100, quoteLimit: 50 }).summary).toBe('no quotes');
    expect(previewSpeech('x'.repeat(200), story, { charLimit: 100, quoteLimit: 50 }).summary).toBe(
      'no quotes',
    );
  });
});
