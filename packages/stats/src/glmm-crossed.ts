/**
 * Logistic regression with crossed random intercepts — judges and questions — fitted by maximum
 * likelihood under the Laplace approximation: the model of R's
 *   glmer(cbind(s, f) ~ x + (1 | judge) + (1 | question), family = binomial)   (nAGQ = 1)
 * (crossed effects do not factor into one-dimensional integrals, so lme4 offers only Laplace here).
 *
 * Random effects are spherical, u = σ_J·b_J and v = σ_Q·b_Q with b ~ N(0, I), as in lme4, so σ = 0
 * is an ordinary point of the objective (it is even in each σ) and a singular fit needs no special
 * case. For given (β, σ) the conditional mode of b is found by Newton's method; its Hessian
 * M = ΛᵀZᵀWZΛ + I has a diagonal block per factor and a sparse judge×question block, so it is
 * solved through the Schur complement on the smaller factor (dense, m×m). The Laplace
 * log-likelihood Σ log p(y | b̂) − |b̂|²/2 − log det(M)/2 is maximised over (β, σ_J, σ_Q) by BFGS
 * with central-difference gradients, then polished by Newton steps; standard errors come from the
 * inverse of the finite-difference Hessian over (σ, β), the β block — lme4's default for GLMMs.
 *
 * Cost per evaluation: O(cells) plus Σ over the larger factor's levels of (its partners on the
 * smaller factor)², plus m³/3. `crossedGlmmCost` estimates it so callers can decline data that
 * would take too long (a million judgments by 5,000 judges on 2,000 questions would).
 */
import { normalSf } from './distributions.ts';
import { invert } from './linalg.ts';

export interface CrossedCell {
  judge: number;
  question: number;
  /** Covariate row (one entry per fixed effect). */
  x: readonly number[];
  successes: number;
  trials: number;
}

export interface CrossedGlmmFit {
  coefficients: { name: string; estimate: number; standardError: number; z: number; pValue: number }[];
  covariance: number[][];
  judgeSd: number;
  questionSd: number;
  /** Laplace log-likelihood including binomial coefficients (as lme4's logLik). */
  logLik: number;
  /** A random-effect SD at (numerically) zero, as lme4 reports "boundary (singular) fit". */
  singular: boolean;
  converged: boolean;
  iterations: number;
  judges: number;
  questions: number;
  cells: number;
}

interface Prepared {
  p: number;
  x: Float64Array; // cells × p
  s: Float64Array;
  n: Float64Array;
  /** Level of each cell on the small (dense) and large (diagonal) factor. */
  small: Int32Array;
  large: Int32Array;
  smallCount: number;
  largeCount: number;
  /** Cells grouped by (large level, small level) pair. */
  pairLarge: Int32Array;
  pairSmall: Int32Array;
  pairOfCell: Int32Array;
  /** Pairs of each large level: pairStart[l] .. pairStart[l + 1]. */
  pairStart: Int32Array;
  judgesAreSmall: boolean;
  constant: number;
}

function logChoose(n: number, k: number): number {
  let s = 0;
  const kk = Math.min(k, n - k);
  for (let i = 1; i <= kk; i++) s += Math.log((n - kk + i) / i);
  return s;
}

/** Work per likelihood evaluation (~multiply-adds), to decide whether a fit is affordable. */
export function crossedGlmmCost(cells: readonly CrossedCell[]): number {
  return costOf(
    cells.length,
    Float64Array.from(cells, (c) => c.judge),
    Float64Array.from(cells, (c) => c.question),
  );
}

/**
 * crossedGlmmCost of the cells that observations (judge, question, group) make, one cell per distinct
 * triple, without making them (a million judgments made some 300 MB of cells only to find the fit
 * too costly). Levels are small non-negative integers (the analysis's codes): the distinct triples
 * and pairs are counted in linear time, by a counting sort on one factor and a stamp array on the
 * other (sorting a million keys three times took over a second); other inputs are sorted.
 */
