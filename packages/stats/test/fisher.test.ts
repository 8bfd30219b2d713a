import { describe, expect, it } from 'vitest';
import { fisherExactTest } from '../src/fisher.ts';
import { close, closeP, loadFixture } from './fixtures.ts';

interface Inputs {
  fisher: [number, number, number, number][];
}
interface Scipy {
  fisher: { p: Record<string, number>; oddsRatio: number; ci: [number, number] }[];
}
interface RFix {
  fisher: Record<string, { p: number; estimate: number }>[];
}
const inputs = loadFixture<Inputs>('inputs.json');
const scipy = loadFixture<Scipy>('scipy.json');
const r = loadFixture<RFix>('r.json');

describe('Fisher exact test', () => {
  it('p-values match R fisher.test and SciPy for all alternatives', () => {
    inputs.fisher.forEach(([a, b, c, d], i) => {
      for (const alt of ['two-sided', 'greater', 'less'] as const) {
        const res = fisherExactTest({ a, b, c, d }, alt);
        const rp = r.fisher[i]![alt === 'two-sided' ? 'two.sided' : alt]!.p;
        expect(closeP(res.pValue, rp, 1e-6), `${[a, b, c, d]} ${alt}`).toBe(true);
        expect(closeP(res.pValue, scipy.fisher[i]!.p[alt]!, 1e-6)).toBe(true);
      }
    });
  });

  it('conditional MLE odds ratio and exact interval match SciPy (R agrees to its uniroot tolerance)', () => {
    inputs.fisher.forEach(([a, b, c, d], i) => {
      const res = fisherExactTest({ a, b, c, d });
      const e = scipy.fisher[i]!;
      expect(close(res.oddsRatio, e.oddsRatio, 1e-6)).toBe(true);
      expect(close(res.oddsRatio, r.fisher[i]!['two.sided']!.estimate, 1e-3)).toBe(true);
      expect(close(res.confidenceInterval.lower, e.ci[0], 1e-6)).toBe(true);
      expect(close(res.confidenceInterval.upper, e.ci[1], 1e-6)).toBe(true);
    });
  });

  it('NYU debate vs consultancy table', () => {
    const res = fisherExactTest({ a: 130, b: 24, c: 71, d: 25 });
    expect(res.pValue).toBeGreaterThan(0.04);
    expect(res.pValue).toBeLessThan(0.07);
    expect(res.sampleOddsRatio).toBeCloseTo((130 * 25) / (24 * 71), 12);
  });
});
