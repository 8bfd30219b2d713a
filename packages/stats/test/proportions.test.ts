import { describe, expect, it } from 'vitest';
import {
  binomialCdf,
  binomialLogCdf,
  binomialLogSf,
  binomialPmf,
  binomialSf,
  hypergeometricLogPmf,
  normalCdf,
  normalQuantile,
  normalSf,
} from '../src/distributions.ts';
import {
  binomialTest,
  clopperPearsonInterval,
  holmAdjust,
  newcombeInterval,
  twoProportionTest,
  wilsonInterval,
} from '../src/proportions.ts';
import type { Alternative } from '../src/types.ts';
import { close, closeP, loadFixture } from './fixtures.ts';

interface Inputs {
  proportions: [number, number][];
  nulls: number[];
  twoProportions: [number, number, number, number][];
  holm: number[][];
}
interface Scipy {
  proportions: Array<
    Record<string, unknown> & { x: number; n: number; p: Record<string, Record<string, number>> }
  >;
  newcombe: [number, number][];
  normal: { x: number; cdf: number; sf: number }[];
  normalQuantile: { p: number; q: number }[];
  binomial: { k: number; n: number; p: number; pmf: number; cdf: number; sf: number }[];
  hypergeometric: { x: number; M: number; n: number; N: number; logpmf: number }[];
}
interface RFix {
  binomTest: Array<Record<string, { p: number; ci: [number, number] }>>;
  propTest: Array<Record<string, { statistic: number; p: number; ci: [number, number]; z: number }>>;
  holm: number[][];
}

const inputs = loadFixture<Inputs>('inputs.json');
const scipy = loadFixture<Scipy>('scipy.json');
const r = loadFixture<RFix>('r.json');
const TOL = 1e-6;
const rAlt = (a: Alternative): string => (a === 'two-sided' ? 'two.sided' : a);

describe('distribution functions agree with SciPy', () => {
  it('normal cdf, survival and quantile (relative precision in the tails)', () => {
    for (const c of scipy.normal) {
      expect(closeP(normalCdf(c.x), c.cdf, 1e-12)).toBe(true);
      expect(closeP(normalSf(c.x), c.sf, 1e-12)).toBe(true);
    }
    for (const c of scipy.normalQuantile) expect(close(normalQuantile(c.p), c.q, 1e-12)).toBe(true);
  });
  it('binomial pmf, cdf and survival up to n = 10^6', () => {
    for (const c of scipy.binomial) {
      expect(closeP(binomialPmf(c.k, c.n, c.p), c.pmf, 1e-10)).toBe(true);
      expect(closeP(binomialCdf(c.k, c.n, c.p), c.cdf, 1e-10)).toBe(true);
      expect(closeP(binomialSf(c.k, c.n, c.p), c.sf, 1e-10)).toBe(true);
    }
  });
  it('hypergeometric log density', () => {
    for (const c of scipy.hypergeometric) {
      expect(close(hypergeometricLogPmf(c.x, c.n, c.M - c.n, c.N), c.logpmf, 1e-10)).toBe(true);
    }
  });
});

describe('one-sample proportions', () => {
  it('Wilson, Wilson with continuity correction and Clopper-Pearson match SciPy to 1e-6', () => {
    for (const c of scipy.proportions) {
      for (const level of [0.95, 0.9]) {
        const w = wilsonInterval(c.x, c.n, level);
        const wcc = wilsonInterval(c.x, c.n, level, true);
        const cp = clopperPearsonInterval(c.x, c.n, level);
        const [wl, wu] = c[`wilson_${level}`] as [number, number];
        const [cl, cu] = c[`wilsoncc_${level}`] as [number, number];
        const [el, eu] = c[`exact_${level}`] as [number, number];
        expect(w.lower).toBeCloseTo(wl, 9);
        expect(w.upper).toBeCloseTo(wu, 9);
        expect(wcc.lower).toBeCloseTo(cl, 9);
        expect(wcc.upper).toBeCloseTo(cu, 9);
        expect(Math.abs(cp.lower - el)).toBeLessThan(TOL);
        expect(Math.abs(cp.upper - eu)).toBeLessThan(TOL);
      }
    }
  });

  it('exact binomial test matches R binom.test (p-values and intervals) and SciPy', () => {
    inputs.proportions.forEach(([x, n], i) => {
      for (const p0 of inputs.nulls) {
        for (const alt of ['two-sided', 'greater', 'less'] as const) {
          const res = binomialTest(x, n, p0, alt);
          const expected = r.binomTest[i]![`${p0}_${rAlt(alt)}`]!;
          expect(closeP(res.pValue, expected.p, TOL), `${x}/${n} p0=${p0} ${alt}`).toBe(true);
          expect(closeP(res.pValue, scipy.proportions[i]!.p[String(p0)]![alt]!, TOL)).toBe(true);
          expect(Math.abs(res.confidenceInterval.lower - expected.ci[0])).toBeLessThan(TOL);
          expect(Math.abs(res.confidenceInterval.upper - expected.ci[1])).toBeLessThan(TOL);
        }
      }
    });
  });

  it('NYU debate: 130 of 154 is far above chance', () => {
    const res = binomialTest(130, 154, 0.5, 'greater');
    expect(res.pValue).toBeLessThan(1e-18);
    expect(res.estimate).toBeCloseTo(0.844156, 6);
  });
});