export function crossedGlmmCostOfObservations(
  judge: ArrayLike<number>,
  question: ArrayLike<number>,
  group: ArrayLike<number>,
): number {
  const n = judge.length;
  const j = scan(judge);
  const q = scan(question);
  const g = scan(group);
  const J = 1 + j.largest;
  const Q = 1 + q.largest;
  const G = 1 + g.largest;
  if (j.codes && q.codes && g.codes && Q * G <= 1 << 26) {
    // distinct (question, group) per judge = distinct triples
    const byJudge = groupBy(judge, J);
    const stamp = new Int32Array(Q * G).fill(-1);
    let cells = 0;
    for (let j = 0; j < J; j++)
      for (let k = byJudge.start[j]!; k < byJudge.start[j + 1]!; k++) {
        const i = byJudge.order[k]!;
        const key = question[i]! * G + group[i]!;
        if (stamp[key] !== j) {
          stamp[key] = j;
          cells++;
        }
      }
    return costOfCodes(cells, judge, J, question, Q, byJudge);
  }
  const cells = distinctSorted(
    Float64Array.from({ length: n }, (_, i) => (judge[i]! * Q + question[i]!) * G + group[i]!),
  );
  return costOf(cells.length, judge, question);
}

/** The largest value, and whether every value is a non-negative integer small enough to index by. */
function scan(values: ArrayLike<number>): { largest: number; codes: boolean } {
  let max = -1;
  let codes = true;
  if (values instanceof Int32Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v > max) max = v;
      else if (v < 0) codes = false;
    }
  } else
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v > max) max = v;
      if (!(v >= 0 && Number.isInteger(v))) codes = false;
    }
  return { largest: max, codes: codes && max < 1 << 26 };
}

/** Indices grouped by level (a stable counting sort): level l's are order[start[l] .. start[l + 1]). */
function groupBy(values: ArrayLike<number>, levels: number): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(levels + 1);
  for (let i = 0; i < values.length; i++) start[values[i]! + 1]!++;
  for (let l = 0; l < levels; l++) start[l + 1]! += start[l]!;
  const fill = start.slice(0, levels);
  const order = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) order[fill[values[i]!]!++] = i;
  return { order, start };
}

/** costOf for integer codes, in linear time (the same number). */
function costOfCodes(
  cellCount: number,
  judge: ArrayLike<number>,
  J: number,
  question: ArrayLike<number>,
  Q: number,
  byJudge: { order: Int32Array; start: Int32Array },
): number {
  let judges = 0;
  let lastJudge = -1;
  for (let j = 0; j < J; j++)
    if (byJudge.start[j + 1]! > byJudge.start[j]!) {
      judges++;
      lastJudge = j;
    }
  const seenQuestion = new Uint8Array(Q);
  let questions = 0;
  let lastQuestion = -1;
  for (let i = 0; i < question.length; i++)
    if (!seenQuestion[question[i]!]) {
      seenQuestion[question[i]!] = 1;
      questions++;
    }
  for (let q = Q - 1; q >= 0; q--)
    if (seenQuestion[q]) {
      lastQuestion = q;
      break;
    }
  const judgesSmall = judges <= questions;
  const m = Math.min(judges, questions);
  // Σ over levels of the larger factor of (distinct partners in the smaller)²
  const [large, largeLevels, small, smallLevels] = judgesSmall
    ? [question, Q, judge, 1 + lastJudge]
    : [judge, J, question, 1 + lastQuestion];
  const byLarge = judgesSmall ? groupBy(large, largeLevels) : byJudge;
  const stamp = new Int32Array(Math.max(1, smallLevels)).fill(-1);
  let schur = 0;
  for (let l = 0; l < largeLevels; l++) {
    let partners = 0;
    for (let k = byLarge.start[l]!; k < byLarge.start[l + 1]!; k++) {
      const s = small[byLarge.order[k]!]!;
      if (stamp[s] !== l) {
        stamp[s] = l;
        partners++;
      }
    }
    schur += partners ** 2;
  }
  return cellCount + schur + (m * m * m) / 3;
}

