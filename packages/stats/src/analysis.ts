/**
 * analyzeExperiment: every statistic of an oversight experiment, from judgment rows to one plain
 * JSON report (numbers that cannot be represented — NaN, ±∞ — are null).
 *
 * The work is organised for a million rows: one pass turns rows into integer columns (arm, judge,
 * question, story), per-cluster counts are built per group, and every clustered method (bootstrap,
 * sandwich, GLMM) then runs on counts.
 */

import {
  type AgreementSummary,
  agreementSummaryOf,
  type PairedComparison,
  pairedComparisonOf,
} from './agreement-summary.ts';
import {
  type AnytimeSummary,
  type ArmAnytime,
  armAnytime,
  differenceAnytimeFromCounts,
} from './anytime-summary.ts';
import {
  type BootstrapOptions,
  type BootstrapResult,
  type ClusterCounts,
  clusterBootstrapDifference,
  clusterBootstrapRate,
  type PairedClusterCounts,
} from './bootstrap.ts';
import {
  type BootstrapSummary,
  bootstrapSummary,
  type ClusterKind,
  refusedBootstrap,
} from './bootstrap-summary.ts';
import { type CalibrationResult, eceBootstrap, judgeCalibration } from './calibration.ts';
import { type ClusterRobustResult, clusterRobustDifference, clusterRobustRate } from './cluster-robust.ts';
import { normalQuantile } from './distributions.ts';
import { FEW_CLUSTERS_NOTE, tooFewClusters } from './estimability.ts';
import { fisherExactTest } from './fisher.ts';
import { finiteOrNull } from './format.ts';
import {
  arguerNoun,
  isSingleArguerProtocol,
  type JudgmentRow,
  PROTOCOLS,
  type Protocol,
} from './judgment.ts';
import { isJudgmentTable, type JudgmentTable, judgmentTable } from './judgment-table.ts';
import { type JudgeStanding, judgeLeaderboardOf } from './leaderboard.ts';
import {
  fitMixedModels,
  type ModelArmEstimate,
  type ModelContrast,
  type ModelSummary,
} from './mixed-models.ts';
import { settledForVerdict } from './monte-carlo.ts';
import { type ParticipantSummary, participantsHeadline, participantsOf } from './participants.ts';
import { fixedNComparisonTest } from './power-simulation.ts';
import {
  binomialTest,
  clopperPearsonInterval,
  holmAdjust,
  newcombeInterval,
  twoProportionTest,
  wilsonInterval,
} from './proportions.ts';
import { type ArguerRating, arguerRatingsOf } from './ratings.ts';
import type { ReportInterval } from './report-types.ts';
import { hashString } from './rng.ts';
import { byContinuesOf, type ContinuesPoint, type InformationSummary, informationOf } from './rounds.ts';
import { type GroupCounts, type SandwichingMeasure, sandwichingMeasure } from './sandwiching.ts';
import { verdictSentences } from './verdicts.ts';

export type { BootstrapSummary, ClusterKind, ModelArmEstimate, ModelContrast, ModelSummary, ReportInterval };

