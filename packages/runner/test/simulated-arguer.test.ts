import { createRng } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { bestSentences } from '../src/index.ts';

describe('the simulated arguer picks the sentences to quote', () => {
  it('takes the m sentences sharing the most words, best first, and breaks ties by its seed', () => {
    const rng = createRng('best-sentences');
    const tieBreaks = new Set<string>();
    for (let run = 0; run < 500; run++) {
      const n = 1 + rng.int(400);
      // Few distinct counts, as in a story: most sentences share nothing with the answer, many tie.
      const counts = Uint16Array.from({ length: n }, () => (rng.next() < 0.6 ? 0 : rng.int(6)));
      const m = rng.int(n + 1);
      const key = rng.int(2 ** 32);
      const top = bestSentences(counts, key, m);

      expect(top).toHaveLength(m);
      expect(new Set(top).size).toBe(m);
      // Exactly the m largest counts (a full sort's first m, whichever of the tied ones were drawn) ...
      const largest = [...counts].sort((a, b) => b - a).slice(0, m);
      expect(top.map((i) => counts[i])).toEqual(largest);
      // ... the first m of the whole ranking (passing sentences over loses none that could enter), and
      // the same on every call with the same key.
      expect(top).toEqual(bestSentences(counts, key, n).slice(0, m));
      expect(bestSentences(counts, key, m)).toEqual(top);
      if (m > 0 && m < n)
        tieBreaks.add(`${n}/${m}/${bestSentences(counts, key ^ 1, m).join(',') === top.join(',')}`);
    }
    // Another key breaks ties differently for some arrays: the noise is not position alone.
    expect([...tieBreaks].some((t) => t.endsWith('false'))).toBe(true);
  });

  it('ranks every sentence when asked for all of them', () => {
    const counts = Uint16Array.from([0, 3, 1, 3, 0, 2]);
    const all = bestSentences(counts, 7, counts.length);
    expect([...all].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(all.map((i) => counts[i])).toEqual([3, 3, 2, 1, 0, 0]);
    expect(bestSentences(counts, 7, 0)).toEqual([]);
  });
});