/** The distinct values, ascending (sorts `values` in place). */
function distinctSorted(values: Float64Array): Float64Array {
  values.sort();
  let k = 0;
  for (let i = 0; i < values.length; i++)
    if (i === 0 || values[i] !== values[k - 1]) values[k++] = values[i]!;
  return values.subarray(0, k);
}

function costOf(cellCount: number, judge: ArrayLike<number>, question: ArrayLike<number>): number {
  const judges = distinctSorted(Float64Array.from(judge));
  const questions = distinctSorted(Float64Array.from(question));
  const judgesSmall = judges.length <= questions.length;
  const m = Math.min(judges.length, questions.length);
  // Each (larger-factor level, smaller-factor partner) pair once, grouped by the larger level.
  const [large, small] = judgesSmall ? [question, judge] : [judge, question];
  const span = 1 + ((judgesSmall ? judges : questions).at(-1) ?? 0);
  const pairs = distinctSorted(
    Float64Array.from({ length: large.length }, (_, i) => large[i]! * span + small[i]!),
  );
  let schur = 0;
  for (let i = 0; i < pairs.length; ) {
    const level = Math.floor(pairs[i]! / span);
    let partners = 0;
    for (; i < pairs.length && Math.floor(pairs[i]! / span) === level; i++) partners++;
    schur += partners ** 2;
  }
  return cellCount + schur + (m * m * m) / 3;
}

function prepare(cells: readonly CrossedCell[], p: number): Prepared & { J: number; Q: number } {
  let J = 0;
  let Q = 0;
  for (const c of cells) {
    if (c.x.length !== p) throw new Error('every GLMM cell needs the same number of covariates');
    J = Math.max(J, c.judge + 1);
    Q = Math.max(Q, c.question + 1);
  }
  const judgesAreSmall = J <= Q;
  const m = cells.length;
  const small = new Int32Array(m);
  const large = new Int32Array(m);
  const x = new Float64Array(m * p);
  const s = new Float64Array(m);
  const n = new Float64Array(m);
  let constant = 0;
  cells.forEach((c, k) => {
    small[k] = judgesAreSmall ? c.judge : c.question;
    large[k] = judgesAreSmall ? c.question : c.judge;
    for (let a = 0; a < p; a++) x[k * p + a] = c.x[a]!;
    s[k] = c.successes;
    n[k] = c.trials;
    constant += logChoose(c.trials, c.successes);
  });
  const largeCount = judgesAreSmall ? Q : J;
  const pairs = new Map<number, number>();
  const pairOfCell = new Int32Array(m);
  const order = [...Array(m).keys()].sort((a, b) => large[a]! - large[b]! || small[a]! - small[b]!);
  const pairLargeList: number[] = [];
  const pairSmallList: number[] = [];
  for (const k of order) {
    const key = large[k]! * (judgesAreSmall ? J : Q) + small[k]!;
    let id = pairs.get(key);
    if (id === undefined) {
      id = pairLargeList.length;
      pairs.set(key, id);
      pairLargeList.push(large[k]!);
      pairSmallList.push(small[k]!);
    }
    pairOfCell[k] = id;
  }
  const pairStart = new Int32Array(largeCount + 1);
  for (const l of pairLargeList) pairStart[l + 1]!++;
  for (let l = 0; l < largeCount; l++) pairStart[l + 1]! += pairStart[l]!;
  return {
    p,
    x,
    s,
    n,
    small,
    large,
    smallCount: judgesAreSmall ? J : Q,
    largeCount,
    pairLarge: Int32Array.from(pairLargeList),
    pairSmall: Int32Array.from(pairSmallList),
    pairOfCell,
    pairStart,
    judgesAreSmall,
    constant,
    J,
    Q,
  };
}

