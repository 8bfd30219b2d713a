/**
 * Fisher's exact test for a 2×2 table, following R's fisher.test: the p-value conditions on the
 * margins (hypergeometric), the two-sided p sums all tables no more likely than the observed one
 * (relative slack 1e-7), and the odds-ratio estimate is the conditional maximum-likelihood one
 * with the conditional (exact) confidence interval.
 */
import { findRoot, hypergeometricLogPmf } from './distributions.ts';
import type { Alternative, Interval } from './types.ts';

/** Table layout: [[a, b], [c, d]] = rows are groups, columns are success / failure. */
export interface TwoByTwo {
  a: number;
  b: number;
  c: number;
  d: number;
}

export interface FisherTestResult {
  pValue: number;
  alternative: Alternative;
  /** Conditional maximum-likelihood estimate of the odds ratio (as R reports). */
  oddsRatio: number;
  /** Sample odds ratio a·d / (b·c). */
  sampleOddsRatio: number;
  confidenceInterval: Interval;
}

interface Support {
  /** The full support of the first cell. */
  lo: number;
  hi: number;
  x: number;
  /** Densities are kept for wlo..whi only: beyond ±40 SD of the mode and of x they underflow. */
  wlo: number;
  whi: number;
  logDensity: Float64Array;
}

function support(t: TwoByTwo): Support {
  const m = t.a + t.c; // first column total
  const n = t.b + t.d; // second column total
  const k = t.a + t.b; // first row total
  const lo = Math.max(0, k - n);
  const hi = Math.min(k, m);
  const total = m + n;
  const mode = Math.floor(((k + 1) * (m + 1)) / (total + 2));
  const sd = total > 1 ? Math.sqrt((k * (m / total) * (n / total) * (total - k)) / (total - 1)) : 0;
  const w = Math.ceil(40 * sd) + 10;
  const wlo = Math.max(lo, Math.min(t.a, mode) - w);
  const whi = Math.min(hi, Math.max(t.a, mode) + w);
  const logDensity = new Float64Array(whi - wlo + 1);
  for (let i = wlo; i <= whi; i++) logDensity[i - wlo] = hypergeometricLogPmf(i, m, n, k);
  return { lo, hi, x: t.a, wlo, whi, logDensity };
}

/** Noncentral hypergeometric density over the support, normalised. */
function densities(s: Support, ncp: number): Float64Array {
  const out = new Float64Array(s.logDensity.length);
  const logNcp = Math.log(ncp);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < out.length; i++) {
    const v = s.logDensity[i]! + logNcp * (s.wlo + i);
    out[i] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i < out.length; i++) {
    const v = Math.exp(out[i]! - max);
    out[i] = v;
    sum += v;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum;
  return out;
}

function meanNcp(s: Support, ncp: number): number {
  if (ncp === 0) return s.lo;
  if (ncp === Number.POSITIVE_INFINITY) return s.hi;
  const d = densities(s, ncp);
  let mean = 0;
  for (let i = 0; i < d.length; i++) mean += (s.wlo + i) * d[i]!;
  return mean;
}

function cdfNcp(s: Support, q: number, ncp: number, upper: boolean): number {
  if (ncp === 1) {
    const d = densities(s, 1);
    return tailSum(s, d, q, upper);
  }
  if (ncp === 0) return upper ? Number(q <= s.lo) : Number(q >= s.lo);
  if (ncp === Number.POSITIVE_INFINITY) return upper ? Number(q <= s.hi) : Number(q >= s.hi);
  return tailSum(s, densities(s, ncp), q, upper);
}

function tailSum(s: Support, d: Float64Array, q: number, upper: boolean): number {
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    const v = s.wlo + i;
    if (upper ? v >= q : v <= q) sum += d[i]!;
  }
  return sum;
}

/** Fisher's exact test; `alternative` refers to the odds ratio versus 1. */
export function fisherExactTest(
  table: TwoByTwo,
  alternative: Alternative = 'two-sided',
  level = 0.95,
): FisherTestResult {
  for (const v of [table.a, table.b, table.c, table.d]) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError('Fisher test needs non-negative integer counts');
  }
  const s = support(table);
  const x = s.x;
  let pValue: number;
  if (alternative === 'less') pValue = cdfNcp(s, x, 1, false);
  else if (alternative === 'greater') pValue = cdfNcp(s, x, 1, true);
  else {
    const d = densities(s, 1);
    const threshold = d[x - s.wlo]! * (1 + 1e-7);
    pValue = 0;
    for (let i = 0; i < d.length; i++) if (d[i]! <= threshold) pValue += d[i]!;
  }
  pValue = Math.min(1, pValue);

  const oddsRatio = conditionalMle(s);
  const ncpUpper = (alpha: number): number => {
    if (x === s.hi) return Number.POSITIVE_INFINITY;
    const p = cdfNcp(s, x, 1, false);
    if (p < alpha) return findRoot((t) => cdfNcp(s, x, t, false) - alpha, 0, 1, 1e-14);
    if (p > alpha) return 1 / findRoot((t) => cdfNcp(s, x, 1 / t, false) - alpha, Number.EPSILON, 1, 1e-14);
    return 1;
  };
  const ncpLower = (alpha: number): number => {
    if (x === s.lo) return 0;
    const p = cdfNcp(s, x, 1, true);
    if (p > alpha) return findRoot((t) => cdfNcp(s, x, t, true) - alpha, 0, 1, 1e-14);
    if (p < alpha) return 1 / findRoot((t) => cdfNcp(s, x, 1 / t, true) - alpha, Number.EPSILON, 1, 1e-14);
    return 1;
  };
  let confidenceInterval: Interval;
  if (alternative === 'less') confidenceInterval = { lower: 0, upper: ncpUpper(1 - level), level };
  else if (alternative === 'greater')
    confidenceInterval = { lower: ncpLower(1 - level), upper: Number.POSITIVE_INFINITY, level };
  else {
    const alpha = (1 - level) / 2;
    confidenceInterval = { lower: ncpLower(alpha), upper: ncpUpper(alpha), level };
  }
  return {
    pValue,
    alternative,
    oddsRatio,
    sampleOddsRatio: (table.a * table.d) / (table.b * table.c),
    confidenceInterval,
  };
}

function conditionalMle(s: Support): number {
  const x = s.x;
  if (x === s.lo) return 0;
  if (x === s.hi) return Number.POSITIVE_INFINITY;
  const mu = meanNcp(s, 1);
  if (mu > x) return findRoot((t) => meanNcp(s, t) - x, 0, 1, 1e-14);
  if (mu < x) return 1 / findRoot((t) => meanNcp(s, 1 / t) - x, Number.EPSILON, 1, 1e-14);
  return 1;
}
