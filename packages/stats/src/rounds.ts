/**
 * How judgments depend on how long the judge listened: accuracy and reward by the number of
 * rounds the judge chose to continue before the verdict, and the information the judge gained per
 * turn, in bits (the change in log2 of the probability on the correct answer, as the NYU 2023
 * paper measures a judge's progress; a judge starts from 50/50, i.e. log2 0.5 = −1 bit).
 */
import { DEFAULT_REWARD_PROBABILITY_FLOOR } from '@oversight/core';
import { normalQuantile } from './distributions.ts';
import type { JudgmentRow } from './judgment.ts';
import { type JudgmentTable, judgmentTable } from './judgment-table.ts';
import { wilsonInterval } from './proportions.ts';
import type { ReportInterval } from './report-types.ts';

export interface ContinuesPoint {
  /** Rounds the judge chose to continue before deciding. */
  continues: number;
  n: number;
  correct: number;
  accuracy: number;
  wilson: ReportInterval;
  meanReward: number;
  /** Normal-approximation interval of the mean reward (judgments treated as independent). */
  rewardInterval: ReportInterval;
}

export interface InformationPoint {
  /** Judge turn, 1-based (turn 1 = the first probability the judge gave). */
  turn: number;
  n: number;
  /** Mean bits gained at this turn: log2 p_t − log2 p_{t−1}, with p_0 = 0.5. */
  meanBits: number;
  lower: number;
  upper: number;
}

export interface InformationSummary {
  perTurn: InformationPoint[];
  /** Bits from 50/50 to the verdict, log2 p_final + 1, averaged over judgments. */
  total: { n: number; meanBits: number; lower: number; upper: number } | null;
  /** Probabilities are floored here before the log (core's reward floor), so one 0 is not −∞. */
  probabilityFloor: number;
}

function meanInterval(sum: number, sq: number, n: number, z: number) {
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sq - n * mean * mean) / (n - 1)) : 0;
  const half = n > 1 ? z * Math.sqrt(variance / n) : 0;
  return { mean, lower: mean - half, upper: mean + half };
}

/** Accuracy and mean reward per number of continues, over the judgments `idx` of `rows`. */
export function byContinues(
  rows: readonly JudgmentRow[],
  idx: ArrayLike<number>,
  level: number,
): ContinuesPoint[] {
  return byContinuesOf(judgmentTable(rows), idx, level);
}

/** byContinues on the columns of judgment-table.ts. */
export function byContinuesOf(t: JudgmentTable, idx: ArrayLike<number>, level: number): ContinuesPoint[] {
  const groups = new Map<number, { n: number; correct: number; sum: number; sq: number }>();
  let last = Number.NaN;
  let g = { n: 0, correct: 0, sum: 0, sq: 0 };
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const rounds = t.rounds[i]!;
    if (rounds !== last) {
      const found = groups.get(rounds);
      if (found) g = found;
      else {
        g = { n: 0, correct: 0, sum: 0, sq: 0 };
        groups.set(rounds, g);
      }
      last = rounds;
    }
    const reward = t.reward[i]!;
    g.n++;
    if (t.correct[i]) g.correct++;
    g.sum += reward;
    g.sq += reward * reward;
  }
  const z = normalQuantile(1 - (1 - level) / 2);
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([continues, g]) => {
      const w = wilsonInterval(g.correct, g.n, level);
      const m = meanInterval(g.sum, g.sq, g.n, z);
      return {
        continues,
        n: g.n,
        correct: g.correct,
        accuracy: g.correct / g.n,
        wilson: { lower: w.lower, upper: w.upper },
        meanReward: m.mean,
        rewardInterval: { lower: m.lower, upper: m.upper },
      };
    });
}

/** Bits gained per judge turn and in total, over the judgments `idx` of `rows`. */
export function informationByTurn(
  rows: readonly JudgmentRow[],
  idx: ArrayLike<number>,
  level: number,
  probabilityFloor = DEFAULT_REWARD_PROBABILITY_FLOOR,
): InformationSummary {
  return informationOf(judgmentTable(rows), idx, level, probabilityFloor);
}

/** informationByTurn on the columns of judgment-table.ts. */
export function informationOf(
  table: JudgmentTable,
  idx: ArrayLike<number>,
  level: number,
  probabilityFloor = DEFAULT_REWARD_PROBABILITY_FLOOR,
): InformationSummary {
  const z = normalQuantile(1 - (1 - level) / 2);
  const bits = (p: number) => Math.log2(Math.max(probabilityFloor, p));
  const sum: number[] = [];
  const sq: number[] = [];
  const count: number[] = [];
  let totalSum = 0;
  let totalSq = 0;
  let totalN = 0;
  const { beliefs, beliefStart, probCorrect } = table;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const final = bits(probCorrect[i]!);
    const from = beliefStart[i]!;
    const to = beliefStart[i + 1]!;
    // no beliefs recorded: the verdict is the only turn
    const turns = to > from ? to - from : 1;
    let previous = -1;
    for (let t = 0; t < turns; t++) {
      const now = to > from ? bits(beliefs[from + t]!) : final;
      const gain = now - previous;
      previous = now;
      if (t < count.length) {
        sum[t]! += gain;
        sq[t]! += gain * gain;
        count[t]!++;
      } else {
        sum[t] = gain;
        sq[t] = gain * gain;
        count[t] = 1;
      }
    }
    const total = final + 1;
    totalSum += total;
    totalSq += total * total;
    totalN++;
  }
  const perTurn = count.map((n, t) => {
    const m = meanInterval(sum[t]!, sq[t]!, n, z);
    return { turn: t + 1, n, meanBits: m.mean, lower: m.lower, upper: m.upper };
  });
  const t = totalN > 0 ? meanInterval(totalSum, totalSq, totalN, z) : null;
  return {
    perTurn,
    total: t ? { n: totalN, meanBits: t.mean, lower: t.lower, upper: t.upper } : null,
    probabilityFloor,
  };
}
