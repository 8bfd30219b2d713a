/**
 * What `power --simulate` counts in each simulated study: every test the report would quote for
 * each arm and for every pair of arms, clustered ones included, so simulated power describes the
 * analysis as run and not a simpler one.
 *
 * Per arm: the exact one-sided binomial test of a win rate above 50%, and the judge-clustered
 * sandwich test (t with judges − 1 df), which the report refuses below MIN_CLUSTERS.clusterRobust
 * judges (a refused test rejects nothing; how often it was refused is counted too).
 * Per pair: the fixed-n test the verdict quotes (the z-test, or Fisher's exact test where an
 * expected count is below 5) and the judge-clustered sandwich test of the difference.
 */
import { aggregateByCluster, pairClusterCounts } from './bootstrap.ts';
import { clusterRobustDifference, clusterRobustRate } from './cluster-robust.ts';
import { tooFewClusters } from './estimability.ts';
import { fisherExactTest } from './fisher.ts';
import type { JudgmentRow } from './judgment.ts';
import { binomialTest, twoProportionTest, wilsonInterval } from './proportions.ts';
import type { Interval } from './types.ts';

/**
 * The fixed-n test a comparison's verdict quotes for x1/n1 vs x2/n2: the two-proportion z-test, or
 * Fisher's exact test when an expected count of the 2×2 table is below 5 (where R's prop.test
 * warns "Chi-squared approximation may be incorrect").
 */
export function fixedNComparisonTest(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
): { name: 'z' | 'fisher'; pValue: number; smallestExpected: number } {
  const w = x1 + x2;
  const total = n1 + n2;
  const smallestExpected = (Math.min(n1, n2) * Math.min(w, total - w)) / total;
  if (smallestExpected < 5)
    return {
      name: 'fisher',
      pValue: fisherExactTest({ a: x1, b: n1 - x1, c: x2, d: n2 - x2 }).pValue,
      smallestExpected,
    };
  return { name: 'z', pValue: twoProportionTest(x1, n1, x2, n2).pValue, smallestExpected };
}

export interface PowerCount {
  rejections: number;
  /** Studies in which the test could not be run (too few judges, no variation): counted as not rejecting. */
  refused: number;
}

export interface StudyPower {
  studies: number;
  arms: { arm: string; binomial: PowerCount; judgeRobust: PowerCount }[];
  pairs: { arm1: string; arm2: string; fixedN: PowerCount; judgeRobust: PowerCount }[];
}

export interface PowerLine {
  label: string;
  power: number;
  interval: Interval;
  refused: number;
}

/** Counts rejections, study by study, of every test the report quotes for the given arms. */
export class PowerTally {
  readonly result: StudyPower;

  constructor(
    readonly arms: readonly string[],
    readonly alpha: number,
  ) {
    const count = (): PowerCount => ({ rejections: 0, refused: 0 });
    this.result = {
      studies: 0,
      arms: arms.map((arm) => ({ arm, binomial: count(), judgeRobust: count() })),
      pairs: arms.flatMap((arm1, i) =>
        arms.slice(i + 1).map((arm2) => ({ arm1, arm2, fixedN: count(), judgeRobust: count() })),
      ),
    };
  }

  /** Add one simulated study's judgments. */
  add(rows: readonly JudgmentRow[]): void {
    const alpha = this.alpha;
    const byArm = new Map<string, JudgmentRow[]>(this.arms.map((a) => [a, []]));
    for (const r of rows) byArm.get(r.arm)?.push(r);
    const tally = (c: PowerCount, p: number | null) => {
      if (p === null || !Number.isFinite(p)) c.refused++;
      else if (p < alpha) c.rejections++;
    };
    const judgeCounts = (armRows: readonly JudgmentRow[]) =>
      aggregateByCluster(
        armRows.map((r) => r.judgeId),
        armRows.map((r) => r.correct),
      );
    this.result.studies++;
    for (const a of this.result.arms) {
      const armRows = byArm.get(a.arm)!;
      const wins = armRows.filter((r) => r.correct).length;
      tally(
        a.binomial,
        armRows.length > 0 ? binomialTest(wins, armRows.length, 0.5, 'greater').pValue : null,
      );
      const counts = judgeCounts(armRows);
      const robust = clusterRobustRate(counts);
      tally(
        a.judgeRobust,
        tooFewClusters('clusterRobust', 'judge', counts.clusters.length) ? null : robust.pValueGreater,
      );
    }
    for (const p of this.result.pairs) {
      const r1 = byArm.get(p.arm1)!;
      const r2 = byArm.get(p.arm2)!;
      if (r1.length === 0 || r2.length === 0) {
        p.fixedN.refused++;
        p.judgeRobust.refused++;
        continue;
      }
      const x1 = r1.filter((r) => r.correct).length;
      const x2 = r2.filter((r) => r.correct).length;
      tally(p.fixedN, fixedNComparisonTest(x1, r1.length, x2, r2.length).pValue);
      const paired = pairClusterCounts(judgeCounts(r1), judgeCounts(r2));
      const robust = clusterRobustDifference(paired);
      tally(
        p.judgeRobust,
        tooFewClusters('clusterRobust', 'judge', paired.clusters.length) ? null : robust.pValue,
      );
    }
  }

  /** One line per test: power with a Wilson 95% interval for its Monte Carlo error. */
  lines(): PowerLine[] {
    const n = this.result.studies;
    const line = (label: string, c: PowerCount): PowerLine => ({
      label,
      power: c.rejections / n,
      interval: wilsonInterval(c.rejections, n),
      refused: c.refused,
    });
    return [
      ...this.result.arms.flatMap((a) => [
        line(`${a.arm}: win rate > 50%, exact one-sided binomial test`, a.binomial),
        line(`${a.arm}: win rate > 50%, judge-clustered sandwich test (t, judges − 1 df)`, a.judgeRobust),
      ]),
      ...this.result.pairs.flatMap((p) => [
        line(
          `${p.arm1} vs ${p.arm2}: z-test (Fisher's exact test where an expected count is below 5)`,
          p.fixedN,
        ),
        line(`${p.arm1} vs ${p.arm2}: judge-clustered sandwich test of the difference`, p.judgeRobust),
      ]),
    ];
  }
}
