import { describe, expect, it } from 'vitest';
import {
  aggregateByCluster,
  clusterBootstrapDifference,
  clusterBootstrapRate,
  pairClusterCounts,
  quantileSorted,
} from '../src/bootstrap.ts';
import { clusterRobustDifference, clusterRobustRate } from '../src/cluster-robust.ts';
import { fitArmGlmm, fitRandomInterceptLogit, gaussHermite, glmmContrast } from '../src/glmm.ts';
import { createRng } from '../src/rng.ts';
import { close, loadFixture } from './fixtures.ts';

interface GlmmData {
  arms: string[];
  rows: { judge: string; arm: string; successes: number; trials: number }[];
}
interface RGlmm {
  names: string[];
  estimate: number[];
  se: number[];
  z: number[];
  p: number[];
  sd: number;
}
const inputs = loadFixture<{ glmm: Record<string, GlmmData> }>('inputs.json');
const r = loadFixture<{ glmm: Record<string, Record<string, RGlmm>> }>('r.json');
const scipy = loadFixture<{
  clusterRobust: Record<
    string,
    { arm1: string; arm2: string; difference: number; se: number; clusters: number }
  >;
}>('scipy.json');

describe('seeded PRNG', () => {
  it('is deterministic per seed and roughly uniform', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    const rng = createRng('seed');
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100000; i++) counts[rng.int(10)]!++;
    for (const k of counts) expect(Math.abs(k - 10000)).toBeLessThan(500);
    let m = 0;
    let v = 0;
    for (let i = 0; i < 20000; i++) {
      const z = rng.normal();
      m += z;
      v += z * z;
    }
    expect(Math.abs(m / 20000)).toBeLessThan(0.03);
    expect(Math.abs(v / 20000 - 1)).toBeLessThan(0.05);
  });
});

describe('cluster bootstrap', () => {
  it('type-7 quantiles like NumPy', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantileSorted([5], 0.9)).toBe(5);
  });

  it('is reproducible for a seed and wider than the binomial interval when clusters differ', () => {
    const rng = createRng(9);
    const judges: string[] = [];
    const wins: boolean[] = [];
    for (let j = 0; j < 40; j++) {
      const skill = j % 2 === 0 ? 0.9 : 0.5; // strongly clustered outcomes
      for (let k = 0; k < 25; k++) {
        judges.push(`j${j}`);
        wins.push(rng.next() < skill);
      }
    }
    const counts = aggregateByCluster(judges, wins);
    expect(counts.clusters).toHaveLength(40);
    const a = clusterBootstrapRate(counts, { seed: 5, resamples: 2000 });
    const b = clusterBootstrapRate(counts, { seed: 5, resamples: 2000 });
    expect(a).toEqual(b);
    const p = a.estimate;
    const naiveSe = Math.sqrt((p * (1 - p)) / 1000);
    expect(a.standardError).toBeGreaterThan(1.5 * naiveSe);
    expect(a.interval.lower).toBeLessThan(p);
    expect(a.interval.upper).toBeGreaterThan(p);
    // the cluster-robust SE estimates the same quantity
    const robust = clusterRobustRate(counts);
    expect(Math.abs(robust.standardError - a.standardError) / a.standardError).toBeLessThan(0.15);
  });

  it('difference bootstrap keeps shared clusters paired', () => {
    const j = ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd'];
    const one = aggregateByCluster(j, [1, 1, 1, 0, 0, 0, 1, 1]);
    const two = aggregateByCluster(['a', 'b', 'c', 'e'], [1, 0, 0, 1]);
    const paired = pairClusterCounts(one, two);
    expect(paired.clusters).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(Array.from(paired.trials2)).toEqual([1, 1, 1, 0, 1]);
    const res = clusterBootstrapDifference(paired, { seed: 1, resamples: 500 });
    expect(res.estimate).toBeCloseTo(5 / 8 - 2 / 4, 12);
    expect(res.interval.lower).toBeLessThan(res.interval.upper);
  });
});

