/**
 * Intervals and tests for binomial proportions, matching R (binom.test, prop.test, p.adjust)
 * and SciPy (binomtest(...).proportion_ci) to ~1e-12 on the reference fixtures.
 */
import {
  binomialCdf,
  binomialLogPmfRaw,
  binomialSf,
  chiSquare1Sf,
  findRoot,
  normalCdf,
  normalQuantile,
  normalSf,
} from './distributions.ts';
import type { Alternative, Interval } from './types.ts';

function checkCounts(successes: number, trials: number): void {
  if (
    !Number.isInteger(successes) ||
    !Number.isInteger(trials) ||
    trials < 0 ||
    successes < 0 ||
    successes > trials
  ) {
    throw new RangeError(`need integer counts 0 ≤ successes ≤ trials, got ${successes} of ${trials}`);
  }
}

/**
 * Wilson score interval (two-sided). With `continuityCorrection` it is the Newcombe (1998)
 * method 4 interval, SciPy's 'wilsoncc'. For n = 0 the interval is [0, 1].
 */
export function wilsonInterval(
  successes: number,
  trials: number,
  level = 0.95,
  continuityCorrection = false,
): Interval {
  checkCounts(successes, trials);
  if (trials === 0) return { lower: 0, upper: 1, level };
  const z = normalQuantile(1 - (1 - level) / 2);
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  if (!continuityCorrection) {
    const denom = 1 + z2 / n;
    const centre = (p + z2 / (2 * n)) / denom;
    const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
    // At x = 0 (x = n) the bound is 0 (1) exactly; the formula leaves a rounding residue of ~1e-17.
    return {
      lower: successes === 0 ? 0 : Math.max(0, centre - half),
      upper: successes === n ? 1 : Math.min(1, centre + half),
      level,
    };
  }
  const q = 1 - p;
  const denom = 2 * (n + z2);
  const lower =
    successes === 0 ? 0 : (2 * n * p + z2 - 1 - z * Math.sqrt(z2 - 2 - 1 / n + 4 * p * (n * q + 1))) / denom;
  const upper =
    successes === n ? 1 : (2 * n * p + z2 + 1 + z * Math.sqrt(z2 + 2 - 1 / n + 4 * p * (n * q - 1))) / denom;
  return { lower: Math.max(0, lower), upper: Math.min(1, upper), level };
}

/**
 * Exact Clopper-Pearson interval, as R's binom.test and SciPy's proportion_ci(method='exact').
 * One-sided alternatives give [0, upper] ('less') or [lower, 1] ('greater') at `level`.
 */
export function clopperPearsonInterval(
  successes: number,
  trials: number,
  level = 0.95,
  alternative: Alternative = 'two-sided',
): Interval {
  checkCounts(successes, trials);
  if (trials === 0) return { lower: 0, upper: 1, level };
  const tail = alternative === 'two-sided' ? (1 - level) / 2 : 1 - level;
  const x = successes;
  const n = trials;
  // lower: P(X ≥ x | p) = tail; upper: P(X ≤ x | p) = tail. At the extremes these have closed
  // forms, used because bounds like 2.5e-9 (x = 1, n = 10^7) need relative, not absolute, accuracy;
  // elsewhere Brent's method runs to full relative precision (tolerance 0).
  const lowerBound = (): number => {
    if (x === n) return Math.exp(Math.log(tail) / n);
    if (x === 1) return -Math.expm1(Math.log1p(-tail) / n);
    return findRoot((p) => binomialSf(x, n, p) - tail, 0, 1, 0);
  };
  const upperBound = (): number => {
    if (x === 0) return -Math.expm1(Math.log(tail) / n);
    if (x === n - 1) return Math.exp(Math.log1p(-tail) / n);
    return findRoot((p) => binomialCdf(x, n, p) - tail, 0, 1, 0);
  };
  const lower = alternative === 'less' || x === 0 ? 0 : lowerBound();
  const upper = alternative === 'greater' || x === n ? 1 : upperBound();
  return { lower, upper, level };
}

export interface BinomialTestResult {
  successes: number;
  trials: number;
  nullProportion: number;
  alternative: Alternative;
  estimate: number;
  pValue: number;
  /** Clopper-Pearson interval matching the alternative, at `level`. */
  confidenceInterval: Interval;
}

/**
 * Exact binomial test, as R's binom.test and scipy.stats.binomtest. The two-sided p-value sums
 * the probabilities of all outcomes no more likely than the observed one (relative slack 1e-7).
 */
export function binomialTest(
  successes: number,
  trials: number,
  nullProportion = 0.5,
  alternative: Alternative = 'two-sided',
  level = 0.95,
): BinomialTestResult {
  checkCounts(successes, trials);
  if (!(nullProportion >= 0 && nullProportion <= 1)) throw new RangeError('nullProportion must be in [0, 1]');
  const x = successes;
  const n = trials;
  const p = nullProportion;
  let pValue: number;
  if (alternative === 'less') pValue = binomialCdf(x, n, p);
  else if (alternative === 'greater') pValue = binomialSf(x, n, p);
  else pValue = twoSidedBinomialP(x, n, p);
  return {
    successes,
    trials,
    nullProportion,
    alternative,
    estimate: n === 0 ? Number.NaN : x / n,
    pValue: Math.min(1, Math.max(0, pValue)),
    confidenceInterval: clopperPearsonInterval(x, n, level, alternative),
  };
}

