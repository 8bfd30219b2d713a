/**
 * analyzeExperiment: every statistic of an oversight experiment, from judgment rows to one plain
 * JSON report (numbers that cannot be represented — NaN, ±∞ — are null).
 *
 * The work is organised for a million rows: one pass turns rows into integer columns (arm, judge,
 * question, story), per-cluster counts are built per group, and every clustered method (bootstrap,
 * sandwich, GLMM) then runs on counts.
 */
import {
  type BootstrapOptions,
  type ClusterCounts,
  clusterBootstrapDifference,
  clusterBootstrapRate,
  type PairedClusterCounts,
} from './bootstrap.ts';
import { type BootstrapSummary, bootstrapSummary, type ClusterKind } from './bootstrap-summary.ts';
import { type CalibrationResult, eceBootstrap, judgeCalibration } from './calibration.ts';
import { clusterRobustDifference, clusterRobustRate } from './cluster-robust.ts';
import { normalQuantile, normalSf } from './distributions.ts';
import { fisherExactTest } from './fisher.ts';
import { finiteOrNull } from './format.ts';
import { fitArmGlmm, type GlmmFit, glmmContrast } from './glmm.ts';
import { crossedGlmmCostOfObservations, fitCrossedGlmm } from './glmm-crossed.ts';
import {
  arguerNoun,
  isSingleArguerProtocol,
  type JudgmentRow,
  PROTOCOLS,
  type Protocol,
} from './judgment.ts';
import { type JudgeStanding, judgeLeaderboard } from './leaderboard.ts';
import { settledForVerdict } from './monte-carlo.ts';
import { type ParticipantSummary, participantsHeadline, summariseParticipants } from './participants.ts';
import {
  binomialTest,
  clopperPearsonInterval,
  holmAdjust,
  newcombeInterval,
  twoProportionTest,
  wilsonInterval,
} from './proportions.ts';
import { type ArguerRating, arguerRatings } from './ratings.ts';
import type { ReportInterval } from './report-types.ts';
import { hashString } from './rng.ts';
import { byContinues, type ContinuesPoint, type InformationSummary, informationByTurn } from './rounds.ts';
import { type GroupCounts, type SandwichingMeasure, sandwichingMeasure } from './sandwiching.ts';
import { verdictSentences } from './verdicts.ts';

export type { BootstrapSummary, ClusterKind, ReportInterval };

