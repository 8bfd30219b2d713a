/**
 * The report's anytime-valid section: each arm's confidence sequence now and its path over the
 * judgments (for the plot), and each comparison's sequence for the difference (anytime.ts).
 */
import {
  type AnytimeClustering,
  type AnytimeStatus,
  anytimeDifferenceStatus,
  anytimeStatusFromSums,
  DEFAULT_PRIOR,
  type JudgeSums,
} from './anytime.ts';
import type { ClusterCounts } from './bootstrap.ts';

export interface AnytimePathPoint {
  n: number;
  /** Win rate of the judgments so far. */
  rate: number;
  lower: number;
  upper: number;
}

export interface AnytimeSummary {
  alpha: number;
  clustering: AnytimeClustering;
  judges: number;
  designEffect: number;
  lower: number;
  upper: number;
  pValue: number;
  known: 'above' | 'below' | null;
  why: string | null;
}

export interface ArmAnytime extends AnytimeSummary {
  /** The sequence after each of up to ~100 numbers of judgments, in the order the rows came. */
  path: AnytimePathPoint[];
}

export const ANYTIME_METHOD = `beta-binomial mixture confidence sequence, Beta(${DEFAULT_PRIOR.a}, ${DEFAULT_PRIOR.a}) prior; counts deflated by the judge design effect`;

function summary(s: AnytimeStatus, alpha: number): AnytimeSummary {
  return {
    alpha,
    clustering: s.clustering,
    judges: s.judges,
    designEffect: s.designEffect,
    lower: s.lower,
    upper: s.upper,
    pValue: s.pValue,
    known: s.known,
    why: s.why,
  };
}

/** Per-judge counts from dense arrays, judges with no judgments dropped. */
function compress(s: Float64Array, n: Float64Array): ClusterCounts {
  const used: number[] = [];
  for (let c = 0; c < n.length; c++) if (n[c]! > 0) used.push(c);
  return {
    clusters: used.map(String),
    successes: Float64Array.from(used, (c) => s[c]!),
    trials: Float64Array.from(used, (c) => n[c]!),
  };
}

/** The numbers of judgments at which the path is drawn: about `points`, spaced evenly, the last included. */
function pathPoints(total: number, points: number): number[] {
  const step = Math.max(1, Math.ceil(total / points));
  const out: number[] = [];
  for (let n = step; n < total; n += step) out.push(n);
  if (total > 0) out.push(total);
  return out;
}

/**
 * An arm's sequence now and along the way. `rows` are the arm's judgment indices in order; `judgeOf`
 * and `won` look a judgment up. An arm whose judgments all came from one judge is taken to be
 * judged by one judge by design (a model re-judging): its sequence is about that judge.
 */
export function armAnytime(
  rows: Int32Array,
  judgeOf: Int32Array,
  judgeCount: number,
  won: (i: number) => boolean,
  alpha: number,
  points = 100,
): ArmAnytime {
  // per-judge counts and the design effect's sums, kept up to date judgment by judgment (O(1) each:
  // a path over 250,000 judgments by 5,000 judges rebuilt per-judge arrays at every point before)
  const s = new Float64Array(judgeCount);
  const n = new Float64Array(judgeCount);
  const sums: JudgeSums = { judges: 0, n: 0, wins: 0, winsSquaredOverN: 0, nSquared: 0 };
  const judges = new Set<number>();
  for (const i of rows) judges.add(judgeOf[i]!);
  const options = { oneJudgeByDesign: judges.size === 1 };
  const path: AnytimePathPoint[] = [];
  const marks = pathPoints(rows.length, points);
  let next = 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    const j = judgeOf[i]!;
    const w = won(i) ? 1 : 0;
    const before = n[j]!;
    if (before === 0) sums.judges++;
    else sums.winsSquaredOverN -= (s[j]! * s[j]!) / before;
    n[j] = before + 1;
    s[j]! += w;
    sums.n++;
    sums.wins += w;
    sums.winsSquaredOverN += (s[j]! * s[j]!) / n[j]!;
    sums.nSquared += 2 * before + 1;
    if (k + 1 === marks[next]) {
      const st = anytimeStatusFromSums(sums, alpha, options);
      path.push({ n: k + 1, rate: sums.wins / (k + 1), lower: st.lower, upper: st.upper });
      next++;
    }
  }
  const now = anytimeStatusFromSums(sums, alpha, options);
  return { ...summary(now, alpha), path };
}

/** Two arms' sequence for the difference of their rates (first − second), from their judgments. */
export function differenceAnytime(
  a: { rows: Int32Array },
  b: { rows: Int32Array },
  judgeOf: Int32Array,
  judgeCount: number,
  won: (i: number) => boolean,
  alpha: number,
): AnytimeSummary {
  const counts = (rows: Int32Array) => {
    const s = new Float64Array(judgeCount);
    const n = new Float64Array(judgeCount);
    for (const i of rows) {
      n[judgeOf[i]!]!++;
      if (won(i)) s[judgeOf[i]!]!++;
    }
    return { s, n };
  };
  return differenceAnytimeFromCounts(counts(a.rows), counts(b.rows), alpha);
}

/** differenceAnytime from each arm's wins `s` and judgments `n` per judge (dense, by judge index). */
export function differenceAnytimeFromCounts(
  a: { s: Float64Array; n: Float64Array },
  b: { s: Float64Array; n: Float64Array },
  alpha: number,
): AnytimeSummary {
  const ca = compress(a.s, a.n);
  const cb = compress(b.s, b.n);
  const st = anytimeDifferenceStatus(ca, cb, alpha, {
    a: { oneJudgeByDesign: ca.clusters.length === 1 },
    b: { oneJudgeByDesign: cb.clusters.length === 1 },
  });
  return summary(st, alpha);
}