export interface AnalysisOptions {
  /** Confidence level of every interval. Default 0.95. */
  level?: number;
  /** Significance level used in the verdict sentences. Default 0.05. */
  alpha?: number;
  /** Cluster-bootstrap resamples drawn at least (more when the Monte Carlo error asks). Default 2000. */
  bootstrapResamples?: number;
  /**
   * At most this many resamples per interval. Default 200,000: the NYU comparison's judge-clustered
   * end settles at 64,000 (expanded interval); an end still within Monte Carlo error of its
   * reference after that is reported as such.
   */
  bootstrapMaxResamples?: number;
  /** At most this many cluster draws per interval (resamples × clusters). Default 4e7. */
  bootstrapMaxDraws?: number;
  /** Target Monte Carlo standard error of every interval end. Default 0.001 (0.1 points). */
  bootstrapMcse?: number;
  /** Seed of every bootstrap (each analysis derives its own stream from it). Default 1. */
  seed?: number;
  /** Which clusterings get a bootstrap interval. Default ['judge', 'question']. */
  bootstrapClusters?: ClusterKind[];
  /** Fit the judge random-intercept GLMM. Default true. */
  glmm?: boolean;
  /**
   * Which arms the judge GLMM of a comparison is fitted on: 'all' (one model over every arm, the
   * default: the judge SD is estimated from all judgments) or 'pairwise' (one model per pair).
   */
  glmmArms?: 'all' | 'pairwise';
  /** Gauss-Hermite points for the GLMM. Default 25. */
  quadraturePoints?: number;
  /** Fit the crossed judge + question random-intercept model where affordable. Default true. */
  crossedGlmm?: boolean;
  /** Skip the crossed model when one likelihood evaluation would cost more (crossedGlmmCost). Default 3e6. */
  crossedGlmmMaxCost?: number;
  /** Reliability-diagram bins. Default 10. */
  calibrationBins?: number;
  /** Sandwiching baseline arm (judges alone); default: the only judge-alone arm, if there is one. */
  sandwichingBaseline?: string;
  /** Order of arms in the report; unlisted arms follow in order of first appearance. */
  armOrder?: string[];
  /** Anytime-valid confidence sequences per arm and comparison (anytime.ts). Default true. */
  anytime?: boolean;
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
  /** Who judged and argued: simulated, models (which) or people. */
  participants: ParticipantSummary;
  n: number;
  /** Judgments won by the correct answer (rows with `correct`). */
  wins: number;
  rate: number | null;
  wilson: ReportInterval;
  clopperPearson: ReportInterval;
  /** Exact one-sided binomial p-value for rate > 0.5. */
  binomialPValue: number | null;
  bootstrap: BootstrapSummary[];
  /** Judge-clustered sandwich test of rate > 0.5 (t with judges − 1 df), or why not. */
  clusterRobust: ClusterRobustSummary & { pValueGreater: number | null };
  /**
   * Judge random-intercept GLMM (model `model` of report.models): logit win rate of a typical
   * judge, one-sided p for > 0.5, or why not (`notEstimable`); null when GLMMs are turned off.
   */
  glmm: ModelArmEstimate | null;
  judges: number;
  questions: number;
  stories: number;
  meanReward: number | null;
  meanRounds: number | null;
  /** Confidence-binned calibration, with a judge-clustered bootstrap interval of the ECE. */
  calibration: CalibrationResult & { eceBootstrap: BootstrapSummary | null };
  beliefByTurn: BeliefPoint[];
  /** Accuracy and reward by the number of rounds the judge chose to continue. */
  byContinues: ContinuesPoint[];
  /** Bits of information about the correct answer gained per judge turn. */
  information: InformationSummary;
  /**
   * The anytime-valid confidence sequence (at level 1 − alpha) and always-valid p-value for 50%,
   * valid however often the study was looked at; with its path over the judgments. Null for the
   * by-induction rows and when turned off.
   */
  anytime: ArmAnytime | null;
}

/** A cluster-robust test as the report stores it; `notEstimable` says why its numbers are null. */
export interface ClusterRobustSummary {
  standardError: number | null;
  z: number | null;
  /** Degrees of freedom of the t reference (clusters − 1). */
  df: number | null;
  notEstimable: string | null;
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
    /** Why there is no judge-robust p-value (too few judges, no variation); null when there is one. */
    clusterRobustNotEstimable: string | null;
  };
}

