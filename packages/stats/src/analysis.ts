/**
 * analyzeExperiment: every statistic of an oversight experiment, from judgment rows to one plain
 * JSON report (numbers that cannot be represented — NaN, ±∞ — are null).
 *
 * The work is organised for a million rows: one pass turns rows into integer columns (arm, judge,
 * question, story), per-cluster counts are built per group, and every clustered method (bootstrap,
 * sandwich, GLMM) then runs on counts.
 */
import {
  type BootstrapResult,
  type ClusterCounts,
  clusterBootstrapDifference,
  clusterBootstrapRate,
  type PairedClusterCounts,
} from './bootstrap.ts';
import { type CalibrationResult, judgeCalibration } from './calibration.ts';
import { clusterRobustDifference, clusterRobustRate } from './cluster-robust.ts';
import { normalQuantile, normalSf } from './distributions.ts';
import { fisherExactTest } from './fisher.ts';
import { capitalise, finiteOrNull, fixed, pct, pctInterval, pValueText } from './format.ts';
import { fitArmGlmm, type GlmmFit, glmmContrast } from './glmm.ts';
import {
  isDebateProtocol,
  isSingleArguerProtocol,
  type JudgmentRow,
  PROTOCOLS,
  type Protocol,
} from './judgment.ts';
import {
  binomialTest,
  clopperPearsonInterval,
  holmAdjust,
  newcombeInterval,
  twoProportionTest,
  wilsonInterval,
} from './proportions.ts';
import { type ArguerRating, arguerRatings } from './ratings.ts';
import { hashString } from './rng.ts';

export type ClusterKind = 'judge' | 'question' | 'story';

export interface AnalysisOptions {
  /** Confidence level of every interval. Default 0.95. */
  level?: number;
  /** Significance level used in the verdict sentences. Default 0.05. */
  alpha?: number;
  /** Cluster-bootstrap resamples. Default 2000. */
  bootstrapResamples?: number;
  /** Seed of every bootstrap (each analysis derives its own stream from it). Default 1. */
  seed?: number;
  /** Which clusterings get a bootstrap interval. Default ['judge', 'question']. */
  bootstrapClusters?: ClusterKind[];
  /** Fit the judge random-intercept GLMM. Default true. */
  glmm?: boolean;
  /** Gauss-Hermite points for the GLMM. Default 25. */
  quadraturePoints?: number;
  /** Reliability-diagram bins. Default 10. */
  calibrationBins?: number;
  /** Order of arms in the report; unlisted arms follow in order of first appearance. */
  armOrder?: string[];
}

export interface ReportInterval {
  lower: number | null;
  upper: number | null;
}

export interface BootstrapSummary {
  cluster: ClusterKind;
  clusters: number;
  interval: ReportInterval;
  standardError: number | null;
  resamples: number;
  undefinedResamples: number;
}

export interface BeliefPoint {
  /** Judge turn, 1-based. */
  turn: number;
  n: number;
  mean: number;
  /** Normal-approximation interval for the mean (judgments treated as independent). */
  lower: number;
  upper: number;
}

export interface ArmSummary {
  arm: string;
  protocol: Protocol;
  /** Set for rows of `byInduction`; null in `arms`. */
  induction: string | null;
  label: string;
  n: number;
  /** Judgments won by the correct answer (rows with `correct`). */
  wins: number;
  rate: number | null;
  wilson: ReportInterval;
  clopperPearson: ReportInterval;
  /** Exact one-sided binomial p-value for rate > 0.5. */
  binomialPValue: number | null;
  bootstrap: BootstrapSummary[];
  /** Judge-clustered sandwich test of rate > 0.5. */
  clusterRobust: { standardError: number | null; z: number | null; pValueGreater: number | null } | null;
  /** Judge random-intercept GLMM: logit win rate of a typical judge, one-sided p for > 0.5. */
  glmm: { logit: number; standardError: number; typicalJudgeRate: number; pValueGreater: number } | null;
  judges: number;
  questions: number;
  stories: number;
  meanReward: number | null;
  meanRounds: number | null;
  calibration: CalibrationResult;
  beliefByTurn: BeliefPoint[];
}

