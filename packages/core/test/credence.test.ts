import { describe, expect, it } from 'vitest';
import { parseCredence } from '../src/index.ts';

describe('credence as people type it', () => {
  it('takes 70 and 70% as seventy percent on A, and echoes what it will record', () => {
    for (const typed of ['70', '70%', ' 70 % ', '70.0']) {
      expect(parseCredence(typed, 2)).toEqual({
        ok: true,
        probabilities: [0.7, 0.3],
        extreme: false,
        echo: 'A 70%, B 30%',
      });
    }
  });

  it('refuses 0.7 as ambiguous instead of storing 0.7%, and takes 0.7% when meant', () => {
    const result = parseCredence('0.7', 2);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/ambiguous: for 70% type 70/);
    expect(parseCredence('0.7%', 2)).toMatchObject({
      ok: true,
      probabilities: [0.007, 0.993],
      extreme: true,
    });
  });

  it('asks for a second look at near certainty', () => {
    expect(parseCredence('100', 2)).toMatchObject({
      ok: true,
      probabilities: [1, 0],
      extreme: true,
      echo: 'A 100%, B 0%',
    });
    expect(parseCredence('0', 2)).toMatchObject({ ok: true, extreme: true });
    expect(parseCredence('94', 2)).toMatchObject({ ok: true, extreme: false });
  });

  it('takes one number per answer as percentages or as fractions adding up to 1', () => {
    expect(parseCredence('50, 30, 20', 3)).toMatchObject({ ok: true, probabilities: [0.5, 0.3, 0.2] });
    expect(parseCredence(['0.5', '0.3', '0.2'], 3)).toMatchObject({
      ok: true,
      probabilities: [0.5, 0.3, 0.2],
    });
    expect(parseCredence('50 30 30', 3)).toEqual({
      ok: false,
      error: expect.stringMatching(/add up to 110/),
    });
    expect(parseCredence('60', 3)).toEqual({ ok: false, error: expect.stringMatching(/type 3 percentages/) });
  });

  it('names what is not a number', () => {
    expect(parseCredence('lots', 2)).toEqual({
      ok: false,
      error: expect.stringMatching(/"lots" is not a number/),
    });
    expect(parseCredence('120', 2)).toEqual({ ok: false, error: expect.stringMatching(/more than 100%/) });
    expect(parseCredence('', 2).ok).toBe(false);
  });
});
