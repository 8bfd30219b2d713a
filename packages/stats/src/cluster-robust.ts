/**
 * Cluster-robust (sandwich, CR1) standard errors for pooled rates and their differences.
 *
 * The pooled rate p = Σ s_g / Σ n_g is a ratio estimator; its linearisation gives per-cluster
 * residuals e_g = (s_g − p n_g) / N and Var(p) ≈ G/(G−1) Σ e_g² (Liang-Zeger with the usual
 * small-sample factor). For a difference of two groups observed on the same clusters, the
 * residuals are e_g = (s1_g − p1 n1_g)/N1 − (s2_g − p2 n2_g)/N2, which keeps the covariance that
 * shared judges induce between the groups.
 */
import type { ClusterCounts, PairedClusterCounts } from './bootstrap.ts';
import { normalQuantile, normalSf } from './distributions.ts';
import type { Interval } from './types.ts';

export interface ClusterRobustResult {
  estimate: number;
  standardError: number;
  /** (estimate − null) / standardError. */
  z: number;
  /** Two-sided normal p-value for the null value. */
  pValue: number;
  /** One-sided p-value for estimate > null. */
  pValueGreater: number;
  interval: Interval;
  clusters: number;
}

function finish(
  estimate: number,
  variance: number,
  nullValue: number,
  g: number,
  level: number,
): ClusterRobustResult {
  const se = Math.sqrt(variance);
  const z = (estimate - nullValue) / se;
  const zc = normalQuantile(1 - (1 - level) / 2);
  return {
    estimate,
    standardError: se,
    z,
    pValue: Number.isFinite(z) ? 2 * normalSf(Math.abs(z)) : Number.NaN,
    pValueGreater: Number.isFinite(z) ? normalSf(z) : Number.NaN,
    interval: { lower: estimate - zc * se, upper: estimate + zc * se, level },
    clusters: g,
  };
}

/** Cluster-robust test of a pooled rate against `nullValue` (default 0.5). */
export function clusterRobustRate(counts: ClusterCounts, nullValue = 0.5, level = 0.95): ClusterRobustResult {
  const g = counts.clusters.length;
  let s = 0;
  let n = 0;
  for (let i = 0; i < g; i++) {
    s += counts.successes[i]!;
    n += counts.trials[i]!;
  }
  const p = s / n;
  let ss = 0;
  for (let i = 0; i < g; i++) {
    const e = (counts.successes[i]! - p * counts.trials[i]!) / n;
    ss += e * e;
  }
  return finish(p, g > 1 ? (g / (g - 1)) * ss : Number.NaN, nullValue, g, level);
}

/** Cluster-robust test of rate1 − rate2 = 0. */
export function clusterRobustDifference(counts: PairedClusterCounts, level = 0.95): ClusterRobustResult {
  const g = counts.clusters.length;
  let s1 = 0;
  let n1 = 0;
  let s2 = 0;
  let n2 = 0;
  for (let i = 0; i < g; i++) {
    s1 += counts.successes1[i]!;
    n1 += counts.trials1[i]!;
    s2 += counts.successes2[i]!;
    n2 += counts.trials2[i]!;
  }
  const p1 = s1 / n1;
  const p2 = s2 / n2;
  let ss = 0;
  for (let i = 0; i < g; i++) {
    const e =
      (counts.successes1[i]! - p1 * counts.trials1[i]!) / n1 -
      (counts.successes2[i]! - p2 * counts.trials2[i]!) / n2;
    ss += e * e;
  }
  return finish(p1 - p2, g > 1 ? (g / (g - 1)) * ss : Number.NaN, 0, g, level);
}
