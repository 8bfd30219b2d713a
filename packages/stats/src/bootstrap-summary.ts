/** A bootstrap interval as the report stores it: plain JSON, with its Monte Carlo error and what it settles. */
import type { BootstrapResult } from './bootstrap.ts';
import { finiteOrNull } from './format.ts';
import { type IntervalRelation, intervalRelation, stableDecimals } from './monte-carlo.ts';
import type { ReportInterval } from './report-types.ts';

export type ClusterKind = 'judge' | 'question' | 'story';

export interface BootstrapSummary {
  cluster: ClusterKind;
  clusters: number;
  interval: ReportInterval;
  /** Monte Carlo standard error of each end (from the order statistics around it). */
  mcse: ReportInterval;
  standardError: number | null;
  resamples: number;
  undefinedResamples: number;
  /** False when the draw budget ran out before the error target (and the verdict's needs) were met. */
  converged: boolean;
  /** Where the interval lies relative to the verdict's reference (0.5 for a rate, 0 for a difference), settled within 5 MC errors. */
  relation: IntervalRelation;
  /** Percent decimals at which each end is stable within 5 MC errors (null: not even at 0.1). */
  stableDecimals: { lower: number | null; upper: number | null };
}

export function bootstrapSummary(
  cluster: ClusterKind,
  r: BootstrapResult,
  reference: number,
): BootstrapSummary {
  return {
    cluster,
    clusters: r.clusters,
    interval: { lower: finiteOrNull(r.interval.lower), upper: finiteOrNull(r.interval.upper) },
    mcse: { lower: finiteOrNull(r.mcse.lower), upper: finiteOrNull(r.mcse.upper) },
    standardError: finiteOrNull(r.standardError),
    resamples: r.resamples,
    undefinedResamples: r.undefinedResamples,
    converged: r.converged,
    relation: intervalRelation(r, reference),
    stableDecimals: {
      lower: stableDecimals(r.interval.lower, r.mcse.lower),
      upper: stableDecimals(r.interval.upper, r.mcse.upper),
    },
  };
}
