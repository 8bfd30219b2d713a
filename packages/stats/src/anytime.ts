/**
 * Anytime-valid inference for win rates: confidence sequences and always-valid p-values that stay
 * valid however often a running study is looked at and whenever it is stopped.
 *
 * Method: the beta-binomial conjugate mixture (Robbins 1970; the "conjugate mixture" boundaries of
 * Howard, Ramdas, McAuliffe & Sekhon 2021, Annals of Statistics 49(2), §3). For judgments that
 * each win with probability p, the likelihood ratio of a Beta(a, b) mixture of alternatives against
 * p is a nonnegative martingale with mean 1:
 *
 *   M_n(p) = B(a + S, b + n − S) / B(a, b) / (p^S (1 − p)^(n − S)),   S wins in n judgments,
 *
 * so by Ville's inequality P(M_n(p) ≥ 1/α for some n) ≤ α. The confidence sequence is every p with
 * M_n(p) < 1/α: all of them at once cover the true rate with probability ≥ 1 − α, uniformly over
 * n. log M_n is convex in p with its minimum at S/n, so each end is one bracketed root. The
 * always-valid p-value for a rate of 50% is min(1, 1/M_n(0.5)): P(it is ever ≤ α) ≤ α.
 *
 * Why this and not the betting sequences of Waudby-Smith & Ramdas (2023, JRSS-B): for bounded
 * observations in general, betting is the tighter construction, but judgments are Bernoulli, for
 * which the mixture *is* the likelihood ratio (no slack from only knowing the observations are
 * bounded); it is closed form in (S, n), so a status line, a stopping rule and the path over a
 * million judgments cost one bisection per point, where betting needs a grid of candidate rates
 * and a predictable bet per candidate and per judgment; and it has one tuning choice, the prior,
 * stated below, where betting has a betting strategy. Both are time-uniform; the price against a
 * fixed-n test is printed by scripts/anytime-price.ts.
 *
 * Everything here depends on the counts only, not on the order of the judgments: a study can be
 * checked after every judgment, in any order, and stopped the first time the sequence excludes 50%.
 * (The running intersection over time would be narrower but would depend on the order; it is not
 * used.)
 *
 * Clustering: the martingale needs each judgment, given the past, to win with probability p —
 * judgments independent given the arm's rate. Judges differ, and one judge's judgments are
 * correlated; the sequence then is too narrow by about the square root of the design effect
 * 1 + (m − 1)·ICC (m judgments per judge): with a judge SD of 1 on the logit scale and 20
 * judgments per judge, a study watched after every judgment excluded a true 50% in 20% (judges
 * interleaved) to 65% (one judge after another) of simulated studies. So the counts are deflated
 * by the design effect estimated from the judges so far (Kish's effective sample size: S/deff of
 * n/deff, the ICC by the one-way ANOVA estimator of power.ts), and no answer is declared before
 * MIN_CLUSTERS.clusterRobust (10) judges have judged in the arm, since the design effect cannot be
 * estimated from fewer: with both, the same studies excluded 50% in 4.6-4.8% (interleaved) and
 * 4.3-4.7% (one judge after another; 1,000 studies per design, MC SE 0.7 points). An arm judged by
 * a single judge by design (a model re-judging) is about that judge: its judgments are independent
 * given the judge, and no deflation applies. Question effects
 * (questions shared between judges) are not modelled. Figures: test/anytime.test.ts and the README.
 */

import type { ClusterCounts } from './bootstrap.ts';
import { MIN_CLUSTERS } from './estimability.ts';
import { logGamma } from './student-t.ts';

/** The prior of the mixture: Beta(a, a), centred on 50%. */
export interface MixturePrior {
  a: number;
}

/**
 * Default prior, Beta(4, 4) (SD 0.17 around 50%): chosen with scripts/anytime-price.ts as the
 * best compromise over true rates of 60-80%, the range debate studies report.
 */
export const DEFAULT_PRIOR: MixturePrior = { a: 4 };

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** log M_n(p) for S wins in n judgments (S and n may be fractional: effective counts). */
export function logMixtureRatio(
  wins: number,
  n: number,
  p: number,
  prior: MixturePrior = DEFAULT_PRIOR,
): number {
  const { a } = prior;
  const logLik = (wins > 0 ? wins * Math.log(p) : 0) + (n - wins > 0 ? (n - wins) * Math.log1p(-p) : 0);
  return logBeta(a + wins, a + n - wins) - logBeta(a, a) - logLik;
}

