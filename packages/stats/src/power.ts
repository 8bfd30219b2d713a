/**
 * Sample sizes and power for oversight experiments.
 *
 * - A win rate above chance: judgments needed for a one-sided test of p = p0 (0.5) against
 *   p1 > p0, by the normal approximation and by the exact binomial test. Exact power is a
 *   saw-tooth in n, so the exact answer is the smallest n that reaches the power (a slightly
 *   larger n can fall below it again; `exactPower` shows the curve).
 * - A difference between two protocols: per-group n for the two-sided two-proportion z-test,
 *   the closed form of R's power.prop.test(strict = FALSE), optionally multiplied by the
 *   design effect 1 + (m − 1)·ICC for judgments clustered in groups of m (e.g. per judge).
 * - simulatePower: the generic answer for anything else (clustered designs, GLMMs, Bradley-Terry):
 *   simulate whole experiments, run the analysis, count rejections.
 */
import { sum } from 'simple-statistics';
import type { ClusterCounts } from './bootstrap.ts';
import { binomialSf, normalQuantile } from './distributions.ts';
import type { JudgmentRow } from './judgment.ts';
import { wilsonInterval } from './proportions.ts';
import { createRng, type Rng } from './rng.ts';
import type { Interval } from './types.ts';

export interface WinRateSampleSize {
  p0: number;
  p1: number;
  alpha: number;
  power: number;
  /** Normal approximation, unrounded. */
  normalApproximation: number;
  /** Normal approximation rounded up. */
  normalApproximationN: number;
  /** Smallest n at which the exact one-sided binomial test reaches the power. */
  exactN: number;
  /** Reject when at least this many of exactN judgments are won. */
  exactCriticalValue: number;
  exactAchievedPower: number;
}

/** Smallest k with P(X ≥ k | n, p0) ≤ alpha (n + 1 if none). */
export function binomialCriticalValue(n: number, p0: number, alpha: number): number {
  let k = Math.max(
    0,
    Math.min(n + 1, Math.ceil(n * p0 + normalQuantile(1 - alpha) * Math.sqrt(n * p0 * (1 - p0)))),
  );
  while (k > 0 && binomialSf(k - 1, n, p0) <= alpha) k--;
  while (k <= n && binomialSf(k, n, p0) > alpha) k++;
  return k;
}

/** Power of the one-sided exact binomial test of p0 at level alpha when the true rate is p1. */
export function exactPower(n: number, p1: number, p0 = 0.5, alpha = 0.05): number {
  const k = binomialCriticalValue(n, p0, alpha);
  return k > n ? 0 : binomialSf(k, n, p1);
}

/** Judgments needed to show a win rate p1 > p0 with a one-sided test. */
export function sampleSizeWinRate(options: {
  p1: number;
  p0?: number;
  alpha?: number;
  power?: number;
}): WinRateSampleSize {
  const p0 = options.p0 ?? 0.5;
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  const p1 = options.p1;
  if (!(p1 > p0 && p1 < 1)) throw new RangeError('need p0 < p1 < 1');
  const za = normalQuantile(1 - alpha);
  const zb = normalQuantile(power);
  const normal = ((za * Math.sqrt(p0 * (1 - p0)) + zb * Math.sqrt(p1 * (1 - p1))) / (p1 - p0)) ** 2;
  let n = Math.max(1, Math.floor(normal / 2));
  const limit = Math.ceil(normal * 10) + 1000;
  for (; n <= limit; n++) {
    const k = binomialCriticalValue(n, p0, alpha);
    if (k <= n) {
      const achieved = binomialSf(k, n, p1);
      if (achieved >= power) {
        return {
          p0,
          p1,
          alpha,
          power,
          normalApproximation: normal,
          normalApproximationN: Math.ceil(normal),
          exactN: n,
          exactCriticalValue: k,
          exactAchievedPower: achieved,
        };
      }
    }
  }
  throw new Error('exact sample size search did not converge');
}