function twoSidedBinomialP(x: number, n: number, p: number): number {
  if (n === 0) return 1;
  if (p === 0) return x === 0 ? 1 : 0;
  if (p === 1) return x === n ? 1 : 0;
  const q = 1 - p;
  const relErr = 1 + 1e-7;
  const d = Math.exp(binomialLogPmfRaw(x, n, p, q));
  const m = n * p;
  if (x === m) return 1;
  const threshold = d * relErr;
  // The pmf is unimodal with mode floor((n + 1)p): once past the mode (moving away from it) and
  // below the threshold, every further term is below it too.
  const mode = Math.floor((n + 1) * p);
  let y = 0;
  if (x < m) {
    const start = Math.ceil(m);
    let term = Math.exp(binomialLogPmfRaw(start, n, p, q));
    for (let i = start; i <= n; i++) {
      if (i > start) term *= ((n - i + 1) / i) * (p / q);
      if (term <= threshold) {
        if (i >= mode) {
          y += n - i + 1;
          break;
        }
        y++;
      }
    }
    return Math.min(1, binomialCdf(x, n, p) + binomialSf(n - y + 1, n, p));
  }
  const end = Math.floor(m);
  let term = Math.exp(binomialLogPmfRaw(end, n, p, q));
  for (let i = end; i >= 0; i--) {
    if (i < end) term *= ((i + 1) / (n - i)) * (q / p);
    if (term <= threshold) {
      if (i <= mode) {
        y += i + 1;
        break;
      }
      y++;
    }
  }
  return Math.min(1, binomialCdf(y - 1, n, p) + binomialSf(x, n, p));
}

export interface TwoProportionTestResult {
  /** Pearson chi-square statistic (R's X-squared), with Yates' correction if requested. */
  chiSquare: number;
  /** Signed square root of chiSquare: positive when the first proportion is larger. */
  z: number;
  pValue: number;
  alternative: Alternative;
  continuityCorrection: boolean;
  estimate1: number;
  estimate2: number;
  difference: number;
  /** R's prop.test interval for p1 − p2 (Wald, with Yates' correction if requested). */
  confidenceInterval: Interval;
}

/**
 * Two-sample test for equality of proportions, exactly as R's
 * prop.test(c(x1, x2), c(n1, n2), correct = continuityCorrection, alternative = ...).
 */
export function twoProportionTest(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  options: { continuityCorrection?: boolean; alternative?: Alternative; level?: number } = {},
): TwoProportionTestResult {
  checkCounts(x1, n1);
  checkCounts(x2, n2);
  const correct = options.continuityCorrection ?? false;
  const alternative = options.alternative ?? 'two-sided';
  const level = options.level ?? 0.95;
  const e1 = x1 / n1;
  const e2 = x2 / n2;
  const delta = e1 - e2;
  const invSum = 1 / n1 + 1 / n2;
  const yates = correct ? Math.min(0.5, Math.abs(delta) / invSum) : 0;
  const pooled = (x1 + x2) / (n1 + n2);
  const observed = [x1, n1 - x1, x2, n2 - x2];
  const expected = [n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)];
  let chiSquare = 0;
  for (let i = 0; i < 4; i++) {
    const dev = Math.abs(observed[i]! - expected[i]!) - yates;
    chiSquare += (dev * dev) / expected[i]!;
  }
  const z = Math.sign(delta) * Math.sqrt(chiSquare);
  let pValue: number;
  if (alternative === 'two-sided') pValue = chiSquare1Sf(chiSquare);
  else if (alternative === 'less') pValue = normalCdf(z);
  else pValue = normalSf(z);
  const zc = normalQuantile(alternative === 'two-sided' ? (1 + level) / 2 : level);
  const width = zc * Math.sqrt((e1 * (1 - e1)) / n1 + (e2 * (1 - e2)) / n2) + yates * invSum;
  const confidenceInterval: Interval = {
    lower: alternative === 'less' ? -1 : Math.max(delta - width, -1),
    upper: alternative === 'greater' ? 1 : Math.min(delta + width, 1),
    level,
  };
  return {
    chiSquare,
    z,
    pValue,
    alternative,
    continuityCorrection: correct,
    estimate1: e1,
    estimate2: e2,
    difference: delta,
    confidenceInterval,
  };
}

/**
 * Newcombe's hybrid score interval for p1 − p2 (Newcombe 1998, method 10), built from the two
 * Wilson score intervals without continuity correction.
 */
export function newcombeInterval(x1: number, n1: number, x2: number, n2: number, level = 0.95): Interval {
  const a = wilsonInterval(x1, n1, level);
  const b = wilsonInterval(x2, n2, level);
  const p1 = n1 === 0 ? 0.5 : x1 / n1;
  const p2 = n2 === 0 ? 0.5 : x2 / n2;
  const d = p1 - p2;
  const lower = d - Math.sqrt((p1 - a.lower) ** 2 + (b.upper - p2) ** 2);
  const upper = d + Math.sqrt((a.upper - p1) ** 2 + (p2 - b.lower) ** 2);
  return { lower: Math.max(-1, lower), upper: Math.min(1, upper), level };
}

/**
 * Holm's step-down adjustment (R's p.adjust(p, "holm")). NaN entries are left as NaN and do not
 * count towards the number of tests.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const indexed = pValues.map((p, i) => ({ p, i })).filter((e) => !Number.isNaN(e.p));
  indexed.sort((a, b) => a.p - b.p);
  const m = indexed.length;
  const out = pValues.map(() => Number.NaN);
  let running = 0;
  indexed.forEach((e, rank) => {
    running = Math.max(running, (m - rank) * e.p);
    out[e.i] = Math.min(1, running);
  });
  return out;
}
