/**
 * The analysis's mixed models — which arms each is fitted on, and what each refuses to say.
 *
 * - An arm at 0% or 100% has complete separation: its logit's maximum-likelihood estimate is ±∞,
 *   its information is 0 and the covariance of the whole model cannot be inverted (it used to come
 *   out as zeros, giving every arm and contrast SE 0 and p = 0, or NaN, giving every p-value "–"
 *   with no note). Such an arm is left out of the fit. That is not a guess: as its logit goes to ±∞
 *   its judgments' likelihood goes to 1 whatever the judge effects, so the profile likelihood of the
 *   other parameters is exactly the likelihood without that arm; glmer, which stops at a large
 *   finite logit, agrees with the fit without it to ~1e-4 (the edge-case fixtures). Its own
 *   estimate and contrasts are "not estimable" with that reason; Fisher's exact test and the exact
 *   binomial test, which need no logit, stand in for them in the report.
 *   Bias-reduced (Firth) logistic regression is the other known remedy; it was not adopted: it is
 *   defined for fixed-effect models (brglm2), a penalised random-intercept likelihood is not what
 *   lme4 or any reference fits, and the Wald tests on penalised estimates near separation have
 *   poor coverage where the exact tests are exact.
 * - A judge random effect needs two judges at least (lme4 refuses one: "grouping factors must have
 *   > 1 sampled level"); the crossed model needs two judges and two questions.
 * - A model that did not converge, or whose information matrix cannot be inverted, gives no p-value.
 * - Wald p-values from a random-intercept model are quoted only when the arms compared were judged by
 *   at least MIN_CLUSTERS.glmm judges (estimability.ts): with fewer, simulated null studies rejected
 *   at 5% in up to 14%. The model is still fitted and listed (its fit agrees with glmer).
 */
import { normalSf } from './distributions.ts';
import { clusterCount, separation, tooFewClusters } from './estimability.ts';
import { fitArmGlmm, type GlmmFit } from './glmm.ts';
import { type CrossedGlmmFit, crossedGlmmCostOfObservations, fitCrossedGlmm } from './glmm-crossed.ts';

/** A fitted mixed model, stated in full so that every p-value says which model it came from. */
export interface ModelSummary {
  id: string;
  formula: string;
  /** The arms whose judgments the model was fitted on. */
  arms: string[];
  /** Arms left out of the fit, and why (complete separation). */
  excludedArms: { arm: string; reason: string }[];
  method: string;
  randomEffects: { factor: 'judge' | 'question'; levels: number; sd: number }[];
  singular: boolean;
  converged: boolean;
  logLik: number;
  cells: number;
}

/** A difference between two arms' logits in a model, or why the model cannot give it. */
export interface ModelContrast {
  /** Id of the model in report.models (null when no model could be fitted). */
  model: string | null;
  logOddsRatio: number | null;
  standardError: number | null;
  z: number | null;
  pValue: number | null;
  /** Why there is no estimate or no p-value to quote; null when there is. */
  notEstimable: string | null;
}

/** An arm's logit (typical judge) in the judge model, or why the model cannot give it. */
export interface ModelArmEstimate {
  model: string | null;
  logit: number | null;
  standardError: number | null;
  typicalJudgeRate: number | null;
  /** One-sided p for a typical judge's win rate above 50%. */
  pValueGreater: number | null;
  notEstimable: string | null;
}

export interface MixedModelData {
  arms: readonly string[];
  wins: readonly number[];
  n: readonly number[];
  /** Per judgment: arm, judge and question indices, and 1 if won. */
  arm: Int32Array;
  judge: Int32Array;
  question: Int32Array;
  correct: Uint8Array;
  judgeCount: number;
  questionCount: number;
}

export interface MixedModelOptions {
  scope: 'all' | 'pairwise';
  quadraturePoints: number;
  crossed: boolean;
  crossedMaxCost: number;
}

const judgeFormula = 'cbind(wins, losses) ~ 0 + arm + (1 | judge)';
const crossedFormula = 'cbind(wins, losses) ~ 0 + arm + (1 | judge) + (1 | question)';
const CROSSED_ID = 'crossed-all-arms';