export interface HonestyGroup {
  n: number;
  /** Judgments where the judge chose the correct answer. */
  correct: number;
  accuracy: number | null;
  /** Judgments where the judge adopted the arguer's answer. */
  accepted: number;
  acceptance: number | null;
  acceptanceWilson: ReportInterval;
}

export interface HonestySplit {
  arm: string;
  protocol: Protocol;
  honest: HonestyGroup;
  dishonest: HonestyGroup;
  /** acceptance(honest) − acceptance(dishonest). */
  gap: {
    estimate: number | null;
    newcombe: ReportInterval;
    z: number | null;
    chiSquare: number | null;
    pValue: number | null;
    bootstrap: BootstrapSummary | null;
    clusterRobustPValue: number | null;
  };
}

export interface ArmComparison {
  arm1: string;
  arm2: string;
  rate1: number | null;
  rate2: number | null;
  /** rate1 − rate2. */
  difference: number | null;
  propTest: { chiSquare: number; z: number; pValue: number; interval: ReportInterval };
  propTestCorrected: { chiSquare: number; z: number; pValue: number; interval: ReportInterval };
  fisher: { pValue: number; oddsRatio: number | null };
  newcombe: ReportInterval;
  bootstrap: BootstrapSummary[];
  clusterRobust: { standardError: number | null; z: number | null; pValue: number | null };
  glmm: { logOddsRatio: number; standardError: number; z: number; pValue: number } | null;
  /** Holm-adjusted p-values across all arm comparisons, per test. */
  holm: { propTest: number; clusterRobust: number | null; glmm: number | null };
}

export interface AnalysisReport {
  generator: string;
  options: Required<Omit<AnalysisOptions, 'armOrder'>> & { armOrder: string[] };
  totals: { judgments: number; arms: number; judges: number; questions: number; stories: number };
  arms: ArmSummary[];
  byInduction: ArmSummary[];
  honesty: HonestySplit[];
  comparisons: ArmComparison[];
  glmm: {
    formula: string;
    randomInterceptSd: number;
    singular: boolean;
    converged: boolean;
    logLik: number;
    quadraturePoints: number;
    clusters: number;
  } | null;
  ratings: ArguerRating[];
  verdicts: string[];
  notes: string[];
}

interface Columns {
  n: number;
  arms: string[];
  armProtocol: Protocol[];
  arm: Int32Array;
  cluster: Record<ClusterKind, Int32Array>;
  clusterCount: Record<ClusterKind, number>;
  correct: Uint8Array;
}

function interval(i: { lower: number; upper: number } | null | undefined): ReportInterval {
  return i ? { lower: finiteOrNull(i.lower), upper: finiteOrNull(i.upper) } : { lower: null, upper: null };
}

function validate(rows: readonly JudgmentRow[]): void {
  const protocols = new Set<string>(PROTOCOLS);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!protocols.has(r.protocol))
      throw new Error(`row ${i} (${r.trialId}): unknown protocol '${r.protocol}'`);
    if (!(r.probCorrect >= 0 && r.probCorrect <= 1)) {
      throw new Error(`row ${i} (${r.trialId}): probCorrect must be in [0, 1], got ${r.probCorrect}`);
    }
  }
}

/** Arms in the requested order, then the rest by protocol (debate first, baselines last), then first appearance. */
function orderArms(rows: readonly JudgmentRow[], armOrder: readonly string[]): string[] {
  const first = new Map<string, { index: number; protocol: Protocol }>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!first.has(r.arm)) first.set(r.arm, { index: first.size, protocol: r.protocol });
  }
  const rest = [...first.entries()]
    .filter(([arm]) => !armOrder.includes(arm))
    .sort(
      (a, b) =>
        PROTOCOLS.indexOf(a[1].protocol) - PROTOCOLS.indexOf(b[1].protocol) || a[1].index - b[1].index,
    )
    .map(([arm]) => arm);
  return [...armOrder, ...rest];
}

