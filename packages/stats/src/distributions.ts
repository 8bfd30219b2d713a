/**
 * Distribution functions, hand-written for accuracy in the tails and at large n.
 *
 * Why not a library: jStat's normal CDF is 0.5·(1 + erf(x)) and loses all relative precision
 * below ~1e-16, its incomplete-beta continued fraction stops after 100 iterations (wrong for the
 * n ≈ 10^5–10^6 of a large experiment) and its inverse beta stops at 1e-8; simple-statistics'
 * normal CDF is a lookup table. The routines here follow the algorithms R itself uses:
 * - erfc: the Chebyshev expansion of Numerical Recipes 3rd ed. §6.2 (full double precision),
 * - normal quantile: a rational starting value refined by Halley steps on that erfc,
 * - binomial density: Catherine Loader's saddle-point algorithm ("Fast and accurate computation
 *   of binomial probabilities", 2000), as in R's dbinom, accurate to ~1e-15 relative for any n,
 * - hypergeometric density: the same building blocks, as in R's dhyper.
 */

const ERFC_COF = [
  -1.3026537197817094, 0.6419697923564902, 1.9476473204185836e-2, -9.561514786808631e-3, -9.46595344482036e-4,
  3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6, 1.30365583558e-6,
  1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10, -2.27365122e-10,
  9.6467911e-11, 2.394038e-12, -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15,
  -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
];

function erfcNonNegative(z: number): number {
  const t = 2 / (2 + z);
  const ty = 4 * t - 2;
  let d = 0;
  let dd = 0;
  for (let j = ERFC_COF.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + ERFC_COF[j]!;
    dd = tmp;
  }
  return t * Math.exp(-z * z + 0.5 * (ERFC_COF[0]! + ty * d) - dd);
}

/** Complementary error function, relative precision ~1e-15 for all x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x >= 0 ? erfcNonNegative(x) : 2 - erfcNonNegative(-x);
}

const SQRT1_2 = Math.SQRT1_2;
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x - LN_SQRT_2PI);
}

/** Standard normal CDF P(Z ≤ x), accurate in both tails. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * SQRT1_2);
}

/** Standard normal survival P(Z > x), accurate in both tails. */
export function normalSf(x: number): number {
  return 0.5 * erfc(x * SQRT1_2);
}

/** Standard normal quantile: the x with P(Z ≤ x) = p. */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p > 0.5) return -lowerQuantile(1 - p);
  return lowerQuantile(p);
}