interface JudgeModel {
  id: string;
  arms: string[];
  fit: GlmmFit;
  /** Why the fit gives no estimates at all (no convergence, no finite SD), or null. */
  unusable: string | null;
}

/**
 * Largest random-effect SD (logit scale) reported as an estimate. Beyond it the likelihood is still
 * rising towards an infinite SD: judges (or questions) that won all or lost all of their judgments
 * make each one's effect ±∞. glmer stops there at SDs of 10-50 with standard errors in the
 * hundreds of thousands, and on the edge-case fixtures our optimiser and glmer stopped at different
 * points of that ridge; a legitimate SD of 10 would make every judge certain, so nothing real is
 * lost by refusing it.
 */
const MAX_SD = 10;

/** Why a fitted model gives nothing to quote (did not converge; an SD with no finite estimate), or null. */
function unusableFit(converged: boolean, sds: readonly { factor: string; sd: number }[]): string | null {
  const runaway = sds.find((x) => !(x.sd <= MAX_SD));
  if (runaway)
    return `the ${runaway.factor} SD has no finite estimate (it grew past ${MAX_SD} on the logit scale: ${runaway.factor}s won all or lost all of their judgments), so the model has no maximum to report`;
  if (!converged) return 'the model did not converge';
  return null;
}

/** Levels of a factor seen in each arm, as sorted arrays (for counting the levels behind a contrast). */
function levelsByArm(arm: Int32Array, factor: Int32Array, arms: number, levels: number): Int32Array[] {
  const seen = Array.from({ length: arms }, () => new Uint8Array(levels));
  for (let i = 0; i < arm.length; i++) seen[arm[i]!]![factor[i]!] = 1;
  return seen.map((s) => {
    const out: number[] = [];
    for (let l = 0; l < levels; l++) if (s[l]) out.push(l);
    return Int32Array.from(out);
  });
}

function unionSize(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) i++;
    else if (i >= a.length || b[j]! < a[i]!) j++;
    else {
      i++;
      j++;
    }
    n++;
  }
  return n;
}

function finiteVariance(v: number | undefined): boolean {
  return v !== undefined && Number.isFinite(v) && v > 0;
}

function noContrast(model: string | null, reason: string): ModelContrast {
  return { model, logOddsRatio: null, standardError: null, z: null, pValue: null, notEstimable: reason };
}

/** Wald contrast β_a − β_b from a fit's covariance (indices into the fit's arms), or why not. */
function waldContrast(
  model: string,
  estimates: readonly number[],
  covariance: readonly (readonly number[])[],
  a: number,
  b: number,
): ModelContrast {
  const v = covariance[a]![a]! + covariance[b]![b]! - 2 * covariance[a]![b]!;
  if (!finiteVariance(covariance[a]![a]) || !finiteVariance(covariance[b]![b]) || !finiteVariance(v))
    return noContrast(
      model,
      "the model's information matrix could not be inverted (the contrast is not identified)",
    );
  const est = estimates[a]! - estimates[b]!;
  const se = Math.sqrt(v);
  const z = est / se;
  return {
    model,
    logOddsRatio: est,
    standardError: se,
    z,
    pValue: 2 * normalSf(Math.abs(z)),
    notEstimable: null,
  };
}

export interface MixedModels {
  models: ModelSummary[];
  notes: string[];
  /** The judge model's estimate for arm `a` (all-arms model; pairwise has no per-arm estimate). */
  armEstimate(a: number): ModelArmEstimate;
  /** Contrast a − b in the judge model that holds both arms. */
  judgeContrast(a: number, b: number): ModelContrast;
  /** Contrast a − b in the crossed model, or null when no crossed model was attempted. */
  crossedContrast(a: number, b: number): ModelContrast | null;
}