/** Cholesky factor (lower, in place, row-major m×m); returns log det or NaN if not positive definite. */
function cholesky(a: Float64Array, m: number): number {
  let logDet = 0;
  for (let j = 0; j < m; j++) {
    let d = a[j * m + j]!;
    for (let k = 0; k < j; k++) d -= a[j * m + k]! ** 2;
    if (!(d > 0)) return Number.NaN;
    const l = Math.sqrt(d);
    a[j * m + j] = l;
    logDet += 2 * Math.log(l);
    for (let i = j + 1; i < m; i++) {
      let v = a[i * m + j]!;
      for (let k = 0; k < j; k++) v -= a[i * m + k]! * a[j * m + k]!;
      a[i * m + j] = v / l;
    }
  }
  return logDet;
}

function cholSolve(l: Float64Array, m: number, b: Float64Array): void {
  for (let i = 0; i < m; i++) {
    let v = b[i]!;
    for (let k = 0; k < i; k++) v -= l[i * m + k]! * b[k]!;
    b[i] = v / l[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let v = b[i]!;
    for (let k = i + 1; k < m; k++) v -= l[k * m + i]! * b[k]!;
    b[i] = v / l[i * m + i]!;
  }
}

class LaplaceObjective {
  private readonly bSmall: Float64Array;
  private readonly bLarge: Float64Array;
  private readonly eta: Float64Array;
  private readonly w: Float64Array;
  private readonly r: Float64Array;
  private readonly pairW: Float64Array;
  private readonly schur: Float64Array;
  evaluations = 0;

  constructor(private readonly d: Prepared) {
    this.bSmall = new Float64Array(d.smallCount);
    this.bLarge = new Float64Array(d.largeCount);
    this.eta = new Float64Array(d.s.length);
    this.w = new Float64Array(d.s.length);
    this.r = new Float64Array(d.s.length);
    this.pairW = new Float64Array(d.pairLarge.length);
    this.schur = new Float64Array(d.smallCount * d.smallCount);
  }

  /** Σ log p(y|b) − |b|²/2 at the current b; fills w and r. */
  private penalised(
    beta: readonly number[],
    sSmall: number,
    sLarge: number,
    bs: Float64Array,
    bl: Float64Array,
  ) {
    const { p, x, s, n, small, large } = this.d;
    let ll = 0;
    for (let k = 0; k < s.length; k++) {
      let e = sSmall * bs[small[k]!]! + sLarge * bl[large[k]!]!;
      for (let a = 0; a < p; a++) e += x[k * p + a]! * beta[a]!;
      this.eta[k] = e;
      const ex = Math.exp(-Math.abs(e));
      const l1p = Math.log1p(ex);
      const pr = e >= 0 ? 1 / (1 + ex) : ex / (1 + ex);
      ll += s[k]! * e - n[k]! * (e > 0 ? e + l1p : l1p);
      this.w[k] = n[k]! * pr * (1 - pr);
      this.r[k] = s[k]! - n[k]! * pr;
    }
    let pen = 0;
    for (const v of bs) pen += v * v;
    for (const v of bl) pen += v * v;
    return ll - pen / 2;
  }

  /** Builds M's Schur complement (in this.schur, factored) and returns log det M. */
  private factor(sSmall: number, sLarge: number, diagLarge: Float64Array): number {
    const { smallCount: m, largeCount, small, pairSmall, pairStart, pairOfCell } = this.d;
    const S = this.schur;
    S.fill(0);
    this.pairW.fill(0);
    const diagSmall = new Float64Array(m).fill(1);
    diagLarge.fill(1);
    for (let k = 0; k < this.w.length; k++) {
      const wk = this.w[k]!;
      diagSmall[small[k]!]! += sSmall * sSmall * wk;
      diagLarge[this.d.large[k]!]! += sLarge * sLarge * wk;
      this.pairW[pairOfCell[k]!]! += sSmall * sLarge * wk;
    }
    for (let i = 0; i < m; i++) S[i * m + i] = diagSmall[i]!;
    let logDet = 0;
    for (let l = 0; l < largeCount; l++) {
      const dl = diagLarge[l]!;
      logDet += Math.log(dl);
      for (let a = pairStart[l]!; a < pairStart[l + 1]!; a++) {
        const ia = pairSmall[a]!;
        const va = this.pairW[a]! / dl;
        for (let b = pairStart[l]!; b < pairStart[l + 1]!; b++)
          S[ia * m + pairSmall[b]!]! -= va * this.pairW[b]!;
      }
    }
    return logDet + cholesky(S, m);
  }

  /** Newton step for b: solves M δ = g through the Schur complement (this.schur must be factored). */
  private step(gSmall: Float64Array, gLarge: Float64Array, diagLarge: Float64Array): void {
    const { smallCount: m, largeCount, pairSmall, pairStart } = this.d;
    const rhs = Float64Array.from(gSmall);
    for (let l = 0; l < largeCount; l++) {
      const f = gLarge[l]! / diagLarge[l]!;
      for (let a = pairStart[l]!; a < pairStart[l + 1]!; a++) rhs[pairSmall[a]!]! -= this.pairW[a]! * f;
    }
    cholSolve(this.schur, m, rhs);
    gSmall.set(rhs);
    for (let l = 0; l < largeCount; l++) {
      let v = gLarge[l]!;
      for (let a = pairStart[l]!; a < pairStart[l + 1]!; a++) v -= this.pairW[a]! * rhs[pairSmall[a]!]!;
      gLarge[l] = v / diagLarge[l]!;
    }
  }

  /** Laplace log-likelihood at (β, σ_J, σ_Q); the conditional modes are kept as the next start. */
  logLik(beta: readonly number[], sJudge: number, sQuestion: number): number {
    this.evaluations++;
    const d = this.d;
    const sSmall = d.judgesAreSmall ? sJudge : sQuestion;
    const sLarge = d.judgesAreSmall ? sQuestion : sJudge;
    const bs = this.bSmall;
    const bl = this.bLarge;
    const diagLarge = new Float64Array(d.largeCount);
    const gSmall = new Float64Array(d.smallCount);
    const gLarge = new Float64Array(d.largeCount);
    let current = this.penalised(beta, sSmall, sLarge, bs, bl);
    if (!Number.isFinite(current)) {
      bs.fill(0);
      bl.fill(0);
      current = this.penalised(beta, sSmall, sLarge, bs, bl);
    }
    for (let it = 0; it < 100; it++) {
      gSmall.set(bs.map((v) => -v));
      gLarge.set(bl.map((v) => -v));
      for (let k = 0; k < this.r.length; k++) {
        gSmall[d.small[k]!]! += sSmall * this.r[k]!;
        gLarge[d.large[k]!]! += sLarge * this.r[k]!;
      }
      if (Number.isNaN(this.factor(sSmall, sLarge, diagLarge))) return Number.NaN;
      this.step(gSmall, gLarge, diagLarge);
      let change = 0;
      for (const v of gSmall) change = Math.max(change, Math.abs(v));
      for (const v of gLarge) change = Math.max(change, Math.abs(v));
      // damped: halve the step until the penalised likelihood does not fall
      const oldS = Float64Array.from(bs);
      const oldL = Float64Array.from(bl);
      let t = 1;
      let next = current;
      for (let h = 0; h < 30; h++) {
        for (let i = 0; i < bs.length; i++) bs[i] = oldS[i]! + t * gSmall[i]!;
        for (let i = 0; i < bl.length; i++) bl[i] = oldL[i]! + t * gLarge[i]!;
        next = this.penalised(beta, sSmall, sLarge, bs, bl);
        if (next >= current - 1e-12 * Math.abs(current)) break;
        t /= 2;
      }
      current = next;
      if (change * t < 1e-10) break;
    }
    const logDet = this.factor(sSmall, sLarge, diagLarge);
    return current - logDet / 2 + d.constant;
  }
}

function gradient(f: (v: number[]) => number, v: number[], h: number[]): number[] {
  return v.map((_, i) => {
    const up = v.slice();
    const down = v.slice();
    up[i]! += h[i]!;
    down[i]! -= h[i]!;
    return (f(up) - f(down)) / (2 * h[i]!);
  });
}

function hessian(f: (v: number[]) => number, v: number[], h: number[]): number[][] {
  const q = v.length;
  const f0 = f(v);
  const H = Array.from({ length: q }, () => new Array<number>(q).fill(0));
  for (let i = 0; i < q; i++) {
    for (let j = i; j < q; j++) {
      const at = (di: number, dj: number) => {
        const w = v.slice();
        w[i]! += di * h[i]!;
        w[j]! += dj * h[j]!;
        return f(w);
      };
      const value =
        i === j
          ? (at(1, 0) - 2 * f0 + at(-1, 0)) / (h[i]! * h[i]!)
          : (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[i]! * h[j]!);
      H[i]![j] = value;
      H[j]![i] = value;
    }
  }
  return H;
}

/**
 * Fit the crossed random-intercept logistic model. Levels are 0-based integer indices.
 * @param names  fixed-effect names, one per covariate column
 */
export function fitCrossedGlmm(
  cells: readonly CrossedCell[],
  names: readonly string[],
  options: { start?: readonly number[]; maxIterations?: number } = {},
): CrossedGlmmFit {
  const p = names.length;
  const d = prepare(
    cells.filter((c) => c.trials > 0),
    p,
  );
  const objective = new LaplaceObjective(d);
  // parameters: σ_J, σ_Q, β (σ first, as lme4 orders θ before β)
  const negLogLik = (v: number[]) => -objective.logLik(v.slice(2), v[0]!, v[1]!);
  let v = [1, 1, ...(options.start ?? new Array<number>(p).fill(0))];
  const step = () => v.map((x) => 1e-4 * Math.max(1, Math.abs(x)));
  let fv = negLogLik(v);
  let g = gradient(negLogLik, v, step());
  const q = v.length;
  let B: number[][] = Array.from({ length: q }, (_, i) =>
    Array.from({ length: q }, (_, j) => Number(i === j)),
  );
  let iterations = 0;
  let converged = false;
  const maxIterations = options.maxIterations ?? 200;
  for (; iterations < maxIterations; iterations++) {
    const dir = B.map((row) => -row.reduce((acc, b, j) => acc + b * g[j]!, 0));
    let slope = dir.reduce((acc, x, i) => acc + x * g[i]!, 0);
    if (!(slope < 0)) {
      B = B.map((row, i) => row.map((_, j) => Number(i === j)));
      for (let i = 0; i < q; i++) dir[i] = -g[i]!;
      slope = -g.reduce((acc, x) => acc + x * x, 0);
    }
    let t = 1;
    const maxDir = Math.max(...dir.map(Math.abs));
    if (maxDir > 2) t = 2 / maxDir;
    let next = v;
    let fNext = fv;
    let accepted = false;
    for (let h = 0; h < 40; h++) {
      next = v.map((x, i) => x + t * dir[i]!);
      fNext = negLogLik(next);
      if (Number.isFinite(fNext) && fNext <= fv + 1e-4 * t * slope) {
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) break;
    const gNext = gradient(negLogLik, next, step());
    const sVec = next.map((x, i) => x - v[i]!);
    const yVec = gNext.map((x, i) => x - g[i]!);
    const sy = sVec.reduce((acc, x, i) => acc + x * yVec[i]!, 0);
    const improvement = fv - fNext;
    v = next;
    fv = fNext;
    g = gNext;
    if (Math.max(...g.map(Math.abs)) < 1e-6 || improvement < 1e-12 * Math.max(1, Math.abs(fv))) {
      converged = Math.max(...g.map(Math.abs)) < 1e-4;
      break;
    }
    if (sy > 1e-12) {
      // BFGS update of the inverse Hessian
      const By = B.map((row) => row.reduce((acc, b, j) => acc + b * yVec[j]!, 0));
      const yBy = yVec.reduce((acc, x, i) => acc + x * By[i]!, 0);
      B = B.map((row, i) =>
        row.map(
          (b, j) =>
            b + ((sy + yBy) * sVec[i]! * sVec[j]!) / (sy * sy) - (By[i]! * sVec[j]! + sVec[i]! * By[j]!) / sy,
        ),
      );
    }
  }
  // An SD that ends within BOUNDARY of 0 is at the boundary: the objective is even in each σ, so σ = 0
  // is a stationary point in that direction, and the fit is the model without that effect. It is set
  // to exactly 0 and left out of the polish and of the Hessian: a finite-difference Hessian taken a
  // step from the boundary (σ ≈ 5e-4 with steps of 1e-4) mixes in curvature that is not there and
  // moved the arms' standard errors by up to 50% on small data (the edge-case fixtures; R's own
  // fits there warn that the Hessian is numerically singular, and agree with the reduced model).
  const BOUNDARY = 1e-3;
  const atBoundary = [false, false];
  let free: number[] = [];
  let H: number[][] = [];
  // polish, and again if the polish brought an SD to the boundary
  for (let round = 0; round < 3; round++) {
    let changed = false;
    for (const i of [0, 1])
      if (!atBoundary[i] && Math.abs(v[i]!) < BOUNDARY) {
        atBoundary[i] = true;
        v[i] = 0;
        changed = true;
      }
    if (round > 0 && !changed) break;
    free = v.map((_, i) => i).filter((i) => i >= 2 || !atBoundary[i]);
    const base = v.slice();
    const full = (w: readonly number[]) => {
      const out = base.slice();
      free.forEach((i, k) => {
        out[i] = w[k]!;
      });
      return out;
    };
    const reduced = (w: number[]) => negLogLik(full(w));
    let w = free.map((i) => v[i]!);
    const reducedStep = () => w.map((x) => 1e-4 * Math.max(1, Math.abs(x)));
    fv = reduced(w);
    g = gradient(reduced, w, reducedStep());
    // Newton polish with the finite-difference Hessian (also the one the standard errors use)
    H = hessian(reduced, w, reducedStep());
    for (let polish = 0; polish < 5; polish++) {
      const inv = invert(H);
      if (!inv) break;
      const dir = inv.map((row) => -row.reduce((acc, b, j) => acc + b * g[j]!, 0));
      const next = w.map((x, i) => x + dir[i]!);
      const fNext = reduced(next);
      if (!(fNext <= fv + 1e-10 * Math.abs(fv))) break;
      const small = Math.max(...dir.map(Math.abs)) < 1e-8;
      w = next;
      fv = fNext;
      g = gradient(reduced, w, reducedStep());
      H = hessian(reduced, w, reducedStep());
      if (small) break;
    }
    v = full(w);
  }
  converged = converged || Math.max(...g.map(Math.abs)) < 1e-4;
  const judgeSd = Math.abs(v[0]!);
  const questionSd = Math.abs(v[1]!);
  const singular = judgeSd < 1e-4 || questionSd < 1e-4;
  const inv = invert(H);
  const offset = free.length - p; // the β block is the last p of the free parameters
  const covariance = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p }, (_, j) => (inv ? inv[i + offset]![j + offset]! : Number.NaN)),
  );
  const coefficients = names.map((name, i) => {
    const estimate = v[i + 2]!;
    const standardError = Math.sqrt(covariance[i]![i]!);
    const z = estimate / standardError;
    return { name, estimate, standardError, z, pValue: 2 * normalSf(Math.abs(z)) };
  });
  return {
    coefficients,
    covariance,
    judgeSd,
    questionSd,
    logLik: -fv,
    singular,
    converged,
    iterations,
    judges: d.J,
    questions: d.Q,
    cells: d.s.length,
  };
}
