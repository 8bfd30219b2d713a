/**
 * Agreement between judges of the same transcript, and paired comparisons of two ways of judging
 * the same transcripts (people and a model re-judging them; live and offline judges).
 *
 * - McNemar's test for paired verdicts: R's mcnemar.test (continuity correction when b ≠ c) and the exact
 *   version, a two-sided binomial test of the discordant pairs at 50%.
 * - Cohen's kappa for two raters, with the large-sample standard error of Fleiss, Cohen & Everitt
 *   (1969, Psychological Bulletin 72(5)), as vcd::Kappa reports it.
 * - Fleiss' kappa (Fleiss 1971) for m ratings per subject, with the standard error under "no
 *   agreement beyond chance" of Fleiss, Nee & Landis (1979) for its z test.
 * - Krippendorff's alpha, nominal (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
 *   any number of ratings per unit, units with one rating left out; by the coincidence matrix.
 * - The intraclass correlation ICC(1) of the one-way random model (Shrout & Fleiss 1979), for
 *   judges' probabilities: each transcript judged by different judges, as here; unequal numbers of
 *   ratings use the adjusted mean group size m0 (as estimateIcc), and the interval is Shrout and
 *   Fleiss's F-based one (exact for equal groups, an approximation otherwise).
 * Intervals of alpha and Fleiss' kappa resample units (transcripts) with the cluster bootstrap.
 */
import { type BootstrapOptions, type BootstrapResult, clusterBootstrap } from './bootstrap.ts';
import { chiSquare1Sf, findRoot, normalQuantile, normalSf } from './distributions.ts';
import { binomialTest } from './proportions.ts';
import { regularizedBeta } from './student-t.ts';
import type { Interval } from './types.ts';

export interface McNemarResult {
  /** Pairs where only the first / only the second was right (the discordant pairs). */
  onlyFirst: number;
  onlySecond: number;
  /** R mcnemar.test: (|b − c| − 1)² / (b + c), 1 df. */
  chiSquare: number;
  pValue: number;
  /** Exact: two-sided binomial test of b of b + c at 50%. */
  exactPValue: number;
}

export function mcnemarTest(onlyFirst: number, onlySecond: number): McNemarResult {
  const b = onlyFirst;
  const c = onlySecond;
  const discordant = b + c;
  // R corrects for continuity only when b ≠ c (with b = c the statistic is 0, not 1/(b + c))
  const correction = b !== c ? 1 : 0;
  const chiSquare = discordant > 0 ? (Math.abs(b - c) - correction) ** 2 / discordant : Number.NaN;
  return {
    onlyFirst: b,
    onlySecond: c,
    chiSquare,
    pValue: discordant > 0 ? chiSquare1Sf(chiSquare) : Number.NaN,
    exactPValue: discordant > 0 ? binomialTest(b, discordant, 0.5, 'two-sided').pValue : 1,
  };
}

export interface KappaResult {
  estimate: number;
  standardError: number;
  interval: Interval;
  /** Observed and chance agreement. */
  observed: number;
  chance: number;
  n: number;
}

/** Cohen's kappa of a k×k table of two raters' categories (rows: first rater). */
export function cohenKappa(table: readonly (readonly number[])[], level = 0.95): KappaResult {
  const k = table.length;
  let n = 0;
  for (const row of table) for (const v of row) n += v;
  const p = table.map((row) => row.map((v) => v / n));
  const rows = p.map((row) => row.reduce((s, v) => s + v, 0));
  const cols = Array.from({ length: k }, (_, j) => p.reduce((s, row) => s + row[j]!, 0));
  let po = 0;
  let pe = 0;
  for (let i = 0; i < k; i++) {
    po += p[i]![i]!;
    pe += rows[i]! * cols[i]!;
  }
  const kappa = (po - pe) / (1 - pe);
  // Fleiss, Cohen & Everitt (1969): the large-sample variance of kappa
  let a = 0;
  let b = 0;
  for (let i = 0; i < k; i++) {
    a += p[i]![i]! * (1 - (rows[i]! + cols[i]!) * (1 - kappa)) ** 2;
    for (let j = 0; j < k; j++) if (i !== j) b += p[i]![j]! * (cols[i]! + rows[j]!) ** 2;
  }
  const variance = (a + (1 - kappa) ** 2 * b - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2);
  const se = Math.sqrt(Math.max(0, variance));
  const z = normalQuantile(1 - (1 - level) / 2);
  return {
    estimate: kappa,
    standardError: se,
    interval: { lower: kappa - z * se, upper: kappa + z * se, level },
    observed: po,
    chance: pe,
    n,
  };
}

