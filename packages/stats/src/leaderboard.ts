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
import { participantLabel } from './participants.ts';
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

class Moments {
  n = 0;
  sum = 0;
  sq = 0;
  add(v: number) {
    this.n++;
    this.sum += v;
    this.sq += v * v;
  }
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
  const level = options.level ?? 0.95;
  const z = normalQuantile(1 - (1 - level) / 2);
  const judges = new Map<
    string,
    {
      kind: string;
      arms: Set<string>;
      reward: Moments;
      brier: Moments;
      over: Moments;
      correct: number;
      continues: number;
    }
  >();
  for (const r of rows) {
    let j = judges.get(r.judgeId);
    if (!j) {
      j = {
        kind: participantLabel(r.judgeKind, r.judgeModel),
        arms: new Set(),
        reward: new Moments(),
        brier: new Moments(),
        over: new Moments(),
        correct: 0,
        continues: 0,
      };
      judges.set(r.judgeId, j);
    }
    j.arms.add(r.arm);
    j.reward.add(r.reward);
    j.brier.add((1 - r.probCorrect) ** 2);
    const { confidence, accuracy } = confidenceOf(r.probCorrect);
    j.over.add(confidence - accuracy);
    if (r.correct) j.correct++;
    j.continues += r.rounds;
  }
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