function buildColumns(rows: readonly JudgmentRow[], requestedOrder: readonly string[]): Columns {
  const n = rows.length;
  const armOrder = orderArms(rows, requestedOrder);
  const armIndex = new Map<string, number>();
  const arms: string[] = [];
  const armProtocol: Protocol[] = [];
  for (const a of armOrder) {
    if (!armIndex.has(a)) {
      armIndex.set(a, arms.length);
      arms.push(a);
    }
  }
  const maps: Record<ClusterKind, Map<string, number>> = {
    judge: new Map(),
    question: new Map(),
    story: new Map(),
  };
  const cluster: Record<ClusterKind, Int32Array> = {
    judge: new Int32Array(n),
    question: new Int32Array(n),
    story: new Int32Array(n),
  };
  const arm = new Int32Array(n);
  const correct = new Uint8Array(n);
  const intern = (m: Map<string, number>, key: string): number => {
    let v = m.get(key);
    if (v === undefined) {
      v = m.size;
      m.set(key, v);
    }
    return v;
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    let a = armIndex.get(r.arm);
    if (a === undefined) {
      a = arms.length;
      armIndex.set(r.arm, a);
      arms.push(r.arm);
    }
    if (armProtocol[a] === undefined) armProtocol[a] = r.protocol;
    else if (armProtocol[a] !== r.protocol) {
      throw new Error(
        `arm '${r.arm}' mixes protocols '${armProtocol[a]}' and '${r.protocol}' (row ${i}); give each arm one protocol`,
      );
    }
    arm[i] = a;
    cluster.judge[i] = intern(maps.judge, r.judgeId);
    cluster.question[i] = intern(maps.question, r.questionId);
    cluster.story[i] = intern(maps.story, r.storyId);
    correct[i] = r.correct ? 1 : 0;
  }
  // arms listed in armOrder but absent from the data are dropped
  const present = arms.map((_, i) => armProtocol[i] !== undefined);
  if (present.some((p) => !p)) {
    const remap = new Int32Array(arms.length).fill(-1);
    const keptArms: string[] = [];
    const keptProtocols: Protocol[] = [];
    arms.forEach((name, i) => {
      if (present[i]) {
        remap[i] = keptArms.length;
        keptArms.push(name);
        keptProtocols.push(armProtocol[i]!);
      }
    });
    for (let i = 0; i < n; i++) arm[i] = remap[arm[i]!]!;
    return {
      n,
      arms: keptArms,
      armProtocol: keptProtocols,
      arm,
      cluster,
      clusterCount: { judge: maps.judge.size, question: maps.question.size, story: maps.story.size },
      correct,
    };
  }
  return {
    n,
    arms,
    armProtocol,
    arm,
    cluster,
    clusterCount: { judge: maps.judge.size, question: maps.question.size, story: maps.story.size },
    correct,
  };
}

/** Per-cluster counts of `success` over the given rows, clusters with no rows dropped. */
function countsFor(
  rowsIdx: Int32Array,
  clusterOf: Int32Array,
  clusterCount: number,
  success: (i: number) => boolean,
): { dense: { s: Float64Array; n: Float64Array }; counts: ClusterCounts } {
  const s = new Float64Array(clusterCount);
  const n = new Float64Array(clusterCount);
  for (let k = 0; k < rowsIdx.length; k++) {
    const i = rowsIdx[k]!;
    const c = clusterOf[i]!;
    n[c]!++;
    if (success(i)) s[c]!++;
  }
  return { dense: { s, n }, counts: compress(s, n) };
}

function compress(s: Float64Array, n: Float64Array): ClusterCounts {
  let g = 0;
  for (let c = 0; c < n.length; c++) if (n[c]! > 0) g++;
  const out: ClusterCounts = {
    clusters: new Array<string>(g),
    successes: new Float64Array(g),
    trials: new Float64Array(g),
  };
  let k = 0;
  for (let c = 0; c < n.length; c++) {
    if (n[c]! > 0) {
      out.clusters[k] = String(c);
      out.successes[k] = s[c]!;
      out.trials[k] = n[c]!;
      k++;
    }
  }
  return out;
}

