/**
 * Cluster (block) bootstrap for rates and differences of rates.
 *
 * Judgments are not independent: one judge makes many, one story yields several questions. The
 * cluster bootstrap resamples whole clusters with replacement and recomputes the pooled rate, so
 * the interval widens by however much the clusters differ. Everything runs on per-cluster counts
 * (successes, trials), so the cost per resample is O(number of clusters), not O(judgments):
 * 1,000,000 judgments by 5,000 judges × 2,000 resamples is ~10^7 draws.
 *
 * The interval is the percentile interval with R's default (type 7) quantile — NumPy's default
 * 'linear' method — of the resampled statistics.
 */
import { sampleStandardDeviation } from 'simple-statistics';
import { createRng, type Rng } from './rng.ts';
import type { Interval } from './types.ts';

/** Per-cluster success and trial counts for one group. */
export interface ClusterCounts {
  /** Cluster labels, parallel to the arrays below. */
  clusters: string[];
  successes: Float64Array;
  trials: Float64Array;
}

/** Per-cluster counts for two groups over the same clusters (a cluster may be absent from one). */
export interface PairedClusterCounts {
  clusters: string[];
  successes1: Float64Array;
  trials1: Float64Array;
  successes2: Float64Array;
  trials2: Float64Array;
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number | string;
  level?: number;
}

export interface BootstrapResult {
  estimate: number;
  interval: Interval;
  /** Standard deviation of the bootstrap distribution. */
  standardError: number;
  resamples: number;
  clusters: number;
  /** Resamples in which the statistic was undefined (a group drew no trials); they are skipped. */
  undefinedResamples: number;
}

/** Aggregate outcomes by cluster label. */
export function aggregateByCluster(
  clusterOf: ArrayLike<string>,
  success: ArrayLike<boolean | number>,
): ClusterCounts {
  const index = new Map<string, number>();
  const s: number[] = [];
  const n: number[] = [];
  for (let i = 0; i < clusterOf.length; i++) {
    const key = clusterOf[i]!;
    let k = index.get(key);
    if (k === undefined) {
      k = s.length;
      index.set(key, k);
      s.push(0);
      n.push(0);
    }
    s[k]! += success[i] ? 1 : 0;
    n[k]! += 1;
  }
  return { clusters: [...index.keys()], successes: Float64Array.from(s), trials: Float64Array.from(n) };
}

/** Join two groups' per-cluster counts on the cluster label. */
export function pairClusterCounts(a: ClusterCounts, b: ClusterCounts): PairedClusterCounts {
  const index = new Map<string, number>();
  const clusters: string[] = [];
  for (const c of a.clusters) {
    index.set(c, clusters.length);
    clusters.push(c);
  }
  for (const c of b.clusters) {
    if (!index.has(c)) {
      index.set(c, clusters.length);
      clusters.push(c);
    }
  }
  const g = clusters.length;
  const out: PairedClusterCounts = {
    clusters,
    successes1: new Float64Array(g),
    trials1: new Float64Array(g),
    successes2: new Float64Array(g),
    trials2: new Float64Array(g),
  };
  a.clusters.forEach((c, i) => {
    const k = index.get(c)!;
    out.successes1[k] = a.successes[i]!;
    out.trials1[k] = a.trials[i]!;
  });
  b.clusters.forEach((c, i) => {
    const k = index.get(c)!;
    out.successes2[k] = b.successes[i]!;
    out.trials2[k] = b.trials[i]!;
  });
  return out;
}

/** Quantile of sorted data by linear interpolation (R type 7, NumPy 'linear'). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function summarise(
  stats: Float64Array,
  used: number,
  estimate: number,
  level: number,
  resamples: number,
  clusters: number,
): BootstrapResult {
  const values = stats.subarray(0, used).sort();
  const alpha = 1 - level;
  return {
    estimate,
    interval: {
      lower: quantileSorted(values, alpha / 2),
      upper: quantileSorted(values, 1 - alpha / 2),
      level,
    },
    standardError: used > 1 ? sampleStandardDeviation(Array.from(values)) : Number.NaN,
    resamples,
    clusters,
    undefinedResamples: resamples - used,
  };
}

function sumOf(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** Cluster-bootstrap percentile interval for a pooled rate Σ successes / Σ trials. */
export function clusterBootstrapRate(counts: ClusterCounts, options: BootstrapOptions = {}): BootstrapResult {
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  const rng: Rng = createRng(options.seed ?? 1);
  const g = counts.clusters.length;
  const { successes, trials } = counts;
  const estimate = sumOf(successes) / sumOf(trials);
  const stats = new Float64Array(resamples);
  let used = 0;
  if (g === 0) return summarise(stats, 0, Number.NaN, level, resamples, 0);
  // interleaved (successes, trials) so each draw touches one cache line
  const packed = new Float64Array(2 * g);
  for (let i = 0; i < g; i++) {
    packed[2 * i] = successes[i]!;
    packed[2 * i + 1] = trials[i]!;
  }
  const draws = new Int32Array(g);
  for (let r = 0; r < resamples; r++) {
    rng.fillInts(draws, g);
    let s = 0;
    let n = 0;
    for (let i = 0; i < g; i++) {
      const k = 2 * draws[i]!;
      s += packed[k]!;
      n += packed[k + 1]!;
    }
    if (n > 0) stats[used++] = s / n;
  }
  return summarise(stats, used, estimate, level, resamples, g);
}

/**
 * Cluster-bootstrap percentile interval for rate1 − rate2 when the same clusters (e.g. judges)
 * can contribute to both groups: each resample draws clusters once and takes both groups' counts,
 * which keeps the within-cluster correlation between the groups.
 */
export function clusterBootstrapDifference(
  counts: PairedClusterCounts,
  options: BootstrapOptions = {},
): BootstrapResult {
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  const rng: Rng = createRng(options.seed ?? 1);
  const g = counts.clusters.length;
  const { successes1, trials1, successes2, trials2 } = counts;
  const estimate = sumOf(successes1) / sumOf(trials1) - sumOf(successes2) / sumOf(trials2);
  const stats = new Float64Array(resamples);
  let used = 0;
  if (g === 0) return summarise(stats, 0, Number.NaN, level, resamples, 0);
  const packed = new Float64Array(4 * g);
  for (let i = 0; i < g; i++) {
    packed[4 * i] = successes1[i]!;
    packed[4 * i + 1] = trials1[i]!;
    packed[4 * i + 2] = successes2[i]!;
    packed[4 * i + 3] = trials2[i]!;
  }
  const draws = new Int32Array(g);
  for (let r = 0; r < resamples; r++) {
    rng.fillInts(draws, g);
    let s1 = 0;
    let n1 = 0;
    let s2 = 0;
    let n2 = 0;
    for (let i = 0; i < g; i++) {
      const k = 4 * draws[i]!;
      s1 += packed[k]!;
      n1 += packed[k + 1]!;
      s2 += packed[k + 2]!;
      n2 += packed[k + 3]!;
    }
    if (n1 > 0 && n2 > 0) stats[used++] = s1 / n1 - s2 / n2;
  }
  return summarise(stats, used, estimate, level, resamples, g);
}