describe('two proportions', () => {
  it('matches R prop.test with and without continuity correction, all alternatives', () => {
    inputs.twoProportions.forEach(([x1, n1, x2, n2], i) => {
      for (const cc of [false, true]) {
        for (const alt of ['two-sided', 'greater', 'less'] as const) {
          const res = twoProportionTest(x1, n1, x2, n2, { continuityCorrection: cc, alternative: alt });
          const e = r.propTest[i]![`${cc ? 'cc' : 'nocc'}_${rAlt(alt)}`]!;
          const label = `${x1}/${n1} vs ${x2}/${n2} cc=${cc} ${alt}`;
          expect(close(res.chiSquare, e.statistic, TOL), label).toBe(true);
          expect(closeP(res.pValue, e.p, TOL), label).toBe(true);
          expect(close(res.z, e.z, TOL), label).toBe(true);
          expect(Math.abs(res.confidenceInterval.lower - e.ci[0]), label).toBeLessThan(TOL);
          expect(Math.abs(res.confidenceInterval.upper - e.ci[1]), label).toBeLessThan(TOL);
        }
      }
    });
  });

  it('reproduces the NYU analysis: X-squared ≈ 4.10, z ≈ 2.03, p ≈ 0.043', () => {
    const res = twoProportionTest(130, 154, 71, 96);
    expect(res.chiSquare).toBeCloseTo(4.1037, 4);
    expect(res.z).toBeCloseTo(2.0258, 4);
    expect(res.pValue).toBeCloseTo(0.04279, 5);
  });

  it('Newcombe hybrid score interval matches the SciPy-built reference', () => {
    inputs.twoProportions.forEach(([x1, n1, x2, n2], i) => {
      const ci = newcombeInterval(x1, n1, x2, n2);
      expect(Math.abs(ci.lower - scipy.newcombe[i]![0])).toBeLessThan(TOL);
      expect(Math.abs(ci.upper - scipy.newcombe[i]![1])).toBeLessThan(TOL);
    });
  });

  it('Holm adjustment matches R p.adjust', () => {
    inputs.holm.forEach((p, i) => {
      const adj = holmAdjust(p);
      adj.forEach((v, j) => {
        expect(v).toBeCloseTo(r.holm[i]![j]!, 12);
      });
    });
    expect(holmAdjust([0.01, Number.NaN, 0.04])).toEqual([0.02, Number.NaN, 0.04]);
  });
});

describe('accuracy at the extremes', () => {
  const r11 = loadFixture<{
    binomialTails: {
      k: number;
      n: number;
      p: number;
      logCdf: number;
      logSf: number;
      cdf: number;
      sf: number;
    }[];
    clopperPearsonExtremes: { x: number; n: number; ci: [number, number] }[];
  }>('r.json');
  it('binomial tails far below 1e-300 keep their precision on the log scale (R pbinom log.p)', () => {
    for (const t of r11.binomialTails) {
      expect(Math.abs(binomialLogCdf(t.k, t.n, t.p) - t.logCdf)).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(t.logCdf)),
      );
      expect(Math.abs(binomialLogSf(t.k, t.n, t.p) - t.logSf)).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(t.logSf)),
      );
      // plain values: as exact as a double can hold them (denormals have fewer bits)
      if (t.cdf > 1e-300) expect(binomialCdf(t.k, t.n, t.p) / t.cdf).toBeCloseTo(1, 12);
    }
    // a tail in the denormal range still matches R to the digits R prints
    const deep = r11.binomialTails.find((t) => t.cdf > 0 && t.cdf < 1e-307)!;
    expect(binomialCdf(deep.k, deep.n, deep.p) / deep.cdf).toBeCloseTo(1, 5);
  });
  it('Clopper-Pearson keeps full relative accuracy at x = 1 for n up to 10^8 (R binom.test)', () => {
    for (const e of r11.clopperPearsonExtremes) {
      const ci = clopperPearsonInterval(e.x, e.n);
      expect(e.ci[0] === 0 ? ci.lower : Math.abs(ci.lower / e.ci[0] - 1)).toBeLessThan(1e-9);
      expect(Math.abs(ci.upper / e.ci[1] - 1)).toBeLessThan(1e-9);
    }
  });
  it('Wilson bounds are exactly 0 at x = 0 and exactly 1 at x = n', () => {
    for (const n of [1, 7, 154, 1e6]) {
      expect(wilsonInterval(0, n).lower).toBe(0);
      expect(wilsonInterval(n, n).upper).toBe(1);
    }
  });
});