function pairDense(
  a: { s: Float64Array; n: Float64Array },
  b: { s: Float64Array; n: Float64Array },
): PairedClusterCounts {
  let g = 0;
  for (let c = 0; c < a.n.length; c++) if (a.n[c]! > 0 || b.n[c]! > 0) g++;
  const out: PairedClusterCounts = {
    clusters: new Array<string>(g),
    successes1: new Float64Array(g),
    trials1: new Float64Array(g),
    successes2: new Float64Array(g),
    trials2: new Float64Array(g),
  };
  let k = 0;
  for (let c = 0; c < a.n.length; c++) {
    if (a.n[c]! > 0 || b.n[c]! > 0) {
      out.clusters[k] = String(c);
      out.successes1[k] = a.s[c]!;
      out.trials1[k] = a.n[c]!;
      out.successes2[k] = b.s[c]!;
      out.trials2[k] = b.n[c]!;
      k++;
    }
  }
  return out;
}

function bootstrapSummary(cluster: ClusterKind, r: BootstrapResult): BootstrapSummary {
  return {
    cluster,
    clusters: r.clusters,
    interval: interval(r.interval),
    standardError: finiteOrNull(r.standardError),
    resamples: r.resamples,
    undefinedResamples: r.undefinedResamples,
  };
}

function seedFor(base: number, label: string): number {
  return (hashString(label) ^ Math.imul(base >>> 0, 0x9e3779b1)) >>> 0;
}

function labelOf(arm: string, induction: string | null | undefined): string {
  return induction === undefined ? arm : `${arm} [${induction ?? 'no induction'}]`;
}