/** Category counts per subject (subjects × categories); every subject must have the same number of ratings. */
export function fleissKappa(counts: readonly (readonly number[])[]): {
  estimate: number;
  /** Standard error under no agreement beyond chance (Fleiss, Nee & Landis 1979), for the z test. */
  nullStandardError: number;
  z: number;
  pValue: number;
  subjects: number;
  raters: number;
  /**
   * Per category j (Fleiss 1971, eq. 20-21): κ_j = 1 − Σ_i x_ij(m − x_ij) / (N m (m − 1) p_j q_j),
   * agreement on "j or not j", with z against the null standard error √(2 / (N m (m − 1))) (as
   * R's irr::kappam.fleiss(detail = TRUE)). NaN for a category nobody (or everybody) chose.
   */
  categories: { kappa: number; z: number; pValue: number }[];
} {
  const N = counts.length;
  const m = counts[0]?.reduce((s, v) => s + v, 0) ?? 0;
  for (const [i, row] of counts.entries()) {
    const total = row.reduce((s, v) => s + v, 0);
    if (total !== m)
      throw new RangeError(
        `Fleiss' kappa needs the same number of ratings for every subject: subject ${i} has ${total}, the first ${m}`,
      );
  }
  const k = counts[0]?.length ?? 0;
  const p = new Array<number>(k).fill(0);
  let pBar = 0;
  for (const row of counts) {
    let sq = 0;
    row.forEach((v, j) => {
      sq += v * v;
      p[j]! += v / (N * m);
    });
    pBar += (sq - m) / (m * (m - 1)) / N;
  }
  const pe = p.reduce((s, v) => s + v * v, 0);
  const estimate = (pBar - pe) / (1 - pe);
  const pq = p.reduce((s, v) => s + v * (1 - v), 0);
  const pqqp = p.reduce((s, v) => s + v * (1 - v) * (1 - 2 * v), 0);
  const nullStandardError = (Math.sqrt(2 / (N * m * (m - 1))) * Math.sqrt(pq * pq - pqqp)) / pq;
  const z = estimate / nullStandardError;
  const categorySe = Math.sqrt(2 / (N * m * (m - 1)));
  const categories = p.map((pj, j) => {
    let disagree = 0;
    for (const row of counts) disagree += row[j]! * (m - row[j]!);
    const kappa = 1 - disagree / (N * m * (m - 1) * pj * (1 - pj));
    const zj = kappa / categorySe;
    return { kappa, z: zj, pValue: 2 * normalSf(Math.abs(zj)) };
  });
  return {
    estimate,
    nullStandardError,
    z,
    pValue: 2 * normalSf(Math.abs(z)),
    subjects: N,
    raters: m,
    categories,
  };
}

/**
 * Per-unit coincidences for nominal alpha: for each unit with m ≥ 2 values, every ordered pair of
 * values from different ratings adds 1/(m − 1) to o[c][k]. Returned flattened (k × k per unit).
 */
function coincidences(units: readonly (readonly number[])[], categories: number): Float64Array {
  const out = new Float64Array(units.length * categories * categories);
  units.forEach((values, u) => {
    const m = values.length;
    if (m < 2) return;
    const counts = new Array<number>(categories).fill(0);
    for (const v of values) counts[v]!++;
    const base = u * categories * categories;
    for (let c = 0; c < categories; c++)
      for (let k = 0; k < categories; k++)
        out[base + c * categories + k]! += (counts[c]! * (counts[k]! - (c === k ? 1 : 0))) / (m - 1);
  });
  return out;
}

/** Nominal alpha from summed coincidences o (k × k). */
function alphaFromCoincidences(o: Float64Array, categories: number): number {
  const nc = new Array<number>(categories).fill(0);
  let disagree = 0;
  for (let c = 0; c < categories; c++)
    for (let k = 0; k < categories; k++) {
      nc[c]! += o[c * categories + k]!;
      if (c !== k) disagree += o[c * categories + k]!;
    }
  const n = nc.reduce((s, v) => s + v, 0);
  let expected = 0;
  for (let c = 0; c < categories; c++)
    for (let k = 0; k < categories; k++) if (c !== k) expected += nc[c]! * nc[k]!;
  return expected > 0 ? 1 - ((n - 1) * disagree) / expected : Number.NaN;
}

/**
 * Krippendorff's alpha for nominal data. `units` holds each unit's values as category indices
 * 0..categories−1 (missing ratings simply absent; units with one value do not count).
 */