/** The root of f on [lo, hi] where f(lo) and f(hi) differ in sign, by bisection to 1e-12. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  let flo = f(lo);
  for (let i = 0; i < 60 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    const fm = f(mid);
    if (fm > 0 === flo > 0) {
      lo = mid;
      flo = fm;
    } else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface ConfidenceSequencePoint {
  /** Judgments so far. */
  n: number;
  wins: number;
  /** The counts the sequence was computed from (deflated by the design effect; equal to n, wins without it). */
  effectiveN: number;
  effectiveWins: number;
  designEffect: number;
  lower: number;
  upper: number;
  /** Always-valid p-value for a win rate of 50%. */
  pValue: number;
}

/** The confidence sequence at level 1 − α for `wins` of `n` (effective counts allowed). */
export function confidenceSequence(
  wins: number,
  n: number,
  alpha: number,
  prior: MixturePrior = DEFAULT_PRIOR,
): { lower: number; upper: number } {
  if (!(n > 0)) return { lower: 0, upper: 1 };
  const threshold = Math.log(1 / alpha);
  const f = (p: number) => logMixtureRatio(wins, n, p, prior) - threshold;
  const centre = Math.min(1 - 1e-15, Math.max(1e-15, wins / n));
  const lower = wins <= 0 || f(1e-15) < 0 ? 0 : bisect(f, 1e-15, centre);
  const upper = wins >= n || f(1 - 1e-15) < 0 ? 1 : bisect(f, centre, 1 - 1e-15);
  return { lower, upper };
}

/** Always-valid p-value for H0: win rate = p0 (default 50%), from the counts so far. */
export function alwaysValidPValue(
  wins: number,
  n: number,
  p0 = 0.5,
  prior: MixturePrior = DEFAULT_PRIOR,
): number {
  if (!(n > 0)) return 1;
  return Math.min(1, Math.exp(-logMixtureRatio(wins, n, p0, prior)));
}

/**
 * The sums the judge design effect is a function of, so that a path over a study can keep them up
 * to date in O(1) per judgment: judges, judgments, wins, Σ s_j²/n_j and Σ n_j² over judges j.
 */
export interface JudgeSums {
  judges: number;
  n: number;
  wins: number;
  /** Σ over judges of wins² / judgments. */
  winsSquaredOverN: number;
  /** Σ over judges of judgments². */
  nSquared: number;
}

export function judgeSums(byJudge: ClusterCounts): JudgeSums {
  const out: JudgeSums = { judges: 0, n: 0, wins: 0, winsSquaredOverN: 0, nSquared: 0 };
  for (let i = 0; i < byJudge.trials.length; i++) {
    const n = byJudge.trials[i]!;
    if (!(n > 0)) continue;
    const w = byJudge.successes[i]!;
    out.judges++;
    out.n += n;
    out.wins += w;
    out.winsSquaredOverN += (w * w) / n;
    out.nSquared += n * n;
  }
  return out;
}

/**
 * The design effect of an arm's judgments so far, 1 + (m0 − 1)·ICC, with the ICC across judges by
 * the one-way ANOVA estimator (as estimateIcc in power.ts; negative estimates set to 0) and m0 the
 * adjusted mean number of judgments per judge. From the sums: between-judge SS = Σ s²/n − S²/N,
 * within = S − Σ s²/n.
 */
export function designEffectFromSums(t: JudgeSums): number {
  const { judges: k, n: N, wins: S } = t;
  if (k < 2 || N <= k) return 1;
  const msb = (t.winsSquaredOverN - (S * S) / N) / (k - 1);
  const msw = (S - t.winsSquaredOverN) / (N - k);
  const m0 = (N - t.nSquared / N) / (k - 1);
  const icc = (msb - msw) / (msb + (m0 - 1) * msw);
  return Math.max(1, 1 + (m0 - 1) * Math.max(0, Number.isFinite(icc) ? icc : 0));
}

/** The design effect of an arm's judgments so far (see designEffectFromSums). */
export function judgeDesignEffect(byJudge: ClusterCounts): number {
  return designEffectFromSums(judgeSums(byJudge));
}