/** Analyse an experiment: per-arm rates, honesty splits, pairwise comparisons, calibration, ratings. */
export function analyzeExperiment(
  rows: readonly JudgmentRow[],
  options: AnalysisOptions = {},
): AnalysisReport {
  const level = options.level ?? 0.95;
  const alpha = options.alpha ?? 0.05;
  const resamples = options.bootstrapResamples ?? 2000;
  const seed = options.seed ?? 1;
  const kinds = options.bootstrapClusters ?? ['judge', 'question'];
  const useGlmm = options.glmm ?? true;
  const quadraturePoints = options.quadraturePoints ?? 25;
  const bins = options.calibrationBins ?? 10;
  validate(rows);
  const cols = buildColumns(rows, options.armOrder ?? []);
  const notes: string[] = [];
  const A = cols.arms.length;

  // row indices per arm
  const armRows: Int32Array[] = [];
  {
    const counts = new Int32Array(A);
    for (let i = 0; i < cols.n; i++) counts[cols.arm[i]!]!++;
    for (let a = 0; a < A; a++) armRows.push(new Int32Array(counts[a]!));
    const fill = new Int32Array(A);
    for (let i = 0; i < cols.n; i++) {
      const a = cols.arm[i]!;
      armRows[a]![fill[a]!++] = i;
    }
  }
  const won = (i: number): boolean => cols.correct[i] === 1;

  // GLMM: one coefficient per arm, random intercept per judge
  let glmmFit: GlmmFit | null = null;
  if (useGlmm && A > 0) {
    const cells: { cluster: string; arm: string; successes: number; trials: number }[] = [];
    for (let a = 0; a < A; a++) {
      const { counts } = countsFor(armRows[a]!, cols.cluster.judge, cols.clusterCount.judge, won);
      counts.clusters.forEach((c, k) => {
        cells.push({
          cluster: c,
          arm: cols.arms[a]!,
          successes: counts.successes[k]!,
          trials: counts.trials[k]!,
        });
      });
    }
    glmmFit = fitArmGlmm(cells, cols.arms, { quadraturePoints });
    if (glmmFit.singular) {
      notes.push(
        'The judge random-intercept GLMM is singular (estimated judge SD = 0): judges did not differ detectably, so GLMM p-values equal those of ordinary logistic regression.',
      );
    }
    if (!glmmFit.converged)
      notes.push('The judge random-intercept GLMM did not converge; treat its p-values with caution.');
  }

  const denseByArm: Record<ClusterKind, { s: Float64Array; n: Float64Array }[]> = {
    judge: [],
    question: [],
    story: [],
  };

  const summarise = (
    armIdx: number,
    rowsIdx: Int32Array,
    induction: string | null | undefined,
    keepDense: boolean,
  ): ArmSummary => {
    const arm = cols.arms[armIdx]!;
    const protocol = cols.armProtocol[armIdx]!;
    const label = labelOf(arm, induction);
    const n = rowsIdx.length;
    let wins = 0;
    let reward = 0;
    let roundsSum = 0;
    const probs = new Float64Array(n);
    const beliefSum: number[] = [];
    const beliefSq: number[] = [];
    const beliefN: number[] = [];
    for (let k = 0; k < n; k++) {
      const i = rowsIdx[k]!;
      const r = rows[i]!;
      wins += cols.correct[i]!;
      reward += r.reward;
      roundsSum += r.rounds;
      probs[k] = r.probCorrect;
      const b = r.beliefs;
      for (let t = 0; t < b.length; t++) {
        const v = b[t]!;
        if (beliefN[t] === undefined) {
          beliefN[t] = 0;
          beliefSum[t] = 0;
          beliefSq[t] = 0;
        }
        beliefN[t]!++;
        beliefSum[t]! += v;
        beliefSq[t]! += v * v;
      }
    }
    const zc = normalQuantile(1 - (1 - level) / 2);
    const beliefByTurn: BeliefPoint[] = beliefN.map((m, t) => {
      const mean = beliefSum[t]! / m;
      const variance = m > 1 ? Math.max(0, (beliefSq[t]! - m * mean * mean) / (m - 1)) : 0;
      const half = m > 1 ? zc * Math.sqrt(variance / m) : 0;
      return { turn: t + 1, n: m, mean, lower: mean - half, upper: mean + half };
    });
    const bootstrap: BootstrapSummary[] = [];
    let robust: ArmSummary['clusterRobust'] = null;
    const judgesSet = countsFor(rowsIdx, cols.cluster.judge, cols.clusterCount.judge, won);
    const questions = countsFor(rowsIdx, cols.cluster.question, cols.clusterCount.question, won);
    const stories = countsFor(rowsIdx, cols.cluster.story, cols.clusterCount.story, won);
    const byKind: Record<ClusterKind, ReturnType<typeof countsFor>> = {
      judge: judgesSet,
      question: questions,
      story: stories,
    };
    if (keepDense)
      for (const kind of ['judge', 'question', 'story'] as const)
        denseByArm[kind][armIdx] = byKind[kind].dense;
    if (n > 0) {
      for (const kind of kinds) {
        const r = clusterBootstrapRate(byKind[kind].counts, {
          resamples,
          level,
          seed: seedFor(seed, `rate:${label}:${kind}`),
        });
        bootstrap.push(bootstrapSummary(kind, r));
      }
      const cr = clusterRobustRate(judgesSet.counts, 0.5, level);
      robust = {
        standardError: finiteOrNull(cr.standardError),
        z: finiteOrNull(cr.z),
        pValueGreater: finiteOrNull(cr.pValueGreater),
      };
    }
    let glmm: ArmSummary['glmm'] = null;
    if (glmmFit && induction === undefined) {
      const c = glmmFit.coefficients[armIdx]!;
      glmm = {
        logit: c.estimate,
        standardError: c.standardError,
        typicalJudgeRate: 1 / (1 + Math.exp(-c.estimate)),
        pValueGreater: normalSf(c.z),
      };
    }
    return {
      arm,
      protocol,
      induction: induction ?? null,
      label,
      n,
      wins,
      rate: n > 0 ? wins / n : null,
      wilson: n > 0 ? interval(wilsonInterval(wins, n, level)) : interval(null),
      clopperPearson: n > 0 ? interval(clopperPearsonInterval(wins, n, level)) : interval(null),
      binomialPValue: n > 0 ? binomialTest(wins, n, 0.5, 'greater').pValue : null,
      bootstrap,
      clusterRobust: robust,
      glmm,
      judges: judgesSet.counts.clusters.length,
      questions: questions.counts.clusters.length,
      stories: stories.counts.clusters.length,
      meanReward: n > 0 ? reward / n : null,
      meanRounds: n > 0 ? roundsSum / n : null,
      calibration: judgeCalibration(probs, bins),
      beliefByTurn,
    };
  };

  const arms = cols.arms.map((_, a) => summarise(a, armRows[a]!, undefined, true));

  // split by induction when an arm has more than one induction value
  const byInduction: ArmSummary[] = [];
  for (let a = 0; a < A; a++) {
    const groups = new Map<string | null, number[]>();
    for (const i of armRows[a]!) {
      const key = rows[i]!.induction;
      let g = groups.get(key);
      if (!g) {
        g = [];
        groups.set(key, g);
      }
      g.push(i);
    }
    if (groups.size > 1) {
      for (const [key, idx] of groups) byInduction.push(summarise(a, Int32Array.from(idx), key, false));
    }
  }

  // honest vs dishonest single arguers
  const honesty: HonestySplit[] = [];
  for (let a = 0; a < A; a++) {
    if (!isSingleArguerProtocol(cols.armProtocol[a]!)) continue;
    const honestIdx: number[] = [];
    const dishonestIdx: number[] = [];
    for (const i of armRows[a]!) {
      const h = rows[i]!.arguerHonest;
      if (h === true) honestIdx.push(i);
      else if (h === false) dishonestIdx.push(i);
    }
    if (honestIdx.length + dishonestIdx.length === 0) continue;
    const accepted = (i: number): boolean =>
      rows[i]!.arguerHonest ? cols.correct[i] === 1 : cols.correct[i] === 0;
    const group = (idx: number[]): HonestyGroup => {
      const n = idx.length;
      let correct = 0;
      let acc = 0;
      for (const i of idx) {
        correct += cols.correct[i]!;
        if (accepted(i)) acc++;
      }
      return {
        n,
        correct,
        accuracy: n > 0 ? correct / n : null,
        accepted: acc,
        acceptance: n > 0 ? acc / n : null,
        acceptanceWilson: n > 0 ? interval(wilsonInterval(acc, n, level)) : interval(null),
      };
    };
    const honest = group(honestIdx);
    const dishonest = group(dishonestIdx);
    let gap: HonestySplit['gap'] = {
      estimate: null,
      newcombe: interval(null),
      z: null,
      chiSquare: null,
      pValue: null,
      bootstrap: null,
      clusterRobustPValue: null,
    };
    if (honest.n > 0 && dishonest.n > 0) {
      const t = twoProportionTest(honest.accepted, honest.n, dishonest.accepted, dishonest.n, { level });
      const hj = countsFor(Int32Array.from(honestIdx), cols.cluster.judge, cols.clusterCount.judge, accepted);
      const dj = countsFor(
        Int32Array.from(dishonestIdx),
        cols.cluster.judge,
        cols.clusterCount.judge,
        accepted,
      );
      const paired = pairDense(hj.dense, dj.dense);
      const boot = clusterBootstrapDifference(paired, {
        resamples,
        level,
        seed: seedFor(seed, `gap:${cols.arms[a]}`),
      });
      const cr = clusterRobustDifference(paired, level);
      gap = {
        estimate: t.difference,
        newcombe: interval(
          newcombeInterval(honest.accepted, honest.n, dishonest.accepted, dishonest.n, level),
        ),
        z: t.z,
        chiSquare: t.chiSquare,
        pValue: t.pValue,
        bootstrap: bootstrapSummary('judge', boot),
        clusterRobustPValue: finiteOrNull(cr.pValue),
      };
    }
    honesty.push({ arm: cols.arms[a]!, protocol: cols.armProtocol[a]!, honest, dishonest, gap });
  }

  // pairwise comparisons
  const comparisons: ArmComparison[] = [];
  for (let a = 0; a < A; a++) {
    for (let b = a + 1; b < A; b++) {
      const s1 = arms[a]!;
      const s2 = arms[b]!;
      if (s1.n === 0 || s2.n === 0) continue;
      const x1 = s1.wins;
      const x2 = s2.wins;
      const t = twoProportionTest(x1, s1.n, x2, s2.n, { level });
      const tc = twoProportionTest(x1, s1.n, x2, s2.n, { level, continuityCorrection: true });
      const f = fisherExactTest({ a: x1, b: s1.n - x1, c: x2, d: s2.n - x2 }, 'two-sided', level);
      const bootstrap = kinds.map((kind) => {
        const paired = pairDense(denseByArm[kind][a]!, denseByArm[kind][b]!);
        const r = clusterBootstrapDifference(paired, {
          resamples,
          level,
          seed: seedFor(seed, `diff:${s1.arm}:${s2.arm}:${kind}`),
        });
        return bootstrapSummary(kind, r);
      });
      const cr = clusterRobustDifference(pairDense(denseByArm.judge[a]!, denseByArm.judge[b]!), level);
      const g = glmmFit ? glmmContrast(glmmFit, a, b) : null;
      comparisons.push({
        arm1: s1.arm,
        arm2: s2.arm,
        rate1: s1.rate,
        rate2: s2.rate,
        difference: t.difference,
        propTest: {
          chiSquare: t.chiSquare,
          z: t.z,
          pValue: t.pValue,
          interval: interval(t.confidenceInterval),
        },
        propTestCorrected: {
          chiSquare: tc.chiSquare,
          z: tc.z,
          pValue: tc.pValue,
          interval: interval(tc.confidenceInterval),
        },
        fisher: { pValue: f.pValue, oddsRatio: finiteOrNull(f.oddsRatio) },
        newcombe: interval(newcombeInterval(x1, s1.n, x2, s2.n, level)),
        bootstrap,
        clusterRobust: {
          standardError: finiteOrNull(cr.standardError),
          z: finiteOrNull(cr.z),
          pValue: finiteOrNull(cr.pValue),
        },
        glmm: g
          ? { logOddsRatio: g.estimate, standardError: g.standardError, z: g.z, pValue: g.pValue }
          : null,
        holm: { propTest: Number.NaN, clusterRobust: null, glmm: null },
      });
    }
  }
  const holmZ = holmAdjust(comparisons.map((c) => c.propTest.pValue));
  const holmCr = holmAdjust(comparisons.map((c) => c.clusterRobust.pValue ?? Number.NaN));
  const holmG = holmAdjust(comparisons.map((c) => c.glmm?.pValue ?? Number.NaN));
  comparisons.forEach((c, i) => {
    c.holm = { propTest: holmZ[i]!, clusterRobust: finiteOrNull(holmCr[i]!), glmm: finiteOrNull(holmG[i]!) };
  });

  const ratings = arguerRatings(rows);
  const report: AnalysisReport = {
    generator: '@oversight/stats analyzeExperiment',
    options: {
      level,
      alpha,
      bootstrapResamples: resamples,
      seed,
      bootstrapClusters: kinds,
      glmm: useGlmm,
      quadraturePoints,
      calibrationBins: bins,
      armOrder: cols.arms,
    },
    totals: {
      judgments: cols.n,
      arms: A,
      judges: cols.clusterCount.judge,
      questions: cols.clusterCount.question,
      stories: cols.clusterCount.story,
    },
    arms,
    byInduction,
    honesty,
    comparisons,
    glmm: glmmFit
      ? {
          formula: 'cbind(wins, losses) ~ 0 + arm + (1 | judge)',
          randomInterceptSd: glmmFit.randomInterceptSd,
          singular: glmmFit.singular,
          converged: glmmFit.converged,
          logLik: glmmFit.logLik,
          quadraturePoints: glmmFit.quadraturePoints,
          clusters: glmmFit.clusters,
        }
      : null,
    ratings,
    verdicts: [],
    notes,
  };
  report.verdicts = verdictSentences(report);
  return report;
}