export interface AnalysisOptions {
  /** Confidence level of every interval. Default 0.95. */
  level?: number;
  /** Significance level used in the verdict sentences. Default 0.05. */
  alpha?: number;
  /** Cluster-bootstrap resamples drawn at least (more when the Monte Carlo error asks). Default 2000. */
  bootstrapResamples?: number;
  /** At most this many resamples per interval. Default 1,000,000. */
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
  /** Judge-clustered sandwich test of rate > 0.5. */
  clusterRobust: { standardError: number | null; z: number | null; pValueGreater: number | null } | null;
  /** Judge random-intercept GLMM (model `model` of report.models): logit win rate of a typical judge, one-sided p for > 0.5. */
  glmm: {
    model: string;
    logit: number;
    standardError: number;
    typicalJudgeRate: number;
    pValueGreater: number;
  } | null;
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

export interface ModelContrast {
  /** Id of the model in report.models. */
  model: string;
  logOddsRatio: number;
  standardError: number;
  z: number;
  pValue: number;
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
  /** Contrast in the judge random-intercept model (which one: `model`). */
  glmm: ModelContrast | null;
  /** Contrast in the crossed judge + question random-intercept model, where it was fitted. */
  crossedGlmm: ModelContrast | null;
  /** Holm-adjusted p-values across all arm comparisons, per test. */
  holm: { propTest: number; clusterRobust: number | null; glmm: number | null; crossedGlmm: number | null };
}

/** A fitted mixed model, stated in full so that every p-value says which model it came from. */
export interface ModelSummary {
  id: string;
  formula: string;
  /** The arms whose judgments the model was fitted on. */
  arms: string[];
  method: string;
  randomEffects: { factor: 'judge' | 'question'; levels: number; sd: number }[];
  singular: boolean;
  converged: boolean;
  logLik: number;
  cells: number;
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

function seedFor(base: number, label: string): number {
  return (hashString(label) ^ Math.imul(base >>> 0, 0x9e3779b1)) >>> 0;
}

function labelOf(arm: string, induction: string | null | undefined): string {
  return induction === undefined ? arm : `${arm} [${induction ?? 'no induction'}]`;
}

interface ArmCells {
  cluster: string;
  arm: string;
  successes: number;
  trials: number;
}

/** Judge random-intercept models: one over all arms, or one per pair of arms ('pairwise'). */
function fitJudgeModels(
  cells: readonly ArmCells[],
  arms: readonly string[],
  scope: 'all' | 'pairwise',
  quadraturePoints: number,
): { id: string; arms: string[]; fit: GlmmFit }[] {
  const groups =
    scope === 'all' ? [arms.slice()] : arms.flatMap((a, i) => arms.slice(i + 1).map((b) => [a, b]));
  return groups
    .filter((g) => g.length > 0)
    .map((group) => ({
      id: scope === 'all' ? 'judge-all-arms' : `judge:${group.join('+')}`,
      arms: group,
      fit: fitArmGlmm(
        cells.filter((c) => group.includes(c.arm)),
        group,
        { quadraturePoints },
      ),
    }));
}

const judgeFormula = 'cbind(wins, losses) ~ 0 + arm + (1 | judge)';
const crossedFormula = 'cbind(wins, losses) ~ 0 + arm + (1 | judge) + (1 | question)';

/** Analyse an experiment: per-arm rates, honesty splits, pairwise comparisons, calibration, ratings. */
export function analyzeExperiment(
  rows: readonly JudgmentRow[],
  options: AnalysisOptions = {},
): AnalysisReport {
  const level = options.level ?? 0.95;
  const alpha = options.alpha ?? 0.05;
  const resamples = options.bootstrapResamples ?? 2000;
  const maxResamples = options.bootstrapMaxResamples ?? 1_000_000;
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
  validate(rows);
  const cols = buildColumns(rows, options.armOrder ?? []);
  const notes: string[] = [];
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
  const models: ModelSummary[] = [];
  let judgeModels: { id: string; arms: string[]; fit: GlmmFit }[] = [];
  if (useGlmm && A > 0) {
    const cells: ArmCells[] = [];
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
    judgeModels = fitJudgeModels(cells, cols.arms, A > 1 ? glmmArms : 'all', quadraturePoints);
    for (const m of judgeModels) {
      models.push({
        id: m.id,
        formula: judgeFormula,
        arms: m.arms,
        method: `maximum likelihood, ${m.fit.quadraturePoints}-point adaptive Gauss-Hermite quadrature`,
        randomEffects: [{ factor: 'judge', levels: m.fit.clusters, sd: m.fit.randomInterceptSd }],
        singular: m.fit.singular,
        converged: m.fit.converged,
        logLik: m.fit.logLik,
        cells: m.fit.cells,
      });
      if (m.fit.singular)
        notes.push(
          `The judge random-intercept model ${m.id} is singular (estimated judge SD = 0): judges did not differ detectably, so its p-values equal those of ordinary logistic regression.`,
        );
      if (!m.fit.converged)
        notes.push(
          `The judge random-intercept model ${m.id} did not converge; treat its p-values with caution.`,
        );
    }
  }
  let crossed: { fit: ReturnType<typeof fitCrossedGlmm> } | null = null;
  if (useGlmm && useCrossed && A > 0) {
    // Priced before any cell is made: with a million judgments the cells alone were some 300 MB, built
    // only to find the fit too costly.
    const cost = crossedGlmmCostOfObservations(cols.cluster.judge, cols.cluster.question, cols.arm);
    if (cols.clusterCount.judge < 2 || cols.clusterCount.question < 2) {
      notes.push(
        'The crossed judge + question model needs at least two judges and two questions; not fitted.',
      );
    } else if (cost > crossedMaxCost) {
      notes.push(
        `The crossed judge + question random-intercept model was not fitted: ${cols.clusterCount.judge} judges × ${cols.clusterCount.question} questions would cost ~${cost.toExponential(1)} operations per likelihood evaluation (limit crossedGlmmMaxCost = ${crossedMaxCost.toExponential(1)}); the question-clustered bootstrap covers question effects.`,
      );
    } else {
      const cellIndex = new Map<number, number>();
      const crossedCells: {
        judge: number;
        question: number;
        x: number[];
        successes: number;
        trials: number;
      }[] = [];
      for (let i = 0; i < cols.n; i++) {
        const key =
          (cols.cluster.judge[i]! * cols.clusterCount.question + cols.cluster.question[i]!) * A +
          cols.arm[i]!;
        let c = cellIndex.get(key);
        if (c === undefined) {
          c = crossedCells.length;
          cellIndex.set(key, c);
          const x = new Array<number>(A).fill(0);
          x[cols.arm[i]!] = 1;
          crossedCells.push({
            judge: cols.cluster.judge[i]!,
            question: cols.cluster.question[i]!,
            x,
            successes: 0,
            trials: 0,
          });
        }
        crossedCells[c]!.trials++;
        if (won(i)) crossedCells[c]!.successes++;
      }
      const fit = fitCrossedGlmm(crossedCells, cols.arms);
      crossed = { fit };
      models.push({
        id: 'crossed-all-arms',
        formula: crossedFormula,
        arms: cols.arms.slice(),
        method: 'maximum likelihood, Laplace approximation (lme4 nAGQ = 1)',
        randomEffects: [
          { factor: 'judge', levels: fit.judges, sd: fit.judgeSd },
          { factor: 'question', levels: fit.questions, sd: fit.questionSd },
        ],
        singular: fit.singular,
        converged: fit.converged,
        logLik: fit.logLik,
        cells: fit.cells,
      });
      if (fit.singular)
        notes.push(
          `The crossed judge + question model is singular (judge SD ${fit.judgeSd.toFixed(3)}, question SD ${fit.questionSd.toFixed(3)}): one source of variation was not detectable.`,
        );
    }
  }
  const armModel = judgeModels.find((m) => m.id === 'judge-all-arms') ?? null;

  const allProbs = Float64Array.from(rows, (r) => r.probCorrect);
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
    let eceInterval: BootstrapSummary | null = null;
    if (n > 0) {
      for (const kind of kinds) {
        // only the judge-clustered interval is quoted in the verdict sentences
        const r = clusterBootstrapRate(
          byKind[kind].counts,
          boot(`rate:${label}:${kind}`, kind === 'judge' ? 0.5 : null),
        );
        bootstrap.push(bootstrapSummary(kind, r, 0.5));
      }
      const cr = clusterRobustRate(judgesSet.counts, 0.5, level);
      robust = {
        standardError: finiteOrNull(cr.standardError),
        z: finiteOrNull(cr.z),
        pValueGreater: finiteOrNull(cr.pValueGreater),
      };
      // the ECE interval starts from fewer resamples (see eceBootstrap); its Monte Carlo error still meets the target
      const e = eceBootstrap(allProbs, rowsIdx, cols.cluster.judge, bins, {
        ...boot(`ece:${label}`, null),
        resamples: Math.min(400, resamples),
      });
      eceInterval = bootstrapSummary('judge', e, 0);
    }
    let glmm: ArmSummary['glmm'] = null;
    if (armModel && induction === undefined) {
      const c = armModel.fit.coefficients[armIdx]!;
      glmm = {
        model: armModel.id,
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
      participants: summariseParticipants(rows, rowsIdx, arguerNoun(protocol)),
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
      byContinues: byContinues(rows, rowsIdx, level),
      information: informationByTurn(rows, rowsIdx, level),
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
      const b = clusterBootstrapDifference(paired, boot(`gap:${cols.arms[a]}`, 0));
      const cr = clusterRobustDifference(paired, level);
      gap = {
        estimate: t.difference,
        newcombe: interval(
          newcombeInterval(honest.accepted, honest.n, dishonest.accepted, dishonest.n, level),
        ),
        z: t.z,
        chiSquare: t.chiSquare,
        pValue: t.pValue,
        bootstrap: bootstrapSummary('judge', b, 0),
        clusterRobustPValue: finiteOrNull(cr.pValue),
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
            counts(Int32Array.from(honestIdx)),
            counts(Int32Array.from(dishonestIdx)),
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
  const contrast = (a: number, b: number): ModelContrast | null => {
    const m = judgeModels.find((x) => x.arms.includes(cols.arms[a]!) && x.arms.includes(cols.arms[b]!));
    if (!m) return null;
    const g = glmmContrast(m.fit, m.arms.indexOf(cols.arms[a]!), m.arms.indexOf(cols.arms[b]!));
    return {
      model: m.id,
      logOddsRatio: g.estimate,
      standardError: g.standardError,
      z: g.z,
      pValue: g.pValue,
    };
  };
  const crossedContrast = (a: number, b: number): ModelContrast | null => {
    if (!crossed) return null;
    const f = crossed.fit;
    const est = f.coefficients[a]!.estimate - f.coefficients[b]!.estimate;
    const se = Math.sqrt(f.covariance[a]![a]! + f.covariance[b]![b]! - 2 * f.covariance[a]![b]!);
    const z = est / se;
    return {
      model: 'crossed-all-arms',
      logOddsRatio: est,
      standardError: se,
      z,
      pValue: 2 * normalSf(Math.abs(z)),
    };
  };
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
        const r = clusterBootstrapDifference(
          paired,
          boot(`diff:${s1.arm}:${s2.arm}:${kind}`, kind === 'judge' ? 0 : null),
        );
        return bootstrapSummary(kind, r, 0);
      });
      const cr = clusterRobustDifference(pairDense(denseByArm.judge[a]!, denseByArm.judge[b]!), level);
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
        glmm: contrast(a, b),
        crossedGlmm: crossedContrast(a, b),
        holm: { propTest: Number.NaN, clusterRobust: null, glmm: null, crossedGlmm: null },
      });
    }
  }
  const holmOf = (get: (c: ArmComparison) => number | null | undefined) =>
    holmAdjust(comparisons.map((c) => get(c) ?? Number.NaN));
  const holmZ = holmOf((c) => c.propTest.pValue);
  const holmCr = holmOf((c) => c.clusterRobust.pValue);
  const holmG = holmOf((c) => c.glmm?.pValue);
  const holmX = holmOf((c) => c.crossedGlmm?.pValue);
  comparisons.forEach((c, i) => {
    c.holm = {
      propTest: holmZ[i]!,
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

  const ratings = arguerRatings(rows);
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
    judges: judgeLeaderboard(rows, { level }),
    verdicts: [],
    notes,
  };
  report.verdicts = verdictSentences(report);
  return report;
}
