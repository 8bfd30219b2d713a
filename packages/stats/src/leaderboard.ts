/**
 * A judge leaderboard: per judge, mean reward, accuracy and calibration, each with an interval,
 * ranked by mean reward (the score judges were told to maximise). Plain JSON, so the chat apps can
 * show it (`judgeLeaderboard(rows)`) and the report can carry it.
 *
 * Calibration per judge is the Brier score and the overconfidence (mean confidence in the chosen
 * answer minus the share of judgments it was right), both means of per-judgment values with
 * normal intervals; an ECE on one judge's few judgments would be mostly binning noise.
 */
import { confidenceOf } from './calibration.ts';
import { normalQuantile } from './distributions.ts';
import type { JudgmentRow } from './judgment.ts';
import { type JudgmentTable, judgmentTable } from './judgment-table.ts';
import { wilsonInterval } from './proportions.ts';
import type { ReportInterval } from './report-types.ts';

export interface JudgeStanding {
  rank: number;
  judgeId: string;
  /** "simulated", "person", "model …" or "not recorded". */
  kind: string;
  n: number;
  arms: string[];
  meanReward: number;
  rewardInterval: ReportInterval;
  accuracy: number;
  accuracyWilson: ReportInterval;
  brier: number;
  brierInterval: ReportInterval;
  /** Mean confidence − accuracy (positive = overconfident). */
  overconfidence: number;
  overconfidenceInterval: ReportInterval;
  meanContinues: number;
}

/** Count, sum and sum of squares per judge, added in row order. */
class Moments {
  readonly n: Float64Array;
  readonly sum: Float64Array;
  readonly sq: Float64Array;
  constructor(size: number) {
    this.n = new Float64Array(size);
    this.sum = new Float64Array(size);
    this.sq = new Float64Array(size);
  }
  add(j: number, v: number) {
    this.n[j]!++;
    this.sum[j]! += v;
    this.sq[j]! += v * v;
  }
  of(j: number): Moment {
    return new Moment(this.n[j]!, this.sum[j]!, this.sq[j]!);
  }
}

class Moment {
  constructor(
    readonly n: number,
    readonly sum: number,
    readonly sq: number,
  ) {}
  interval(z: number): { mean: number; lower: number | null; upper: number | null } {
    const mean = this.sum / this.n;
    if (this.n < 2) return { mean, lower: null, upper: null };
    const sd = Math.sqrt(Math.max(0, (this.sq - this.n * mean * mean) / (this.n - 1)));
    return { mean, lower: mean - (z * sd) / Math.sqrt(this.n), upper: mean + (z * sd) / Math.sqrt(this.n) };
  }
}

/** The leaderboard over `rows` (judges with fewer than `minJudgments` are left out). */
export function judgeLeaderboard(
  rows: readonly JudgmentRow[],
  options: { level?: number; minJudgments?: number } = {},
): JudgeStanding[] {
  return judgeLeaderboardOf(judgmentTable(rows), options);
}

/** judgeLeaderboard on the columns of judgment-table.ts. */
export function judgeLeaderboardOf(
  t: JudgmentTable,
  options: { level?: number; minJudgments?: number } = {},
): JudgeStanding[] {
  const level = options.level ?? 0.95;
  const z = normalQuantile(1 - (1 - level) / 2);
  const J = t.judgeNames.length;
  // per judge (code = order of first judgment): moments of reward, Brier and overconfidence
  const reward = new Moments(J);
  const brier = new Moments(J);
  const over = new Moments(J);
  const correct = new Float64Array(J);
  const continues = new Float64Array(J);
  const kind = new Int32Array(J).fill(-1);
  // the arms each judge judged in: a bit per arm (a set per judge when there are more than 31)
  const A = t.armNames.length;
  const armBits = A <= 31 ? new Int32Array(J) : null;
  const armSets = armBits ? null : Array.from({ length: J }, () => new Set<number>());
  for (let i = 0; i < t.n; i++) {
    const j = t.judge[i]!;
    if (kind[j] === -1) kind[j] = t.judgeLabel[i]!;
    const a = t.arm[i]!;
    if (armBits) armBits[j]! |= 1 << a;
    else armSets![j]!.add(a);
    const p = t.probCorrect[i]!;
    reward.add(j, t.reward[i]!);
    brier.add(j, (1 - p) ** 2);
    const { confidence, accuracy } = confidenceOf(p);
    over.add(j, confidence - accuracy);
    if (t.correct[i]) correct[j]!++;
    continues[j]! += t.rounds[i]!;
  }
  const judges = new Map(
    t.judgeNames.map((name, j) => [
      name,
      {
        kind: t.labelNames[kind[j]!]!,
        arms: new Set(
          armBits
            ? t.armNames.filter((_, a) => (armBits[j]! >>> a) & 1)
            : [...armSets![j]!].map((a) => t.armNames[a]!),
        ),
        reward: reward.of(j),
        brier: brier.of(j),
        over: over.of(j),
        correct: correct[j]!,
        continues: continues[j]!,
      },
    ]),
  );
  const standings = [...judges.entries()]
    .filter(([, j]) => j.reward.n >= (options.minJudgments ?? 1))
    .map(([judgeId, j]) => {
      const n = j.reward.n;
      const reward = j.reward.interval(z);
      const brier = j.brier.interval(z);
      const over = j.over.interval(z);
      const w = wilsonInterval(j.correct, n, level);
      return {
        rank: 0,
        judgeId,
        kind: j.kind,
        n,
        arms: [...j.arms].sort(),
        meanReward: reward.mean,
        rewardInterval: { lower: reward.lower, upper: reward.upper },
        accuracy: j.correct / n,
        accuracyWilson: { lower: w.lower, upper: w.upper },
        brier: brier.mean,
        brierInterval: { lower: brier.lower, upper: brier.upper },
        overconfidence: over.mean,
        overconfidenceInterval: { lower: over.lower, upper: over.upper },
        meanContinues: j.continues / n,
      };
    })
    .sort((a, b) => b.meanReward - a.meanReward || a.judgeId.localeCompare(b.judgeId));
  standings.forEach((s, i) => {
    s.rank = i + 1;
  });
  return standings;
}