export interface ArmComparison {
  arm1: string;
  arm2: string;
  /** Judgments and wins in each arm. */
  n1: number;
  wins1: number;
  n2: number;
  wins2: number;
  rate1: number | null;
  rate2: number | null;
  /** rate1 − rate2. */
  difference: number | null;
  propTest: { chiSquare: number; z: number; pValue: number; interval: ReportInterval };
  propTestCorrected: { chiSquare: number; z: number; pValue: number; interval: ReportInterval };
  fisher: { pValue: number; oddsRatio: number | null };
  newcombe: ReportInterval;
  bootstrap: BootstrapSummary[];
  clusterRobust: ClusterRobustSummary & { pValue: number | null };
  /** Contrast in the judge random-intercept model (which one: `model`), or why not; null when GLMMs are off. */
  glmm: ModelContrast | null;
  /** Contrast in the crossed judge + question model, or why not; null when that model is turned off. */
  crossedGlmm: ModelContrast | null;
  /** Anytime-valid sequence for the difference (first − second); null when turned off. */
  anytime: AnytimeSummary | null;
  /**
   * The two arms on the transcripts both judged (rows with the same transcriptId): McNemar's test and
   * agreement. Null when they share none. When most judgments are paired, the verdict quotes McNemar.
   */
  paired: PairedComparison | null;
  /**
   * The test the verdict quotes, and why: McNemar's exact test when the arms judged the same
   * transcripts (at least PAIRED_SHARE of the smaller arm's judgments paired), else the z-test, or
   * Fisher's exact test where an expected count is below 5. `holm` adjusts it across comparisons.
   */
  quoted: { test: 'z' | 'fisher' | 'mcnemar'; pValue: number; holm: number; why: string };
  /** Holm-adjusted p-values across all arm comparisons, per test. */
  holm: {
    propTest: number;
    fisher: number;
    clusterRobust: number | null;
    glmm: number | null;
    crossedGlmm: number | null;
  };
}

export interface AnalysisReport {
  generator: string;
  options: Required<Omit<AnalysisOptions, 'armOrder' | 'sandwichingBaseline'>> & {
    armOrder: string[];
    sandwichingBaseline: string | null;
  };
  totals: { judgments: number; arms: number; judges: number; questions: number; stories: number };
  /** Which participants were simulated, models (which) or people, in plain words. */
  participants: { headline: string; anySimulated: boolean };
  arms: ArmSummary[];
  byInduction: ArmSummary[];
  honesty: HonestySplit[];
  /** Sandwiching's gap measure per sandwiching arm. */
  sandwiching: SandwichingMeasure[];
  comparisons: ArmComparison[];
  /** Every mixed model fitted; comparisons and arms name theirs by id. */
  models: ModelSummary[];
  ratings: ArguerRating[];
  /** Judges ranked by mean reward, with accuracy and calibration. */
  judges: JudgeStanding[];
  /** Agreement between judges of the same transcript (null when no transcript was judged twice). */
  agreement: AgreementSummary | null;
  verdicts: string[];
  notes: string[];
}

interface Columns {
  n: number;
  arms: string[];
  /** Arms named in armOrder that have no judgments (left out of the report, with a note). */
  emptyArms: string[];
  armProtocol: Protocol[];
  arm: Int32Array;
  cluster: Record<ClusterKind, Int32Array>;
  clusterCount: Record<ClusterKind, number>;
  correct: Uint8Array;
}

function interval(i: { lower: number; upper: number } | null | undefined): ReportInterval {
  return i ? { lower: finiteOrNull(i.lower), upper: finiteOrNull(i.upper) } : { lower: null, upper: null };
}

/**
 * Refuse judgments the analysis cannot read: an unknown protocol, a probability outside [0, 1] (the
 * first such row is named), then an arm with two protocols. `rows` (when the table was made from
 * them) only words the message with the row's own values.
 */
function validate(t: JudgmentTable, rows: readonly JudgmentRow[] | null): void {
  const known = t.protocolNames.map((p) => PROTOCOLS.includes(p as Protocol));
  for (let i = 0; i < t.n; i++) {
    const r = rows?.[i];
    const trial = r ? r.trialId : t.trialId[i];
    if (!known[t.protocol[i]!])
      throw new Error(
        `row ${i} (${trial}): unknown protocol '${r ? r.protocol : t.protocolNames[t.protocol[i]!]}'`,
      );
    const p = t.probCorrect[i]!;
    if (!(p >= 0 && p <= 1)) {
      throw new Error(`row ${i} (${trial}): probCorrect must be in [0, 1], got ${r ? r.probCorrect : p}`);
    }
  }
  // an arm is one protocol: the first row that says otherwise is named
  const first = t.armFirstProtocol.map((p) => t.protocolNames.indexOf(p));
  for (let i = 0; i < t.n; i++) {
    const a = t.arm[i]!;
    if (t.protocol[i] !== first[a])
      throw new Error(
        `arm '${t.armNames[a]}' mixes protocols '${t.armFirstProtocol[a]}' and '${t.protocolNames[t.protocol[i]!]}' (row ${i}); give each arm one protocol`,
      );
  }
}