/** One point of an arm's sequence: the counts, deflated by `designEffect`, and their sequence and p-value. */
export function anytimePoint(
  wins: number,
  n: number,
  designEffect: number,
  alpha: number,
  prior: MixturePrior = DEFAULT_PRIOR,
): ConfidenceSequencePoint {
  const deff = Math.max(1, designEffect);
  const effectiveN = n / deff;
  const effectiveWins = wins / deff;
  const cs = confidenceSequence(effectiveWins, effectiveN, alpha, prior);
  return {
    n,
    wins,
    effectiveN,
    effectiveWins,
    designEffect: deff,
    lower: cs.lower,
    upper: cs.upper,
    pValue: alwaysValidPValue(effectiveWins, effectiveN, 0.5, prior),
  };
}

/**
 * The sequence for a difference of two arms' rates, A − B: each arm's sequence at α/2 (so both
 * hold at once with probability ≥ 1 − α, at every moment), differenced end to end. Its
 * always-valid p-value for "no difference" is the smallest α at which that interval excludes 0.
 */
export function differenceSequence(
  a: { wins: number; n: number; designEffect: number },
  b: { wins: number; n: number; designEffect: number },
  alpha: number,
  prior: MixturePrior = DEFAULT_PRIOR,
): { lower: number; upper: number; pValue: number } {
  const at = (level: number) => {
    const ca = anytimePoint(a.wins, a.n, a.designEffect, level / 2, prior);
    const cb = anytimePoint(b.wins, b.n, b.designEffect, level / 2, prior);
    return { lower: ca.lower - cb.upper, upper: ca.upper - cb.lower };
  };
  const cs = at(alpha);
  const excludes = (level: number) => {
    const c = at(level);
    return c.lower > 0 || c.upper < 0;
  };
  // smaller α, wider interval: bisect on log α for the smallest level that still excludes 0
  let pValue = 1;
  if (excludes(1)) {
    let lo = -700;
    let hi = 0;
    if (excludes(Math.exp(lo))) pValue = Math.exp(lo);
    else {
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        if (excludes(Math.exp(mid))) hi = mid;
        else lo = mid;
      }
      pValue = Math.exp(hi);
    }
  }
  return { ...cs, pValue };
}

/** How an arm's counts were treated for clustering by judge. */
export type AnytimeClustering = 'one judge' | 'judge design effect';

/** Where an arm (or a difference) stands on the anytime-valid scale. */
export interface AnytimeStatus {
  n: number;
  wins: number;
  judges: number;
  clustering: AnytimeClustering;
  designEffect: number;
  /** The confidence sequence now (a rate, or a difference of rates). */
  lower: number;
  upper: number;
  /** Always-valid p-value for a rate of 50% (for a difference: for no difference). */
  pValue: number;
  /** 'above' / 'below' the reference (50%, or 0 for a difference) once the sequence excludes it; null while it does not. */
  known: 'above' | 'below' | null;
  /** Why the answer is not known yet, in words; null once it is. */
  why: string | null;
}

function designEffectOf(byJudge: ClusterCounts): { deff: number; clustering: AnytimeClustering } {
  return byJudge.clusters.length <= 1
    ? { deff: 1, clustering: 'one judge' }
    : { deff: judgeDesignEffect(byJudge), clustering: 'judge design effect' };
}

/** Options of the anytime-valid standing of an arm or a difference. */
export interface AnytimeOptions {
  prior?: MixturePrior;
  /**
   * The arm is judged by one judge by design (a model re-judging): its sequence is about that judge,
   * judgments independent given it. Otherwise one judge so far is only the first of many, whose
   * judgments alone can look decisive (that let a one-judge-after-another study exclude a true 50%
   * in 9% of simulations), and nothing is declared before 10 judges.
   */
  oneJudgeByDesign?: boolean;
  /** Compute the interval's ends (the decision needs only the p-value). Default true. */
  ends?: boolean;
}

function totals(c: ClusterCounts): { wins: number; n: number } {
  let wins = 0;
  let n = 0;
  for (let i = 0; i < c.trials.length; i++) {
    wins += c.successes[i]!;
    n += c.trials[i]!;
  }
  return { wins, n };
}

