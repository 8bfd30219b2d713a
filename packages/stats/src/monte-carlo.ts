/**
 * Keeping Monte Carlo noise out of the words of a report. A bootstrap interval end is an estimate
 * with a Monte Carlo standard error (mcse); a verdict may only rest on what holds beyond MC_Z of
 * those errors: which side of a reference (0, or 50%) the end lies on. Five standard errors make a
 * wrong call about 1 in 1.7 million per check, so 20 seeds × dozens of ends agree. `stableDecimals`
 * says how many digits of an end are stable (for readers of the JSON; tables show ±MC instead).
 */
import type { BootstrapResult } from './bootstrap.ts';

export const MC_Z = 5;

/** Round a proportion to `decimals` decimals of a percentage. */
export function roundPercent(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * 100 * f) / f;
}

/** The fewest percent decimals (0, then 1) at which `value` rounds the same anywhere within MC_Z·mcse. */
export function stableDecimals(value: number, mcse: number): number | null {
  if (!Number.isFinite(value) || !(mcse >= 0)) return null;
  for (const d of [0, 1]) {
    if (roundPercent(value - MC_Z * mcse, d) === roundPercent(value + MC_Z * mcse, d)) return d;
  }
  return null;
}

/**
 * Which side of `reference` the end lies on, if that holds within MC_Z·mcse; 'on' when the end is
 * the reference itself with no Monte Carlo error (a bootstrap of counts puts whole resamples on
 * 50% or 0, so an end can sit there for any number of resamples: that is settled, not undecided).
 */
export function settledSide(value: number, mcse: number, reference: number): 'above' | 'below' | 'on' | null {
  if (!Number.isFinite(value) || !(mcse >= 0)) return null;
  if (value - MC_Z * mcse > reference) return 'above';
  if (value + MC_Z * mcse < reference) return 'below';
  if (mcse === 0 && value === reference) return 'on';
  return null;
}

export type IntervalRelation = 'above' | 'below' | 'includes' | 'unsettled';

/** Where the interval lies relative to `reference`: wholly above, wholly below, around it, or undecided. */
export function intervalRelation(
  r: { interval: { lower: number; upper: number }; mcse: { lower: number; upper: number } },
  reference: number,
): IntervalRelation {
  const lo = settledSide(r.interval.lower, r.mcse.lower, reference);
  const hi = settledSide(r.interval.upper, r.mcse.upper, reference);
  if (lo === 'above') return 'above';
  if (hi === 'below') return 'below';
  // an end on the reference: the (closed) interval contains it
  if ((lo === 'below' || lo === 'on') && (hi === 'above' || hi === 'on')) return 'includes';
  return 'unsettled';
}

/**
 * The bootstrap's stopping rule for an interval a verdict relies on: both ends on a settled side of
 * the reference. Resampling continues until then or until the draw budget is spent (the verdict
 * then says the end is within Monte Carlo error of the reference, which is itself stable).
 */
export function settledForVerdict(reference: number): (r: BootstrapResult) => boolean {
  return (r) => intervalRelation(r, reference) !== 'unsettled';
}