/** Fit the judge (and crossed) random-intercept models the data allow, and say what they cannot give. */
export function fitMixedModels(d: MixedModelData, options: MixedModelOptions): MixedModels {
  const A = d.arms.length;
  const notes: string[] = [];
  const models: ModelSummary[] = [];
  const separated = d.arms.map((_, a) => separation(d.wins[a]!, d.n[a]!));
  const judgesOf = levelsByArm(d.arm, d.judge, A, d.judgeCount);
  const questionsOf = levelsByArm(d.arm, d.question, A, d.questionCount);
  const excludedFrom = (group: readonly number[]) =>
    group.filter((a) => separated[a] !== null).map((a) => ({ arm: d.arms[a]!, reason: separated[a]! }));

  // ---- judge random-intercept models
  const groups: number[][] =
    options.scope === 'all' || A < 2
      ? [d.arms.map((_, a) => a)]
      : d.arms.flatMap((_, a) => d.arms.slice(a + 1).map((__, k) => [a, a + 1 + k]));
  const judgeModels: JudgeModel[] = [];
  /** Why no judge model holds a group's arms (keyed by the group's id). */
  const unfitted = new Map<string, string>();
  const groupId = (group: readonly number[]) =>
    options.scope === 'all' || A < 2 ? 'judge-all-arms' : `judge:${group.map((a) => d.arms[a]).join('+')}`;
  for (const group of groups) {
    const id = groupId(group);
    const kept = group.filter((a) => separated[a] === null);
    const cells: { cluster: string; arm: string; successes: number; trials: number }[] = [];
    const judges = new Set<number>();
    if (kept.length > 0) {
      const keep = new Uint8Array(A);
      for (const a of kept) keep[a] = 1;
      // cells in order of first appearance, found through a dense (judge, arm) table
      const dense = d.judgeCount * A <= 1 << 26;
      const slot = dense ? new Int32Array(d.judgeCount * A).fill(-1) : null;
      const index = new Map<number, number>();
      const trials: number[] = [];
      const successes: number[] = [];
      for (let i = 0; i < d.arm.length; i++) {
        const a = d.arm[i]!;
        if (!keep[a]) continue;
        const key = d.judge[i]! * A + a;
        let c = slot ? slot[key]! : (index.get(key) ?? -1);
        if (c === -1) {
          c = cells.length;
          if (slot) slot[key] = c;
          else index.set(key, c);
          cells.push({ cluster: String(d.judge[i]), arm: d.arms[a]!, successes: 0, trials: 0 });
          trials.push(0);
          successes.push(0);
          judges.add(d.judge[i]!);
        }
        trials[c]!++;
        successes[c]! += d.correct[i]!;
      }
      cells.forEach((c, k) => {
        c.trials = trials[k]!;
        c.successes = successes[k]!;
      });
    }
    if (kept.length === 0) {
      unfitted.set(id, 'every arm is at 0% or 100% (complete separation), so no logit can be estimated');
      continue;
    }
    if (judges.size < 2) {
      const reason =
        'one judge: a judge random effect needs at least two judges (lme4 refuses: "grouping factors must have > 1 sampled level")';
      unfitted.set(id, reason);
      notes.push(`The judge random-intercept model ${id} was not fitted: ${reason}.`);
      continue;
    }
    const arms = kept.map((a) => d.arms[a]!);
    const fit = fitArmGlmm(cells, arms, { quadraturePoints: options.quadraturePoints });
    const unusable = unusableFit(fit.converged, [{ factor: 'judge', sd: fit.randomInterceptSd }]);
    judgeModels.push({ id, arms, fit, unusable });
    const excluded = excludedFrom(group);
    models.push({
      id,
      formula: judgeFormula,
      arms,
      excludedArms: excluded,
      method: `maximum likelihood, ${fit.quadraturePoints}-point adaptive Gauss-Hermite quadrature`,
      randomEffects: [{ factor: 'judge', levels: fit.clusters, sd: fit.randomInterceptSd }],
      singular: fit.singular,
      converged: fit.converged,
      logLik: fit.logLik,
      cells: fit.cells,
    });
    if (excluded.length > 0)
      notes.push(
        `The judge random-intercept model ${id} leaves out ${excluded.map((e) => e.arm).join(', ')} (every judgment won or every judgment lost: complete separation, the logit is infinite); the other arms' estimates are the model's limit as that logit grows, and comparisons with the left-out arms rest on Fisher's exact test.`,
      );
    if (fit.singular)
      notes.push(
        `The judge random-intercept model ${id} is singular (estimated judge SD = 0): judges did not differ detectably, so its p-values equal those of ordinary logistic regression.`,
      );
    if (unusable) notes.push(`The judge random-intercept model ${id} gives no estimates: ${unusable}.`);
  }

  // ---- crossed judge + question model, on every arm that has a finite logit
  let crossed: { fit: CrossedGlmmFit; arms: number[]; unusable: string | null } | null = null;
  let crossedUnfitted: string | null = null;
  if (options.crossed && A > 0) {
    const kept = d.arms.map((_, a) => a).filter((a) => separated[a] === null);
    const keep = new Uint8Array(A);
    for (const a of kept) keep[a] = 1;
    // the judgments of the kept arms (all of them, without a copy, when no arm is left out)
    let rows: Int32Array | null = null;
    if (kept.length < A) {
      let m = 0;
      for (let i = 0; i < d.arm.length; i++) if (keep[d.arm[i]!]) m++;
      rows = new Int32Array(m);
      m = 0;
      for (let i = 0; i < d.arm.length; i++) if (keep[d.arm[i]!]) rows[m++] = i;
    }
    const pick = (column: Int32Array) => (rows ? Int32Array.from(rows, (i) => column[i]!) : column);
    const judgeColumn = pick(d.judge);
    const questionColumn = pick(d.question);
    const distinct = (column: Int32Array, levels: number) => {
      const seen = new Uint8Array(levels);
      let k = 0;
      for (let i = 0; i < column.length; i++)
        if (!seen[column[i]!]) {
          seen[column[i]!] = 1;
          k++;
        }
      return k;
    };
    const judges = distinct(judgeColumn, d.judgeCount);
    const questions = distinct(questionColumn, d.questionCount);
    // Priced before any cell is made: with a million judgments the cells alone were some 300 MB.
    const cost =
      kept.length > 0 && judges >= 2 && questions >= 2
        ? crossedGlmmCostOfObservations(judgeColumn, questionColumn, pick(d.arm))
        : 0;
    if (kept.length === 0) {
      crossedUnfitted = 'every arm is at 0% or 100% (complete separation)';
    } else if (judges < 2 || questions < 2) {
      crossedUnfitted = `${clusterCount(judges, 'judge')} and ${clusterCount(questions, 'question')}: the crossed model needs at least two of each`;
      notes.push(`The crossed judge + question model was not fitted: ${crossedUnfitted}.`);
    } else if (cost > options.crossedMaxCost) {
      crossedUnfitted = `not fitted: ${judges} judges × ${questions} questions cost too much (see notes)`;
      notes.push(
        `The crossed judge + question random-intercept model was not fitted: ${judges} judges × ${questions} questions would cost ~${cost.toExponential(1)} operations per likelihood evaluation (limit crossedGlmmMaxCost = ${options.crossedMaxCost.toExponential(1)}); the question-clustered bootstrap covers question effects.`,
      );
    } else {
      const position = new Int32Array(A).fill(-1);
      kept.forEach((a, k) => {
        position[a] = k;
      });
      const cellIndex = new Map<number, number>();
      const cells: { judge: number; question: number; x: number[]; successes: number; trials: number }[] = [];
      for (let r = 0; r < judgeColumn.length; r++) {
        const i = rows ? rows[r]! : r;
        const key = (d.judge[i]! * d.questionCount + d.question[i]!) * A + d.arm[i]!;
        let c = cellIndex.get(key);
        if (c === undefined) {
          c = cells.length;
          cellIndex.set(key, c);
          const x = new Array<number>(kept.length).fill(0);
          x[position[d.arm[i]!]!] = 1;
          cells.push({ judge: d.judge[i]!, question: d.question[i]!, x, successes: 0, trials: 0 });
        }
        cells[c]!.trials++;
        cells[c]!.successes += d.correct[i]!;
      }
      // levels renumbered densely: the fitter sizes its factors from the largest index
      const dense = (values: number[]) => {
        const m = new Map<number, number>();
        return values.map((v) => {
          let k = m.get(v);
          if (k === undefined) {
            k = m.size;
            m.set(v, k);
          }
          return k;
        });
      };
      const dj = dense(cells.map((c) => c.judge));
      const dq = dense(cells.map((c) => c.question));
      cells.forEach((c, k) => {
        c.judge = dj[k]!;
        c.question = dq[k]!;
      });
      const fit = fitCrossedGlmm(
        cells,
        kept.map((a) => d.arms[a]!),
      );
      const unusable = unusableFit(fit.converged, [
        { factor: 'judge', sd: fit.judgeSd },
        { factor: 'question', sd: fit.questionSd },
      ]);
      crossed = { fit, arms: kept, unusable };
      const excluded = excludedFrom(d.arms.map((_, a) => a));
      models.push({
        id: CROSSED_ID,
        formula: crossedFormula,
        arms: kept.map((a) => d.arms[a]!),
        excludedArms: excluded,
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
      if (unusable) notes.push(`The crossed judge + question model gives no estimates: ${unusable}.`);
    }
  }

  const fewJudges = (judges: number) => tooFewClusters('glmm', 'judge', judges);

  return {
    models,
    notes,
    armEstimate(a) {
      const none = (model: string | null, reason: string): ModelArmEstimate => ({
        model,
        logit: null,
        standardError: null,
        typicalJudgeRate: null,
        pValueGreater: null,
        notEstimable: reason,
      });
      const id = groupId(groups[0] ?? []);
      const m = judgeModels.find((x) => x.id === id && options.scope === 'all');
      if (separated[a] !== null) return none(m?.id ?? null, `in ${d.arms[a]}, ${separated[a]}`);
      if (!m) return none(null, unfitted.get(id) ?? 'no judge model holds this arm alone (pairwise models)');
      const k = m.arms.indexOf(d.arms[a]!);
      const c = m.fit.coefficients[k]!;
      if (m.unusable) return none(m.id, m.unusable);
      if (!finiteVariance(m.fit.covariance[k]![k]))
        return none(m.id, "the model's information matrix could not be inverted");
      const few = fewJudges(judgesOf[a]!.length);
      return {
        model: m.id,
        logit: c.estimate,
        standardError: c.standardError,
        typicalJudgeRate: 1 / (1 + Math.exp(-c.estimate)),
        pValueGreater: few ? null : normalSf(c.z),
        notEstimable: few,
      };
    },
    judgeContrast(a, b) {
      const m = judgeModels.find((x) => x.arms.includes(d.arms[a]!) && x.arms.includes(d.arms[b]!));
      for (const k of [a, b])
        if (separated[k] !== null) return noContrast(m?.id ?? null, `in ${d.arms[k]}, ${separated[k]}`);
      if (!m) {
        const id = groupId(options.scope === 'all' || A < 2 ? (groups[0] ?? []) : [a, b]);
        return noContrast(null, unfitted.get(id) ?? 'no judge model holds both arms');
      }
      if (m.unusable) return noContrast(m.id, m.unusable);
      const c = waldContrast(
        m.id,
        m.fit.coefficients.map((x) => x.estimate),
        m.fit.covariance,
        m.arms.indexOf(d.arms[a]!),
        m.arms.indexOf(d.arms[b]!),
      );
      const few = c.notEstimable === null ? fewJudges(unionSize(judgesOf[a]!, judgesOf[b]!)) : null;
      return few ? { ...c, z: null, pValue: null, notEstimable: few } : c;
    },
    crossedContrast(a, b) {
      if (!options.crossed) return null;
      for (const k of [a, b])
        if (separated[k] !== null)
          return noContrast(crossed ? CROSSED_ID : null, `in ${d.arms[k]}, ${separated[k]}`);
      if (!crossed) return noContrast(null, crossedUnfitted ?? 'not fitted');
      if (crossed.unusable) return noContrast(CROSSED_ID, crossed.unusable);
      const c = waldContrast(
        CROSSED_ID,
        crossed.fit.coefficients.map((x) => x.estimate),
        crossed.fit.covariance,
        crossed.arms.indexOf(a),
        crossed.arms.indexOf(b),
      );
      if (c.notEstimable !== null) return c;
      const few =
        fewJudges(unionSize(judgesOf[a]!, judgesOf[b]!)) ??
        tooFewClusters('glmm', 'question', unionSize(questionsOf[a]!, questionsOf[b]!));
      return few ? { ...c, z: null, pValue: null, notEstimable: few } : c;
    },
  };
}