function armSentence(s: ArmSummary, level: number): string {
  const lv = Math.round(level * 100);
  const count = `${s.wins} of ${s.n} judgments (${pct(s.rate)}%, ${lv}% CI ${pctInterval(s.wilson)}%)`;
  let core: string;
  if (isDebateProtocol(s.protocol)) core = `In ${s.label}, correct-answer debaters won ${count}`;
  else if (s.protocol === 'consultancy' || s.protocol === 'sandwiching')
    core = `In ${s.label}, judges chose the correct answer in ${count}`;
  else if (s.protocol === 'judge-alone') core = `In ${s.label}, judges alone were correct in ${count}`;
  else core = `In ${s.label}, judges with the source text were correct in ${count}`;
  let sentence = `${core}; exact one-sided binomial p ${pValueText(s.binomialPValue)}`;
  const judgeBoot = s.bootstrap.find((b) => b.cluster === 'judge');
  if (judgeBoot) sentence += `; judge-clustered bootstrap ${lv}% CI ${pctInterval(judgeBoot.interval)}%`;
  return `${sentence}.`;
}

function honestySentence(h: HonestySplit, level: number): string {
  const lv = Math.round(level * 100);
  const noun = h.protocol === 'sandwiching' ? 'assistants' : 'consultants';
  let s = `In ${h.arm}, judges accepted honest ${noun}' answers in ${pct(h.honest.acceptance)}% (${h.honest.accepted} of ${h.honest.n}) and dishonest ${noun}' answers in ${pct(h.dishonest.acceptance)}% (${h.dishonest.accepted} of ${h.dishonest.n})`;
  if (h.gap.estimate !== null) {
    s += `: a gap of ${pct(h.gap.estimate)} points (${lv}% CI ${pctInterval(h.gap.newcombe)}); z = ${fixed(h.gap.z)}, p ${pValueText(h.gap.pValue)}`;
    if (h.gap.bootstrap)
      s += `; judge-clustered bootstrap ${lv}% CI ${pctInterval(h.gap.bootstrap.interval)}`;
  }
  return `${s}.`;
}