/** Why a sequence that excludes its reference still declares nothing: too few judges to estimate the design effect. */
function fewJudges(judges: number, oneJudgeByDesign: boolean): string | null {
  if (judges === 1 && oneJudgeByDesign) return null;
  return judges >= 1 && judges < MIN_CLUSTERS.clusterRobust
    ? `${judges} judge${judges === 1 ? '' : 's'}: the design effect needs ${MIN_CLUSTERS.clusterRobust} to be estimated, so nothing is declared before then`
    : null;
}

/** An arm's anytime-valid standing against 50%, from its per-judge counts so far. */
export function anytimeArmStatus(
  byJudge: ClusterCounts,
  alpha: number,
  options: AnytimeOptions = {},
): AnytimeStatus {
  return anytimeStatusFromSums(judgeSums(byJudge), alpha, options);
}

/** anytimeArmStatus from the per-judge sums (a path keeps them up to date judgment by judgment). */
export function anytimeStatusFromSums(
  sums: JudgeSums,
  alpha: number,
  options: AnytimeOptions = {},
): AnytimeStatus {
  const prior = options.prior ?? DEFAULT_PRIOR;
  const { wins, n, judges } = sums;
  const clustering: AnytimeClustering = judges <= 1 ? 'one judge' : 'judge design effect';
  const deff = judges <= 1 ? 1 : designEffectFromSums(sums);
  // The sequence excludes 50% exactly when the always-valid p-value is at most α (both are
  // M_n(0.5) ≥ 1/α), so the decision needs no interval; `ends: false` skips computing one.
  const pValue = alwaysValidPValue(wins / deff, n / deff, 0.5, prior);
  const cs =
    (options.ends ?? true)
      ? confidenceSequence(wins / deff, n / deff, alpha, prior)
      : { lower: NaN, upper: NaN };
  const side = n > 0 && pValue <= alpha ? (wins / n > 0.5 ? 'above' : 'below') : null;
  const few = fewJudges(judges, options.oneJudgeByDesign ?? false);
  return {
    n,
    wins,
    judges,
    clustering,
    designEffect: deff,
    lower: cs.lower,
    upper: cs.upper,
    pValue,
    known: few ? null : side,
    why: n === 0 ? 'no judgments yet' : (few ?? (side ? null : 'the sequence still includes 50%')),
  };
}

/** Two arms' anytime-valid standing on their difference (A − B), from their per-judge counts. */
export function anytimeDifferenceStatus(
  a: ClusterCounts,
  b: ClusterCounts,
  alpha: number,
  options: { a?: AnytimeOptions; b?: AnytimeOptions; prior?: MixturePrior } = {},
): AnytimeStatus {
  const prior = options.prior ?? DEFAULT_PRIOR;
  const ta = totals(a);
  const tb = totals(b);
  const da = designEffectOf(a);
  const db = designEffectOf(b);
  const d = differenceSequence(
    { ...ta, designEffect: da.deff },
    { ...tb, designEffect: db.deff },
    alpha,
    prior,
  );
  const side = d.lower > 0 ? 'above' : d.upper < 0 ? 'below' : null;
  const few =
    fewJudges(a.clusters.length, options.a?.oneJudgeByDesign ?? false) ??
    fewJudges(b.clusters.length, options.b?.oneJudgeByDesign ?? false);
  return {
    n: ta.n + tb.n,
    wins: ta.wins + tb.wins,
    judges: Math.min(a.clusters.length, b.clusters.length),
    clustering:
      da.clustering === 'one judge' && db.clustering === 'one judge' ? 'one judge' : 'judge design effect',
    designEffect: Math.max(da.deff, db.deff),
    lower: d.lower,
    upper: d.upper,
    pValue: d.pValue,
    known: few ? null : side,
    why:
      ta.n === 0 || tb.n === 0
        ? 'an arm has no judgments yet'
        : (few ?? (side ? null : 'the sequence still includes no difference')),
  };
}

/**
 * The status line of an arm: "debate: 0.71 to 0.88 after 212 judgments; the answer is known at
 * alpha = 0.05 (above 50%)".
 */
export function anytimeStatusLine(arm: string, s: AnytimeStatus, alpha: number): string {
  const range = `${s.lower.toFixed(2)} to ${s.upper.toFixed(2)} after ${s.n} judgment${s.n === 1 ? '' : 's'}`;
  const answer = s.known
    ? `the answer is known at alpha = ${alpha} (${s.known} 50%)`
    : `not known yet at alpha = ${alpha} (${s.why})`;
  return `${arm}: ${range}; ${answer}`;
}