describe('cluster-robust standard errors', () => {
  it('match the NumPy CR1 computation', () => {
    for (const [name, e] of Object.entries(scipy.clusterRobust)) {
      const ds = inputs.glmm[name]!;
      const rows = ds.rows.flatMap((row) =>
        Array.from({ length: row.trials }, (_, k) => ({
          judge: row.judge,
          arm: row.arm,
          win: k < row.successes,
        })),
      );
      const pick = (arm: string) => {
        const sel = rows.filter((x) => x.arm === arm);
        return aggregateByCluster(
          sel.map((x) => x.judge),
          sel.map((x) => x.win),
        );
      };
      const res = clusterRobustDifference(pairClusterCounts(pick(e.arm1), pick(e.arm2)));
      expect(res.estimate).toBeCloseTo(e.difference, 12);
      expect(res.standardError).toBeCloseTo(e.se, 12);
      expect(res.clusters).toBe(e.clusters);
    }
  });
});

describe('random-intercept logistic GLMM', () => {
  it('Gauss-Hermite rule integrates polynomials exactly', () => {
    const { nodes, weights } = gaussHermite(25);
    const m0 = weights.reduce((a, b) => a + b, 0);
    const m2 = weights.reduce((a, w, i) => a + w * nodes[i]! ** 2, 0);
    expect(m0).toBeCloseTo(Math.sqrt(Math.PI), 12);
    expect(m2).toBeCloseTo(Math.sqrt(Math.PI) / 2, 12);
  });

  for (const name of Object.keys(inputs.glmm)) {
    it(`matches lme4 glmer(nAGQ = 25) on "${name}" (cell means and treatment contrasts)`, () => {
      const ds = inputs.glmm[name]!;
      const cells = ds.rows.map((x) => ({
        cluster: x.judge,
        arm: x.arm,
        successes: x.successes,
        trials: x.trials,
      }));
      const fit = fitArmGlmm(cells, ds.arms);
      const e = r.glmm[name]!.cellMeansAGQ25!;
      expect(fit.converged).toBe(true);
      fit.coefficients.forEach((c, i) => {
        expect(close(c.estimate, e.estimate[i]!, 1e-4), `${name} β${i}`).toBe(true);
        expect(close(c.standardError, e.se[i]!, 1e-4), `${name} se${i}`).toBe(true);
        expect(Math.abs(c.pValue - e.p[i]!)).toBeLessThan(1e-6 + 1e-3 * e.p[i]!);
      });
      expect(Math.abs(fit.randomInterceptSd - e.sd)).toBeLessThan(1e-3 * Math.max(1, e.sd));

      // treatment coding: intercept = first arm, then differences — and contrasts from the cell-means fit
      const t = r.glmm[name]!.treatmentAGQ25!;
      const clusters = new Map<string, number>();
      const tcells = ds.rows.map((x) => {
        if (!clusters.has(x.judge)) clusters.set(x.judge, clusters.size);
        const xs = ds.arms.map((a, i) => (i === 0 ? 1 : a === x.arm ? 1 : 0));
        return { cluster: clusters.get(x.judge)!, x: xs, successes: x.successes, trials: x.trials };
      });
      const tf = fitRandomInterceptLogit(tcells, clusters.size, t.names);
      tf.coefficients.forEach((c, i) => {
        expect(close(c.estimate, t.estimate[i]!, 1e-4)).toBe(true);
        expect(close(c.standardError, t.se[i]!, 1e-4)).toBe(true);
      });
      for (let i = 1; i < ds.arms.length; i++) {
        const contrast = glmmContrast(fit, i, 0);
        expect(close(contrast.estimate, t.estimate[i]!, 1e-4)).toBe(true);
        expect(close(contrast.standardError, t.se[i]!, 1e-3)).toBe(true);
        expect(Math.abs(contrast.pValue - t.p[i]!)).toBeLessThan(1e-4);
      }
    });
  }

  it('reports a singular fit (σ = 0) like lme4 on the NYU human data', () => {
    const ds = inputs.glmm['nyu-human']!;
    const fit = fitArmGlmm(
      ds.rows.map((x) => ({ cluster: x.judge, arm: x.arm, successes: x.successes, trials: x.trials })),
      ds.arms,
    );
    expect(fit.singular).toBe(true);
    expect(fit.randomInterceptSd).toBe(0);
  });
});

describe('fillInts', () => {
  it('gives the same stream as repeated int(n)', () => {
    const a = createRng(77);
    const b = createRng(77);
    const buf = new Int32Array(1000);
    a.fillInts(buf, 5000);
    for (let i = 0; i < 1000; i++) expect(buf[i]).toBe(b.int(5000));
    expect(a.next()).toBe(b.next());
  });
});