/** Design effect for clusters of m judgments with intraclass correlation icc: 1 + (m − 1)·icc. */
export function designEffect(clusterSize: number, icc: number): number {
  return 1 + (clusterSize - 1) * icc;
}

/**
 * Intraclass correlation of a binary outcome from per-cluster counts (one-way ANOVA estimator,
 * Fleiss 1981 §13; clusters of unequal size use the adjusted mean size m0), for a design effect
 * from pilot data. Negative estimates are truncated at 0.
 */
export function estimateIcc(counts: ClusterCounts): {
  icc: number;
  meanClusterSize: number;
  clusters: number;
} {
  const s = Array.from(counts.successes);
  const n = Array.from(counts.trials);
  const k = n.length;
  const N = sum(n);
  if (k < 2 || N <= k) return { icc: 0, meanClusterSize: k > 0 ? N / k : 0, clusters: k };
  const p = sum(s) / N;
  const between = sum(s.map((si, i) => (si - n[i]! * p) ** 2 / n[i]!));
  const within = sum(s.map((si, i) => si - (si * si) / n[i]!));
  const msb = between / (k - 1);
  const msw = within / (N - k);
  const m0 = (N - sum(n.map((ni) => ni * ni)) / N) / (k - 1);
  const icc = (msb - msw) / (msb + (m0 - 1) * msw);
  return { icc: Math.max(0, Number.isFinite(icc) ? icc : 0), meanClusterSize: N / k, clusters: k };
}

export interface TwoProportionSampleSize {
  p1: number;
  p2: number;
  alpha: number;
  power: number;
  /** Per-group n for independent judgments, unrounded (= R power.prop.test n). */
  perGroup: number;
  designEffect: number;
  /** Per-group n after the design effect, rounded up. */
  perGroupN: number;
  totalN: number;
}

/** Judgments per protocol to detect p1 ≠ p2 with the two-sided two-proportion z-test. */
export function sampleSizeTwoProportions(options: {
  p1: number;
  p2: number;
  alpha?: number;
  power?: number;
  /** Judgments per cluster (e.g. per judge) and intraclass correlation, for the design effect. */
  clusterSize?: number;
  icc?: number;
}): TwoProportionSampleSize {
  const { p1, p2 } = options;
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  if (p1 === p2) throw new RangeError('p1 and p2 must differ');
  const q1 = 1 - p1;
  const q2 = 1 - p2;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const perGroup =
    ((za * Math.sqrt(((p1 + p2) * (q1 + q2)) / 2) + zb * Math.sqrt(p1 * q1 + p2 * q2)) / (p1 - p2)) ** 2;
  const deff = options.clusterSize !== undefined ? designEffect(options.clusterSize, options.icc ?? 0) : 1;
  const perGroupN = Math.ceil(perGroup * deff - 1e-9);
  return { p1, p2, alpha, power, perGroup, designEffect: deff, perGroupN, totalN: 2 * perGroupN };
}

export interface SimulatedPower {
  power: number;
  rejections: number;
  simulations: number;
  /** Wilson 95% interval for the power (Monte Carlo error). */
  interval: Interval;
  seed: number | string;
}

/**
 * Simulation-based power: run `simulateOnce` nSims times with one seeded generator, apply `test`
 * to each simulated data set, and count rejections. `test` returns either a p-value (rejects when
 * p < alpha) or a boolean (true = rejects).
 */
export function simulatePower(
  simulateOnce: (rng: Rng) => JudgmentRow[],
  test: (rows: JudgmentRow[]) => number | boolean,
  nSims: number,
  seed: number | string,
  options: { alpha?: number } = {},
): SimulatedPower {
  const alpha = options.alpha ?? 0.05;
  const rng = createRng(seed);
  let rejections = 0;
  for (let i = 0; i < nSims; i++) {
    const result = test(simulateOnce(rng));
    if (typeof result === 'boolean' ? result : result < alpha) rejections++;
  }
  return {
    power: rejections / nSims,
    rejections,
    simulations: nSims,
    interval: wilsonInterval(rejections, nSims),
    seed,
  };
}
