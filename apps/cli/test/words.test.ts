import { describe, expect, it } from 'vitest';
import { timeLeft } from '../src/progress.ts';
import { count } from '../src/words.ts';

describe('words the command prints', () => {
  it('counts take their noun in the right number', () => {
    expect(count(1, 'arm')).toBe('1 arm');
    expect(count(2, 'arm')).toBe('2 arms');
    expect(count(0, 'judgment')).toBe('0 judgments');
    expect(count(1, 'trial was', 'trials were')).toBe('1 trial was');
  });

  it('the time left is not promised before anything is done, then comes from the pace so far', () => {
    expect(timeLeft(0, 0, 400)).toBe('time left: not known yet');
    expect(timeLeft(5_000, 0, 400)).toBe('time left: not known yet');
    expect(timeLeft(10_000, 100, 300)).toBe('about 30s left');
    expect(timeLeft(60_000, 10, 390)).toBe('about 39m 0s left');
    expect(timeLeft(1_000, 400, 0)).toBe('done');
  });
});