function comparisonSentence(c: ArmComparison, alpha: number, level: number, many: boolean): string {
  const lv = Math.round(level * 100);
  const firstHigher = (c.difference ?? 0) >= 0;
  const hi = firstHigher ? c.arm1 : c.arm2;
  const lo = firstHigher ? c.arm2 : c.arm1;
  const rHi = firstHigher ? c.rate1 : c.rate2;
  const rLo = firstHigher ? c.rate2 : c.rate1;
  const flip = (i: ReportInterval): ReportInterval =>
    firstHigher
      ? i
      : { lower: i.upper === null ? null : -i.upper, upper: i.lower === null ? null : -i.lower };
  const d = Math.abs(c.difference ?? Number.NaN);
  const toInterval = (i: ReportInterval) =>
    i.lower === null || i.upper === null ? null : { lower: i.lower, upper: i.upper };
  const significant = c.propTest.pValue < alpha;
  const head = significant ? `${capitalise(hi)} beat ${lo}` : `${capitalise(hi)} vs ${lo}`;
  let s = `${head}: ${pct(rHi)}% vs ${pct(rLo)}% (difference ${pct(d)} points, ${lv}% CI ${pctInterval(toInterval(flip(c.newcombe)))}); two-proportion z = ${fixed(Math.abs(c.propTest.z))}, p ${pValueText(c.propTest.pValue)}`;
  if (many) s += ` (Holm-adjusted p ${pValueText(c.holm.propTest)})`;
  if (!significant) s += `, not significant at α = ${alpha}`;
  const judgeBoot = c.bootstrap.find((b) => b.cluster === 'judge');
  if (judgeBoot) {
    const ci = toInterval(flip(judgeBoot.interval));
    s += `; judge-clustered bootstrap ${lv}% CI ${pctInterval(ci)}`;
    if (significant && ci && ci.lower <= 0)
      s += ', which includes zero, so the difference is not robust to clustering by judge';
  }
  if (c.glmm) s += `; judge random-intercept GLMM p ${pValueText(c.glmm.pValue)}`;
  return `${s}.`;
}

export interface VerdictGroups {
  arms: string[];
  induction: string[];
  honesty: string[];
  comparisons: string[];
}

/** The verdict sentences grouped by section. */
export function verdictGroups(report: AnalysisReport): VerdictGroups {
  const { level, alpha } = report.options;
  const many = report.comparisons.length > 1;
  return {
    arms: report.arms.filter((s) => s.n > 0).map((s) => armSentence(s, level)),
    induction: report.byInduction.filter((s) => s.n > 0).map((s) => armSentence(s, level)),
    honesty: report.honesty.map((h) => honestySentence(h, level)),
    comparisons: report.comparisons.map((c) => comparisonSentence(c, alpha, level, many)),
  };
}

/** The plain-language verdicts of a report (also stored in report.verdicts). */
export function verdictSentences(report: AnalysisReport): string[] {
  const g = verdictGroups(report);
  return [...g.arms, ...g.induction, ...g.honesty, ...g.comparisons];
}