export function krippendorffAlpha(units: readonly (readonly number[])[], categories: number): number {
  const o = coincidences(units, categories);
  const total = new Float64Array(categories * categories);
  for (let i = 0; i < o.length; i++) total[i % total.length]! += o[i]!;
  return alphaFromCoincidences(total, categories);
}

/** A cluster-bootstrap interval for alpha, resampling units. */
export function krippendorffAlphaBootstrap(
  units: readonly (readonly number[])[],
  categories: number,
  options: BootstrapOptions = {},
): BootstrapResult {
  const rated = units.filter((u) => u.length >= 2);
  return clusterBootstrap(
    coincidences(rated, categories),
    categories * categories,
    (s) => alphaFromCoincidences(s, categories),
    options,
  );
}

/** A cluster-bootstrap interval for Fleiss' kappa, resampling subjects (each a vector of sums). */
export function fleissKappaBootstrap(
  counts: readonly (readonly number[])[],
  options: BootstrapOptions = {},
): BootstrapResult {
  const k = counts[0]?.length ?? 0;
  const m = counts[0]?.reduce((s, v) => s + v, 0) ?? 0;
  // per subject: Σ_j n_ij² − m, then n_i1 .. n_ik; kappa is a function of their sums
  const width = k + 2;
  const vectors = new Float64Array(counts.length * width);
  counts.forEach((row, i) => {
    vectors[i * width] = row.reduce((s, v) => s + v * v, 0) - m;
    vectors[i * width + 1] = 1;
    row.forEach((v, j) => {
      vectors[i * width + 2 + j] = v;
    });
  });
  return clusterBootstrap(
    vectors,
    width,
    (s) => {
      const N = s[1]!;
      const pBar = s[0]! / (N * m * (m - 1));
      let pe = 0;
      for (let j = 0; j < k; j++) pe += (s[2 + j]! / (N * m)) ** 2;
      return pe < 1 ? (pBar - pe) / (1 - pe) : Number.NaN;
    },
    options,
  );
}

/** P(F > x) for the F distribution with (d1, d2) degrees of freedom. */
export function fSf(x: number, d1: number, d2: number): number {
  if (!(x > 0)) return 1;
  return regularizedBeta(d2 / (d2 + d1 * x), d2 / 2, d1 / 2);
}

/** The x with P(F ≤ x) = p. */
export function fQuantile(p: number, d1: number, d2: number): number {
  let hi = 1;
  while (1 - fSf(hi, d1, d2) < p) hi *= 2;
  return findRoot((x) => 1 - fSf(x, d1, d2) - p, 0, hi, 1e-13);
}

export interface IccResult {
  /** ICC(1): one-way random effects, single rating. */
  estimate: number;
  interval: Interval;
  /** F = MSB / MSW with its degrees of freedom and p-value for ICC = 0. */
  f: number;
  df1: number;
  df2: number;
  pValue: number;
  groups: number;
  /** Ratings per group (the adjusted mean m0 when groups differ). */
  ratingsPerGroup: number;
}

/** ICC(1) of ratings grouped by subject (groups of at least 2 ratings; others are left out). */
export function iccOneWay(groups: readonly (readonly number[])[], level = 0.95): IccResult {
  const used = groups.filter((g) => g.length >= 2);
  const n = used.length;
  const N = used.reduce((s, g) => s + g.length, 0);
  const grand = used.reduce((s, g) => s + g.reduce((a, b) => a + b, 0), 0) / N;
  let ssb = 0;
  let ssw = 0;
  for (const g of used) {
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    ssb += g.length * (mean - grand) ** 2;
    for (const v of g) ssw += (v - mean) ** 2;
  }
  const df1 = n - 1;
  const df2 = N - n;
  const msb = ssb / df1;
  const msw = ssw / df2;
  const m0 = (N - used.reduce((s, g) => s + g.length ** 2, 0) / N) / (n - 1);
  const estimate = (msb - msw) / (msb + (m0 - 1) * msw);
  const f = msb / msw;
  const a = 1 - level;
  const fl = f / fQuantile(1 - a / 2, df1, df2);
  const fu = f * fQuantile(1 - a / 2, df2, df1);
  return {
    estimate,
    interval: { lower: (fl - 1) / (fl + m0 - 1), upper: (fu - 1) / (fu + m0 - 1), level },
    f,
    df1,
    df2,
    pValue: fSf(f, df1, df2),
    groups: n,
    ratingsPerGroup: m0,
  };
}
