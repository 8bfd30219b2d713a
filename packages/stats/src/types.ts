/** Which way a one- or two-sided test looks. */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** A confidence interval [lower, upper] at `level` (e.g. 0.95). */
export interface Interval {
  lower: number;
  upper: number;
  level: number;
}
