/**
 * The `stopping` rule of an experiment config, decided from the judgments so far: which arms are to
 * get no new trials because their answer is known (the anytime-valid sequence excludes 50%, or 0
 * for a comparison), or because they reached `maxJudgments`. Pure: the runner reads the counts and
 * acts on the decisions.
 */
import type { StoppingRule } from '@oversight/core';
import {
  type AnytimeStatus,
  anytimeArmStatus,
  anytimeDifferenceStatus,
  anytimeStatusLine,
} from './anytime.ts';
import type { ClusterCounts } from './bootstrap.ts';

export interface StopDecision {
  arm: string;
  /** Why the arm stops, in words for the log and the status (includes the figures). */
  reason: string;
}

export interface StoppingEvaluation {
  /** Arms to stop now, with why (an arm in several fired comparisons is listed once). */
  stop: StopDecision[];
  /** The standing of every watched arm (per "arm") or pair (per "comparison"), for status lines. */
  standings: { label: string; status: AnytimeStatus }[];
}

const EMPTY: ClusterCounts = { clusters: [], successes: new Float64Array(0), trials: new Float64Array(0) };

function judgments(c: ClusterCounts): number {
  let n = 0;
  for (const t of c.trials) n += t;
  return n;
}

/**
 * Decide the rule. `counts` holds each arm's per-judge judgments and wins; `arms` every arm of the
 * experiment in config order; `oneJudgeByDesign` says which arms are judged by one judge throughout
 * (a model), whose sequence is about that judge.
 */
export function evaluateStoppingRule(
  rule: StoppingRule,
  arms: readonly string[],
  counts: ReadonlyMap<string, ClusterCounts>,
  oneJudgeByDesign: (arm: string) => boolean = () => false,
): StoppingEvaluation {
  const stop = new Map<string, string>();
  const standings: StoppingEvaluation['standings'] = [];
  const of = (arm: string) => counts.get(arm) ?? EMPTY;
  const atMost = (arm: string) => {
    const n = judgments(of(arm));
    if (rule.maxJudgments !== undefined && n >= rule.maxJudgments && !stop.has(arm))
      stop.set(arm, `stopping rule: ${arm} reached its maximum of ${rule.maxJudgments} judgments (${n})`);
  };
  if (rule.per === 'arm') {
    for (const arm of rule.arms ?? arms) {
      const status = anytimeArmStatus(of(arm), rule.alpha, { oneJudgeByDesign: oneJudgeByDesign(arm) });
      standings.push({ label: arm, status });
      if (status.known && status.n >= rule.minJudgments)
        stop.set(
          arm,
          `stopping rule: the answer is known — ${anytimeStatusLine(arm, status, rule.alpha)}; always-valid p = ${status.pValue.toPrecision(3)}`,
        );
      atMost(arm);
    }
  } else {
    const pairs =
      rule.comparisons ?? arms.flatMap((a, i) => arms.slice(i + 1).map((b) => [a, b] as [string, string]));
    for (const [a, b] of pairs) {
      const status = anytimeDifferenceStatus(of(a), of(b), rule.alpha, {
        a: { oneJudgeByDesign: oneJudgeByDesign(a) },
        b: { oneJudgeByDesign: oneJudgeByDesign(b) },
      });
      const label = `${a} − ${b}`;
      standings.push({ label, status });
      const enough = judgments(of(a)) >= rule.minJudgments && judgments(of(b)) >= rule.minJudgments;
      if (status.known && enough) {
        const why = `stopping rule: the answer is known — ${label}: ${status.lower.toFixed(2)} to ${status.upper.toFixed(2)} after ${status.n} judgments, ${status.known === 'above' ? a : b} ahead at alpha = ${rule.alpha} (always-valid p = ${status.pValue.toPrecision(3)})`;
        for (const arm of [a, b]) if (!stop.has(arm)) stop.set(arm, why);
      }
      atMost(a);
      atMost(b);
    }
  }
  return { stop: [...stop].map(([arm, reason]) => ({ arm, reason })), standings };
}
