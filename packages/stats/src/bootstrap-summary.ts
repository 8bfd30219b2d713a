/** A bootstrap interval as the report stores it: plain JSON, with its Monte Carlo error and what it settles. */
import type { BootstrapResult } from './bootstrap.ts';
import { clusterCount } from './estimability.ts';
import { finiteOrNull, fixed, pct } from './format.ts';
import { type IntervalRelation, intervalRelation, stableDecimals } from './monte-carlo.ts';
import type { ReportInterval } from './report-types.ts';

export type ClusterKind = 'judge' | 'question' | 'story';
/** What a bootstrap resamples: a clustering of judgments, or transcripts (agreement statistics). */
export type ResampledUnit = ClusterKind | 'transcript';

export interface BootstrapSummary {
  cluster: ResampledUnit;
  clusters: number;
  interval: ReportInterval;
  /** Monte Carlo standard error of each end (from the order statistics around it). */
  mcse: ReportInterval;
  standardError: number | null;
  resamples: number;
  undefinedResamples: number;
  /** False when the draw budget ran out before the error target (and the verdict's needs) were met. */
  converged: boolean;
  /** The level of the percentiles taken (the interval's level, expanded for few clusters). */
  percentileLevel: number | null;
  /**
   * Where the interval lies relative to the verdict's reference (0.5 for a rate, 0 for a
   * difference), settled within 5 MC errors; 'not-estimable' when there is no interval.
   */
  relation: IntervalRelation | 'not-estimable';
  /** Why there is no interval (too few clusters, or clusters that do not vary); null when there is one. */
  notEstimable: string | null;
  /** Percent decimals at which each end is stable within 5 MC errors (null: not even at 0.1). */
  stableDecimals: { lower: number | null; upper: number | null };
}

/** Why every resample gave the same value, in words. */
function degenerateReason(cluster: ResampledUnit, r: BootstrapResult, what: string): string {
  const value = what === 'win rate' ? `${pct(r.estimate)}%` : fixed(r.estimate, 3);
  return r.clusters === 1
    ? `one ${cluster}: resampling a single ${cluster} always gives the same ${what} (${value}), which is no interval`
    : `every resample of the ${clusterCount(r.clusters, cluster)} gave the same ${what} (${value}): the ${cluster}s do not differ in it, so resampling them gives no interval`;
}

/**
 * The report's form of a bootstrap result. `what` names the statistic in the reason given when every
 * resample was equal (default: 'win rate' against 50%, 'difference' against 0).
 */
export function bootstrapSummary(
  cluster: ResampledUnit,
  r: BootstrapResult,
  reference: number,
  what = reference === 0.5 ? 'win rate' : 'difference',
): BootstrapSummary {
  if (r.degenerate) return refusedBootstrap(cluster, r.clusters, degenerateReason(cluster, r, what));
  return {
    cluster,
    clusters: r.clusters,
    interval: { lower: finiteOrNull(r.interval.lower), upper: finiteOrNull(r.interval.upper) },
    mcse: { lower: finiteOrNull(r.mcse.lower), upper: finiteOrNull(r.mcse.upper) },
    standardError: finiteOrNull(r.standardError),
    resamples: r.resamples,
    undefinedResamples: r.undefinedResamples,
    converged: r.converged,
    percentileLevel: finiteOrNull(r.percentileLevel),
    relation: intervalRelation(r, reference),
    notEstimable: null,
    stableDecimals: {
      lower: stableDecimals(r.interval.lower, r.mcse.lower),
      upper: stableDecimals(r.interval.upper, r.mcse.upper),
    },
  };
}

/** A bootstrap that was not run, or gave no interval, with the reason. */
export function refusedBootstrap(cluster: ResampledUnit, clusters: number, reason: string): BootstrapSummary {
  return {
    cluster,
    clusters,
    interval: { lower: null, upper: null },
    mcse: { lower: null, upper: null },
    standardError: null,
    resamples: 0,
    undefinedResamples: 0,
    converged: true,
    percentileLevel: null,
    relation: 'not-estimable',
    notEstimable: reason,
    stableDecimals: { lower: null, upper: null },
  };
}