/** Quantile for p ≤ 0.5, solving Φ(x) = p with Halley steps (cubic convergence). */
function lowerQuantile(p: number): number {
  if (p === 0.5) return 0;
  // Abramowitz & Stegun 26.2.23 starting value (|error| < 4.5e-4).
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(
    t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
  );
  for (let i = 0; i < 20; i++) {
    const err = normalCdf(x) - p;
    const pdf = normalPdf(x);
    if (pdf === 0) break;
    const step = err / (pdf + (x * err) / 2);
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

/** Upper tail of the chi-square distribution with 1 degree of freedom. */
export function chiSquare1Sf(x: number): number {
  if (x <= 0) return 1;
  return erfc(Math.sqrt(x / 2));
}

// ---------------------------------------------------------------------------------------------
// Binomial and hypergeometric densities (Loader's algorithm, as in R's nmath).

const LN_2PI = Math.log(2 * Math.PI);
const LOG_FACTORIALS: number[] = (() => {
  const out = [0];
  let f = 1;
  for (let k = 1; k <= 15; k++) {
    f *= k;
    out.push(Math.log(f));
  }
  return out;
})();

/** log(n!) − log(√(2π) n^(n+½) e^(−n)), the error of Stirling's formula, for integer n ≥ 0. */
export function stirlingError(n: number): number {
  if (n <= 15) {
    if (n === 0) return 0;
    return LOG_FACTORIALS[n]! - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI;
  }
  const nn = n * n;
  const S0 = 1 / 12;
  const S1 = 1 / 360;
  const S2 = 1 / 1260;
  const S3 = 1 / 1680;
  const S4 = 1 / 1188;
  if (n > 500) return (S0 - S1 / nn) / n;
  if (n > 80) return (S0 - (S1 - S2 / nn) / nn) / n;
  if (n > 35) return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
  return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
}

/** Deviance term x·log(x/np) + np − x, computed without cancellation (Loader's bd0). */
export function bd0(x: number, np: number): number {
  if (Math.abs(x - np) < 0.1 * (x + np)) {
    let v = (x - np) / (x + np);
    let s = (x - np) * v;
    if (Math.abs(s) < Number.MIN_VALUE) return s;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / np) + np - x;
}

/** log P(X = x) for X ~ Binomial(n, p), q = 1 − p supplied for precision. */
export function binomialLogPmfRaw(x: number, n: number, p: number, q: number): number {
  if (p === 0) return x === 0 ? 0 : Number.NEGATIVE_INFINITY;
  if (q === 0) return x === n ? 0 : Number.NEGATIVE_INFINITY;
  if (x === 0) {
    if (n === 0) return 0;
    return p < 0.1 ? -bd0(n, n * q) - n * p : n * Math.log(q);
  }
  if (x === n) return q < 0.1 ? -bd0(n, n * p) - n * q : n * Math.log(p);
  if (x < 0 || x > n) return Number.NEGATIVE_INFINITY;
  const lc = stirlingError(n) - stirlingError(x) - stirlingError(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
  const lf = LN_2PI + Math.log(x) + Math.log1p(-x / n);
  return lc - 0.5 * lf;
}

/** P(X = x) for X ~ Binomial(n, p). */
export function binomialPmf(x: number, n: number, p: number): number {
  if (!Number.isInteger(x) || x < 0 || x > n) return 0;
  return Math.exp(binomialLogPmfRaw(x, n, p, 1 - p));
}

/**
 * log of Σ P(X = i) from i = start moving by `dir` (±1) while the terms stay relevant. The terms are
 * summed relative to the first one and the log density added at the end, so tails far below the
 * smallest normal double (1e-308) keep full relative precision in log form, and tails down to
 * ~1e-308 in plain form (summing denormal terms would keep only a few significant bits).
 */
function logSumTail(start: number, n: number, p: number, dir: 1 | -1): number {
  const q = 1 - p;
  const logFirst = binomialLogPmfRaw(start, n, p, q);
  if (logFirst === Number.NEGATIVE_INFINITY) return logFirst;
  let term = 1;
  let sum = 1;
  let i = start;
  const ratioUp = p / q;
  const ratioDown = q / p;
  for (;;) {
    if (dir === 1) {
      if (i >= n) break;
      term *= ((n - i) / (i + 1)) * ratioUp;
      i++;
    } else {
      if (i <= 0) break;
      term *= (i / (n - i + 1)) * ratioDown;
      i--;
    }
    sum += term;
    if (term <= sum * 1e-17 || term === 0) break;
  }
  return logFirst + Math.log(sum);
}

/** log P(X ≤ k) for X ~ Binomial(n, p), accurate far into the lower tail. */
export function binomialLogCdf(k: number, n: number, p: number): number {
  k = Math.floor(k);
  if (k < 0) return Number.NEGATIVE_INFINITY;
  if (k >= n || p <= 0) return 0;
  if (p >= 1) return Number.NEGATIVE_INFINITY;
  if (k <= n * p) return Math.min(0, logSumTail(k, n, p, -1));
  return Math.log1p(-Math.min(1, Math.exp(logSumTail(k + 1, n, p, 1))));
}

/** log P(X ≥ k) for X ~ Binomial(n, p), accurate far into the upper tail. */
export function binomialLogSf(k: number, n: number, p: number): number {
  k = Math.ceil(k);
  if (k <= 0 || p >= 1) return 0;
  if (k > n || p <= 0) return Number.NEGATIVE_INFINITY;
  if (k >= n * p) return Math.min(0, logSumTail(k, n, p, 1));
  return Math.log1p(-Math.min(1, Math.exp(logSumTail(k - 1, n, p, -1))));
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  return Math.exp(binomialLogCdf(k, n, p));
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialSf(k: number, n: number, p: number): number {
  return Math.exp(binomialLogSf(k, n, p));
}

/**
 * log P(X = x) for the hypergeometric distribution: x white balls in a draw of `k` from an urn
 * with `white` white and `black` black balls (R's dhyper(x, white, black, k, log = TRUE)).
 */
export function hypergeometricLogPmf(x: number, white: number, black: number, k: number): number {
  if (x < 0 || x > white || k - x < 0 || k - x > black) return Number.NEGATIVE_INFINITY;
  if (k === 0) return x === 0 ? 0 : Number.NEGATIVE_INFINITY;
  const total = white + black;
  const p = k / total;
  const q = (total - k) / total;
  const p1 = binomialLogPmfRaw(x, white, p, q);
  const p2 = binomialLogPmfRaw(k - x, black, p, q);
  const p3 = binomialLogPmfRaw(k, total, p, q);
  return p1 + p2 - p3;
}

/**
 * Root of a continuous function on [lo, hi] with f(lo), f(hi) of opposite signs (Brent's method).
 * Returns NaN when the bracket does not hold.
 */
export function findRoot(
  f: (x: number) => number,
  lo: number,
  hi: number,
  tol = 1e-15,
  maxIter = 200,
): number {
  let a = lo;
  let b = hi;
  let fa = f(a);
  let fb = f(b);
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (fa * fb > 0) return Number.NaN;
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let iter = 0; iter < maxIter; iter++) {
    if (fb * fc > 0) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol1 = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tol;
    const xm = 0.5 * (c - b);
    if (Math.abs(xm) <= tol1 || fb === 0) return b;
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * xm * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      p = Math.abs(p);
      if (2 * p < Math.min(3 * xm * q - Math.abs(tol1 * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = xm;
        e = d;
      }
    } else {
      d = xm;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol1 ? d : xm > 0 ? tol1 : -tol1;
    fb = f(b);
  }
  return b;
}