/** Arms in the requested order, then the rest by protocol (debate first, baselines last), then first appearance. */
function orderArms(t: JudgmentTable, armOrder: readonly string[]): string[] {
  const rest = t.armNames
    .map((arm, index) => ({ arm, index, protocol: t.armFirstProtocol[index] as Protocol }))
    .filter(({ arm }) => !armOrder.includes(arm))
    .sort((a, b) => PROTOCOLS.indexOf(a.protocol) - PROTOCOLS.indexOf(b.protocol) || a.index - b.index)
    .map(({ arm }) => arm);
  return [...armOrder, ...rest];
}

function buildColumns(t: JudgmentTable, requestedOrder: readonly string[]): Columns {
  const n = t.n;
  const armOrder = orderArms(t, requestedOrder);
  const code = new Map(t.armNames.map((a, i) => [a, i]));
  const arms: string[] = [];
  const armProtocol: Protocol[] = [];
  const emptyArms: string[] = [];
  const seen = new Set<string>();
  // the table's arm codes (first appearance) → the report's order; arms listed but absent are dropped
  const remap = new Int32Array(t.armNames.length);
  for (const a of armOrder) {
    if (seen.has(a)) continue;
    seen.add(a);
    const c = code.get(a);
    if (c === undefined) {
      emptyArms.push(a);
      continue;
    }
    remap[c] = arms.length;
    arms.push(a);
    armProtocol.push(t.armFirstProtocol[c] as Protocol);
  }
  const arm = new Int32Array(n);
  for (let i = 0; i < n; i++) arm[i] = remap[t.arm[i]!]!;
  return {
    n,
    arms,
    emptyArms,
    armProtocol,
    arm,
    cluster: { judge: t.judge, question: t.question, story: t.story },
    clusterCount: {
      judge: t.judgeNames.length,
      question: t.questionNames.length,
      story: t.storyNames.length,
    },
    correct: t.correct,
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

function seedFor(base: number, label: string): number {
  return (hashString(label) ^ Math.imul(base >>> 0, 0x9e3779b1)) >>> 0;
}

function labelOf(arm: string, induction: string | null | undefined): string {
  return induction === undefined ? arm : `${arm} [${induction ?? 'no induction'}]`;
}

/**
 * A cluster bootstrap summary, or why there is none: too few clusters (not run), or clusters that do
 * not vary (every resample equal; bootstrapSummary says so).
 */
function clusterBootstrapOrWhyNot(
  kind: ClusterKind,
  clusters: number,
  reference: number,
  run: () => BootstrapResult,
  what?: string,
): BootstrapSummary {
  const few = tooFewClusters('bootstrap', kind, clusters);
  return few ? refusedBootstrap(kind, clusters, few) : bootstrapSummary(kind, run(), reference, what);
}

/**
 * Clusters behind a difference: those of the group with fewer. Each group's rate needs its own
 * clusters (an arm of one judgment drawn into a union of 19 judges made an interval that "excluded
 * zero"); the simulations behind the minimums had every judge in both groups.
 */
function pairedClusters(p: PairedClusterCounts): number {
  let g1 = 0;
  let g2 = 0;
  for (let i = 0; i < p.clusters.length; i++) {
    if (p.trials1[i]! > 0) g1++;
    if (p.trials2[i]! > 0) g2++;
  }
  return Math.min(g1, g2);
}

/** Why a judge-clustered sandwich test gives no p-value (too few judges, or a standard error of 0), or null. */
function robustWhyNot(r: ClusterRobustResult, what: string, clusters = r.clusters): string | null {
  const few = tooFewClusters('clusterRobust', 'judge', clusters);
  if (few) return few;
  if (!(r.standardError > 0))
    return `every judge's residual is 0 (the ${what} does not vary between judges): a standard error of 0 gives no test`;
  return null;
}

function robustSummary(r: ClusterRobustResult | null, why: string | null): ClusterRobustSummary {
  if (!r || why) return { standardError: null, z: null, df: r ? r.df : null, notEstimable: why };
  return { standardError: finiteOrNull(r.standardError), z: finiteOrNull(r.z), df: r.df, notEstimable: null };
}

/** Share of the smaller arm's judgments that must be paired for a comparison to be treated as paired. */
export const PAIRED_SHARE = 0.8;

/** The test a comparison's verdict quotes (see ArmComparison.quoted); its Holm adjustment is filled in later. */
function quotedFor(
  paired: PairedComparison | null,
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  zP: number,
  fisherP: number,
): ArmComparison['quoted'] {
  if (paired && paired.pairs >= PAIRED_SHARE * Math.min(n1, n2))
    return {
      test: 'mcnemar',
      pValue: paired.mcnemar.exactPValue,
      holm: Number.NaN,
      why: `the arms judged the same ${paired.pairs} transcripts, so their verdicts are paired, not independent`,
    };
  const t = fixedNComparisonTest(x1, n1, x2, n2);
  return t.name === 'fisher'
    ? {
        test: 'fisher',
        pValue: fisherP,
        holm: Number.NaN,
        why: `an expected count is ${t.smallestExpected.toFixed(1)}, below the 5 the z-test's normal approximation needs`,
      }
    : { test: 'z', pValue: zP, holm: Number.NaN, why: 'independent arms, expected counts of 5 or more' };
}

/** Analyse an experiment: per-arm rates, honesty splits, pairwise comparisons, calibration, ratings. */
export function analyzeExperiment(
  input: readonly JudgmentRow[] | JudgmentTable,
  options: AnalysisOptions = {},
): AnalysisReport {
  const level = options.level ?? 0.95;
  const alpha = options.alpha ?? 0.05;
  const resamples = options.bootstrapResamples ?? 2000;
  const maxResamples = options.bootstrapMaxResamples ?? 200_000;
  const maxDraws = options.bootstrapMaxDraws ?? 4e7;
  const mcseTarget = options.bootstrapMcse ?? 0.001;
  const seed = options.seed ?? 1;
  const kinds = options.bootstrapClusters ?? ['judge', 'question'];
  const useGlmm = options.glmm ?? true;
  const glmmArms = options.glmmArms ?? 'all';
  const quadraturePoints = options.quadraturePoints ?? 25;
  const useCrossed = options.crossedGlmm ?? true;
  const crossedMaxCost = options.crossedGlmmMaxCost ?? 3e6;
  const bins = options.calibrationBins ?? 10;
  const useAnytime = options.anytime ?? true;
  // Every per-judgment statistic reads the columns (judgment-table.ts), not the row objects.
  const rows = isJudgmentTable(input) ? null : input;
  const table = rows ? judgmentTable(rows) : (input as JudgmentTable);
  validate(table, rows);
  const cols = buildColumns(table, options.armOrder ?? []);
  const notes: string[] = cols.emptyArms.map(
    (arm) => `Arm ${arm} has no judgments yet: nothing is estimated for it, and it is in no comparison.`,
  );
  const A = cols.arms.length;
  /** Bootstrap options for an interval; those quoted in a verdict must also settle against `reference`. */
  const boot = (label: string, reference: number | null): BootstrapOptions => ({
    resamples,
    maxResamples,
    maxDraws,
    mcseTarget,
    level,
    seed: seedFor(seed, label),
    ...(reference !== null ? { settled: settledForVerdict(reference) } : {}),
  });

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

  // Mixed models. Each is listed in `models` with its formula and arms; contrasts name their model.
  const armWins = new Array<number>(A).fill(0);
  for (let i = 0; i < cols.n; i++) armWins[cols.arm[i]!]! += cols.correct[i]!;
  const mixed =
    useGlmm && A > 0
      ? fitMixedModels(
          {
            arms: cols.arms,
            wins: armWins,
            n: armRows.map((r) => r.length),
            arm: cols.arm,
            judge: cols.cluster.judge,
            question: cols.cluster.question,
            correct: cols.correct,
            judgeCount: cols.clusterCount.judge,
            questionCount: cols.clusterCount.question,
          },
          {
            scope: A > 1 ? glmmArms : 'all',
            quadraturePoints,
            crossed: useCrossed,
            crossedMaxCost: crossedMaxCost,
          },
        )
      : null;
  const models: ModelSummary[] = mixed?.models ?? [];
  if (mixed) notes.push(...mixed.notes);

  const allProbs = table.probCorrect;
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
    const { beliefs, beliefStart } = table;
    for (let k = 0; k < n; k++) {
      const i = rowsIdx[k]!;
      wins += cols.correct[i]!;
      reward += table.reward[i]!;
      roundsSum += table.rounds[i]!;
      probs[k] = table.probCorrect[i]!;
      const from = beliefStart[i]!;
      const turns = beliefStart[i + 1]! - from;
      for (let t = 0; t < turns; t++) {
        const v = beliefs[from + t]!;
        if (t >= beliefN.length) {
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
    let robust: ArmSummary['clusterRobust'] = {
      ...robustSummary(null, 'no judgments'),
      pValueGreater: null,
    };
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
    let eceInterval: BootstrapSummary | null = null;
    if (n > 0) {
      for (const kind of kinds) {
        // only the judge-clustered interval is quoted in the verdict sentences
        bootstrap.push(
          clusterBootstrapOrWhyNot(kind, byKind[kind].counts.clusters.length, 0.5, () =>
            clusterBootstrapRate(
              byKind[kind].counts,
              boot(`rate:${label}:${kind}`, kind === 'judge' ? 0.5 : null),
            ),
          ),
        );
      }
      const cr = clusterRobustRate(judgesSet.counts, 0.5, level);
      const why = robustWhyNot(cr, 'win rate');
      robust = { ...robustSummary(cr, why), pValueGreater: why ? null : finiteOrNull(cr.pValueGreater) };
      // the ECE interval starts from fewer resamples (see eceBootstrap); its Monte Carlo error still meets the target
      eceInterval = clusterBootstrapOrWhyNot(
        'judge',
        judgesSet.counts.clusters.length,
        0,
        () =>
          eceBootstrap(allProbs, rowsIdx, cols.cluster.judge, bins, {
            ...boot(`ece:${label}`, null),
            resamples: Math.min(400, resamples),
            // No verdict reads the ECE interval and each of its resamples sums 3 × bins numbers per
            // judge: 64 times the first 400 at most (it drew 819,200 on a 13-judgment arm).
            maxResamples: Math.min(25_600, maxResamples),
          }),
        'calibration error',
      );
    }
    const glmm: ArmSummary['glmm'] = mixed && induction === undefined ? mixed.armEstimate(armIdx) : null;
    return {
      arm,
      protocol,
      induction: induction ?? null,
      label,
      participants: participantsOf(table, rowsIdx, arguerNoun(protocol)),
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
      calibration: { ...judgeCalibration(probs, bins), eceBootstrap: eceInterval },
      beliefByTurn,
      byContinues: byContinuesOf(table, rowsIdx, level),
      information: informationOf(table, rowsIdx, level),
      anytime:
        useAnytime && induction === undefined && n > 0
          ? armAnytime(rowsIdx, cols.cluster.judge, cols.clusterCount.judge, won, alpha)
          : null,
    };
  };

  const arms = cols.arms.map((_, a) => summarise(a, armRows[a]!, undefined, true));

  // split by induction when an arm has more than one induction value
  const byInduction: ArmSummary[] = [];
  for (let a = 0; a < A; a++) {
    // groups in order of first appearance in the arm (codes are dense: counted, then filled)
    const idx = armRows[a]!;
    const size = new Int32Array(table.inductionNames.length);
    const order: number[] = [];
    for (let k = 0; k < idx.length; k++)
      if (size[table.induction[idx[k]!]!]!++ === 0) order.push(table.induction[idx[k]!]!);
    if (order.length > 1) {
      const groups = order.map((key) => new Int32Array(size[key]!));
      const slot = new Int32Array(size.length);
      order.forEach((key, g) => {
        slot[key] = g;
      });
      const fill = new Int32Array(order.length);
      for (let k = 0; k < idx.length; k++) {
        const g = slot[table.induction[idx[k]!]!]!;
        groups[g]![fill[g]!++] = idx[k]!;
      }
      order.forEach((key, g) => {
        byInduction.push(summarise(a, groups[g]!, table.inductionNames[key], false));
      });
    }
  }

  // honest vs dishonest single arguers, and sandwiching's measure against people working alone
  const honesty: HonestySplit[] = [];
  const sandwiching: SandwichingMeasure[] = [];
  const baselineArm =
    options.sandwichingBaseline ??
    (() => {
      const alone = cols.arms.filter((_, a) => cols.armProtocol[a] === 'judge-alone');
      return alone.length === 1 ? alone[0]! : null;
    })();
  if (baselineArm !== null && !cols.arms.includes(baselineArm))
    throw new Error(
      `sandwichingBaseline '${baselineArm}' is not an arm of these judgments; use one of ${cols.arms.join(', ')}`,
    );
  for (let a = 0; a < A; a++) {
    if (!isSingleArguerProtocol(cols.armProtocol[a]!)) continue;
    const rowsOfArm = armRows[a]!;
    let honestCount = 0;
    let dishonestCount = 0;
    for (const i of rowsOfArm) {
      const h = table.arguerHonest[i];
      if (h === 1) honestCount++;
      else if (h === 0) dishonestCount++;
    }
    const honestIdx = new Int32Array(honestCount);
    const dishonestIdx = new Int32Array(dishonestCount);
    honestCount = 0;
    dishonestCount = 0;
    for (const i of rowsOfArm) {
      const h = table.arguerHonest[i];
      if (h === 1) honestIdx[honestCount++] = i;
      else if (h === 0) dishonestIdx[dishonestCount++] = i;
    }
    if (honestIdx.length + dishonestIdx.length === 0) continue;
    const accepted = (i: number): boolean =>
      table.arguerHonest[i] === 1 ? cols.correct[i] === 1 : cols.correct[i] === 0;
    const group = (idx: Int32Array): HonestyGroup => {
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
      clusterRobustNotEstimable: null,
    };
    if (honest.n > 0 && dishonest.n > 0) {
      const t = twoProportionTest(honest.accepted, honest.n, dishonest.accepted, dishonest.n, { level });
      const hj = countsFor(honestIdx, cols.cluster.judge, cols.clusterCount.judge, accepted);
      const dj = countsFor(dishonestIdx, cols.cluster.judge, cols.clusterCount.judge, accepted);
      const paired = pairDense(hj.dense, dj.dense);
      const b = clusterBootstrapOrWhyNot('judge', pairedClusters(paired), 0, () =>
        clusterBootstrapDifference(paired, boot(`gap:${cols.arms[a]}`, 0)),
      );
      const cr = clusterRobustDifference(paired, level);
      const crWhy = robustWhyNot(cr, 'gap', pairedClusters(paired));
      gap = {
        estimate: t.difference,
        newcombe: interval(
          newcombeInterval(honest.accepted, honest.n, dishonest.accepted, dishonest.n, level),
        ),
        z: t.z,
        chiSquare: t.chiSquare,
        pValue: t.pValue,
        bootstrap: b,
        clusterRobustPValue: crWhy ? null : finiteOrNull(cr.pValue),
        clusterRobustNotEstimable: crWhy,
      };
      if (cols.armProtocol[a] === 'sandwiching') {
        const counts = (idx: Int32Array): GroupCounts => {
          const c = countsFor(idx, cols.cluster.judge, cols.clusterCount.judge, won);
          let correct = 0;
          for (const i of idx) correct += cols.correct[i]!;
          return { n: idx.length, correct, byJudge: c.dense };
        };
        const base = baselineArm !== null ? cols.arms.indexOf(baselineArm) : -1;
        sandwiching.push(
          sandwichingMeasure(
            cols.arms[a]!,
            counts(honestIdx),
            counts(dishonestIdx),
            base >= 0 && armRows[base]!.length > 0 ? { ...counts(armRows[base]!), arm: baselineArm! } : null,
            level,
            boot(`sandwiching:${cols.arms[a]}`, 0),
          ),
        );
      }
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
        return clusterBootstrapOrWhyNot(kind, pairedClusters(paired), 0, () =>
          clusterBootstrapDifference(
            paired,
            boot(`diff:${s1.arm}:${s2.arm}:${kind}`, kind === 'judge' ? 0 : null),
          ),
        );
      });
      const judgePairs = pairDense(denseByArm.judge[a]!, denseByArm.judge[b]!);
      const cr = clusterRobustDifference(judgePairs, level);
      const crWhy = robustWhyNot(cr, 'difference', pairedClusters(judgePairs));
      const paired = pairedComparisonOf(table, armRows[a]!, armRows[b]!, level);
      comparisons.push({
        arm1: s1.arm,
        arm2: s2.arm,
        n1: s1.n,
        wins1: s1.wins,
        n2: s2.n,
        wins2: s2.wins,
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
        clusterRobust: { ...robustSummary(cr, crWhy), pValue: crWhy ? null : finiteOrNull(cr.pValue) },
        glmm: mixed ? mixed.judgeContrast(a, b) : null,
        crossedGlmm: mixed ? mixed.crossedContrast(a, b) : null,
        // from the per-judge counts the arms already have (the same numbers differenceAnytime counts)
        anytime: useAnytime
          ? differenceAnytimeFromCounts(denseByArm.judge[a]!, denseByArm.judge[b]!, alpha)
          : null,
        paired,
        quoted: quotedFor(paired, x1, s1.n, x2, s2.n, t.pValue, f.pValue),
        holm: {
          propTest: Number.NaN,
          fisher: Number.NaN,
          clusterRobust: null,
          glmm: null,
          crossedGlmm: null,
        },
      });
    }
  }
  const holmOf = (get: (c: ArmComparison) => number | null | undefined) =>
    holmAdjust(comparisons.map((c) => get(c) ?? Number.NaN));
  const holmZ = holmOf((c) => c.propTest.pValue);
  const holmF = holmOf((c) => c.fisher.pValue);
  const holmCr = holmOf((c) => c.clusterRobust.pValue);
  const holmG = holmOf((c) => c.glmm?.pValue);
  const holmX = holmOf((c) => c.crossedGlmm?.pValue);
  const holmQ = holmOf((c) => c.quoted.pValue);
  comparisons.forEach((c, i) => {
    c.quoted.holm = holmQ[i]!;
    c.holm = {
      propTest: holmZ[i]!,
      fisher: holmF[i]!,
      clusterRobust: finiteOrNull(holmCr[i]!),
      glmm: finiteOrNull(holmG[i]!),
      crossedGlmm: finiteOrNull(holmX[i]!),
    };
  });
  for (const c of comparisons) {
    const judgeBoot = c.bootstrap.find((x) => x.cluster === 'judge');
    if (judgeBoot?.relation === 'unsettled')
      notes.push(
        `${c.arm1} − ${c.arm2}: an end of the judge-clustered bootstrap interval stays within Monte Carlo error of zero after ${judgeBoot.resamples.toLocaleString('en-US')} resamples; whether it excludes zero is left undecided.`,
      );
  }

  const ratings = arguerRatingsOf(table);
  const headline = participantsHeadline(arms);
  const report: AnalysisReport = {
    generator: '@oversight/stats analyzeExperiment',
    options: {
      level,
      alpha,
      bootstrapResamples: resamples,
      bootstrapMaxResamples: maxResamples,
      bootstrapMaxDraws: maxDraws,
      bootstrapMcse: mcseTarget,
      seed,
      bootstrapClusters: kinds,
      glmm: useGlmm,
      glmmArms,
      quadraturePoints,
      crossedGlmm: useCrossed,
      crossedGlmmMaxCost: crossedMaxCost,
      calibrationBins: bins,
      sandwichingBaseline: baselineArm,
      armOrder: cols.arms,
      anytime: useAnytime,
    },
    totals: {
      judgments: cols.n,
      arms: A,
      judges: cols.clusterCount.judge,
      questions: cols.clusterCount.question,
      stories: cols.clusterCount.story,
    },
    participants: { headline, anySimulated: arms.some((a) => a.participants.anySimulated) },
    arms,
    byInduction,
    honesty,
    sandwiching,
    comparisons,
    models,
    ratings,
    judges: judgeLeaderboardOf(table, { level }),
    agreement: agreementSummaryOf(table, level, (label) => boot(`agreement:${label}`, null)),
    verdicts: [],
    notes,
  };
  if (JSON.stringify([arms, comparisons, honesty, sandwiching]).includes('fewer than the'))
    notes.push(FEW_CLUSTERS_NOTE);
  report.verdicts = verdictSentences(report);
  return report;
}
