/**
 * Random-intercept logistic regression (a binomial GLMM) fitted by maximum likelihood with
 * adaptive Gauss-Hermite quadrature — the model of R's
 *   glmer(cbind(s, f) ~ x + (1 | cluster), family = binomial, nAGQ = Q).
 *
 * Data are aggregated cells: (cluster, covariate row, successes, trials), e.g. one cell per
 * (judge, arm), so a million judgments by 5,000 judges in 4 arms is 20,000 cells.
 *
 * Model: logit P(success) = x'β + u_j, u_j ~ N(0, σ²). The marginal likelihood of cluster j is
 * ∫ Π_c Binom(s_c | n_c, p_c(u)) φ(u; 0, σ) du, integrated by quadrature centred at the posterior
 * mode of u_j and scaled by its curvature (Liu & Pierce 1994). Parameters (β, log σ) are found by
 * damped Newton steps whose score and observed information come from Louis' identity
 * (E[∂ log p(y,u)] and E[∂² log p] + Var[∂ log p] under the quadrature posterior), so standard
 * errors are from the observed information of the marginal likelihood, as lme4 reports. When the
 * maximum is on the boundary σ = 0 (lme4's "singular fit"), the fit is the ordinary logistic GLM.
 */
import { normalSf } from './distributions.ts';
import { invert, solve, zeros } from './linalg.ts';

export interface GlmmCell {
  /** Cluster index in [0, clusterCount). */
  cluster: number;
  /** Covariate row (length = number of fixed effects). */
  x: readonly number[];
  successes: number;
  trials: number;
}

export interface GlmmOptions {
  /** Adaptive Gauss-Hermite points, at least 5. Default 25 (as lme4 nAGQ = 25). */
  quadraturePoints?: number;
  maxIterations?: number;
  /** Convergence when the Newton decrement and the largest score entry are below this. */
  tolerance?: number;
}

export interface GlmmCoefficient {
  name: string;
  estimate: number;
  standardError: number;
  z: number;
  /** Two-sided Wald p-value. */
  pValue: number;
}

export interface GlmmFit {
  coefficients: GlmmCoefficient[];
  /** Covariance matrix of the fixed effects. */
  covariance: number[][];
  /** Standard deviation of the random intercept on the logit scale. */
  randomInterceptSd: number;
  /** Marginal log-likelihood including binomial coefficients. */
  logLik: number;
  converged: boolean;
  iterations: number;
  /** True when σ = 0 maximises the likelihood (the fit is the plain logistic GLM). */
  singular: boolean;
  quadraturePoints: number;
  clusters: number;
  cells: number;
}

/** Gauss-Hermite nodes and weights for ∫ e^{−z²} f(z) dz (Numerical Recipes' gauher). */
export function gaussHermite(n: number): { nodes: number[]; weights: number[] } {
  const x = new Array<number>(n).fill(0);
  const w = new Array<number>(n).fill(0);
  const PIM4 = 0.7511255444649425;
  const m = Math.floor((n + 1) / 2);
  let z = 0;
  for (let i = 0; i < m; i++) {
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * (2 * n + 1) ** -0.16667;
    else if (i === 1) z -= (1.14 * n ** 0.426) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0]!;
    else if (i === 3) z = 1.91 * z - 0.91 * x[1]!;
    else z = 2 * z - x[i - 2]!;
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = PIM4;
      let p2 = 0;
      for (let j = 0; j < n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / (j + 1)) * p2 - Math.sqrt(j / (j + 1)) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15) break;
    }
    x[i] = z;
    x[n - 1 - i] = -z;
    w[i] = 2 / (pp * pp);
    w[n - 1 - i] = w[i]!;
  }
  return { nodes: x, weights: w };
}

function log1pExp(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

function logChoose(n: number, k: number): number {
  let s = 0;
  // log C(n, k) = Σ log((n−k+i)/i): exact enough for the constant term, O(min(k, n−k)).
  const kk = Math.min(k, n - k);
  for (let i = 1; i <= kk; i++) s += Math.log((n - kk + i) / i);
  return s;
}

interface Prepared {
  p: number;
  g: number;
  /** Cells of cluster j are cellStart[j] .. cellStart[j+1] (cells are cluster-ordered). */
  cellStart: Int32Array;
  /** Sparse covariates: nonzeros of cell k are xStart[k] .. xStart[k+1] in xIndex / xValue. */
  xStart: Int32Array;
  xIndex: Int32Array;
  xValue: Float64Array;
  s: Float64Array;
  n: Float64Array;
  maxCells: number;
  constant: number;
}

function prepare(cells: readonly GlmmCell[], clusterCount: number, p: number): Prepared {
  const counts = new Int32Array(clusterCount + 1);
  for (const c of cells) counts[c.cluster + 1]!++;
  let maxCells = 0;
  for (let j = 0; j < clusterCount; j++) {
    maxCells = Math.max(maxCells, counts[j + 1]!);
    counts[j + 1]! += counts[j]!;
  }
  const cellStart = counts.slice();
  const fill = counts.slice();
  const m = cells.length;
  const order = new Int32Array(m);
  cells.forEach((c, i) => {
    if (c.x.length !== p) throw new Error('every GLMM cell needs the same number of covariates');
    if (!(c.cluster >= 0 && c.cluster < clusterCount))
      throw new Error(`cluster index ${c.cluster} out of range`);
    order[fill[c.cluster]!++] = i;
  });
  const s = new Float64Array(m);
  const n = new Float64Array(m);
  const xStart = new Int32Array(m + 1);
  const idx: number[] = [];
  const val: number[] = [];
  let constant = 0;
  for (let k = 0; k < m; k++) {
    const c = cells[order[k]!]!;
    for (let a = 0; a < p; a++) {
      if (c.x[a] !== 0) {
        idx.push(a);
        val.push(c.x[a]!);
      }
    }
    xStart[k + 1] = idx.length;
    s[k] = c.successes;
    n[k] = c.trials;
    constant += logChoose(c.trials, c.successes);
  }
  return {
    p,
    g: clusterCount,
    cellStart,
    xStart,
    xIndex: Int32Array.from(idx),
    xValue: Float64Array.from(val),
    s,
    n,
    maxCells,
    constant,
  };
}

interface Evaluation {
  logLik: number;
  score: number[];
  hessian: number[][];
}

/**
 * Marginal log-likelihood at (β, τ = log σ) with score and observed information (Louis).
 * `modes` holds each cluster's posterior mode and is updated (warm start for the next call).
 */
function evaluate(
  d: Prepared,
  beta: readonly number[],
  tau: number,
  gh: { nodes: number[]; weights: number[] },
  modes: Float64Array,
): Evaluation {
  const { p, g, cellStart, xStart, xIndex, xValue, s, n } = d;
  const q = p + 1;
  const sigma = Math.exp(tau);
  const prec = 1 / (sigma * sigma);
  const Q = gh.nodes.length;
  const m = s.length;
  const eta = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let e = 0;
    for (let t = xStart[k]!; t < xStart[k + 1]!; t++) e += xValue[t]! * beta[xIndex[t]!]!;
    eta[k] = e;
  }
  const score = new Float64Array(q);
  const hess = new Float64Array(q * q);
  let logLik = d.constant - g * (tau + 0.5 * Math.log(2 * Math.PI));
  const logGhw = gh.weights.map((w, i) => Math.log(w) + gh.nodes[i]! * gh.nodes[i]!);
  const logw = new Float64Array(Q);
  const post = new Float64Array(Q);
  const prob = new Float64Array(Q * Math.max(1, d.maxCells)); // P(success) per node × cell of a cluster
  const gk = new Float64Array(Q * q); // per-node score
  const meanG = new Float64Array(q);
  for (let j = 0; j < g; j++) {
    const start = cellStart[j]!;
    const end = cellStart[j + 1]!;
    if (end === start) continue;
    // posterior mode of u by Newton (h is concave)
    let u = modes[j]!;
    let curv = prec;
    for (let it = 0; it < 100; it++) {
      let grad = -u * prec;
      curv = prec;
      for (let k = start; k < end; k++) {
        const pr = 1 / (1 + Math.exp(-(eta[k]! + u)));
        grad += s[k]! - n[k]! * pr;
        curv += n[k]! * pr * (1 - pr);
      }
      let step = grad / curv;
      if (step > 5) step = 5;
      else if (step < -5) step = -5;
      u += step;
      if (Math.abs(step) < 1e-10) break;
    }
    curv = prec;
    for (let k = start; k < end; k++) {
      const pr = 1 / (1 + Math.exp(-(eta[k]! + u)));
      curv += n[k]! * pr * (1 - pr);
    }
    modes[j] = u;
    const scale = Math.SQRT2 / Math.sqrt(curv);
    let maxLog = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < Q; t++) {
      const ut = u + scale * gh.nodes[t]!;
      let h = -0.5 * ut * ut * prec;
      for (let k = start; k < end; k++) {
        const e = eta[k]! + ut;
        // one exp per (node, cell): P(success) and log(1 + e^e) from the same exponential
        const ex = Math.exp(-Math.abs(e));
        const l1p = Math.log1p(ex);
        prob[t * d.maxCells + (k - start)] = e >= 0 ? 1 / (1 + ex) : ex / (1 + ex);
        h += s[k]! * e - n[k]! * (e > 0 ? e + l1p : l1p);
      }
      const lw = logGhw[t]! + h;
      logw[t] = lw;
      if (lw > maxLog) maxLog = lw;
    }
    let total = 0;
    for (let t = 0; t < Q; t++) {
      const v = Math.exp(logw[t]! - maxLog);
      post[t] = v;
      total += v;
    }
    logLik += Math.log(scale) + maxLog + Math.log(total);
    // Louis: score = E[g]; information = −E[H] − Var[g] under the quadrature posterior
    meanG.fill(0);
    gk.fill(0);
    for (let t = 0; t < Q; t++) {
      const wt = post[t]! / total;
      post[t] = wt;
      const ut = u + scale * gh.nodes[t]!;
      const base = t * q;
      for (let k = start; k < end; k++) {
        const pr = prob[t * d.maxCells + (k - start)]!;
        const resid = s[k]! - n[k]! * pr;
        const w = n[k]! * pr * (1 - pr) * wt;
        for (let x1 = xStart[k]!; x1 < xStart[k + 1]!; x1++) {
          const a = xIndex[x1]!;
          const va = xValue[x1]!;
          gk[base + a]! += resid * va;
          for (let x2 = xStart[k]!; x2 < xStart[k + 1]!; x2++)
            hess[a * q + xIndex[x2]!]! -= w * va * xValue[x2]!;
        }
      }
      gk[base + p] = ut * ut * prec - 1;
      hess[p * q + p]! += wt * (-2 * ut * ut * prec);
      for (let a = 0; a < q; a++) meanG[a]! += wt * gk[base + a]!;
    }
    for (let t = 0; t < Q; t++) {
      const wt = post[t]!;
      if (wt === 0) continue;
      const base = t * q;
      for (let a = 0; a < q; a++) {
        const ga = wt * gk[base + a]!;
        if (ga === 0) continue;
        for (let b = 0; b < q; b++) hess[a * q + b]! += ga * gk[base + b]!;
      }
    }
    for (let a = 0; a < q; a++) {
      score[a]! += meanG[a]!;
      for (let b = 0; b < q; b++) hess[a * q + b]! -= meanG[a]! * meanG[b]!;
    }
  }
  const hessian = Array.from({ length: q }, (_, a) => Array.from(hess.subarray(a * q, a * q + q)));
  return { logLik, score: Array.from(score), hessian };
}

/** Ordinary logistic regression on aggregated cells by Newton-Raphson (the σ = 0 model). */
export function fitLogisticGlm(
  cells: readonly GlmmCell[],
  p: number,
): { beta: number[]; covariance: number[][]; logLik: number } {
  let beta = new Array<number>(p).fill(0);
  let info = zeros(p, p);
  let logLik = 0;
  for (let it = 0; it < 100; it++) {
    const score = new Array<number>(p).fill(0);
    info = zeros(p, p);
    logLik = 0;
    for (const c of cells) {
      let e = 0;
      for (let a = 0; a < p; a++) e += c.x[a]! * beta[a]!;
      const pr = 1 / (1 + Math.exp(-e));
      logLik += c.successes * e - c.trials * log1pExp(e) + logChoose(c.trials, c.successes);
      for (let a = 0; a < p; a++) {
        score[a]! += (c.successes - c.trials * pr) * c.x[a]!;
        for (let b = 0; b < p; b++) info[a]![b]! += c.trials * pr * (1 - pr) * c.x[a]! * c.x[b]!;
      }
    }
    const step = solve(info, score);
    if (!step) break;
    beta = beta.map((b, i) => b + Math.max(-5, Math.min(5, step[i]!)));
    if (Math.max(...step.map(Math.abs)) < 1e-12) break;
  }
  return { beta, covariance: invert(info) ?? zeros(p, p), logLik };
}

/**
 * Fit the random-intercept logistic model.
 * @param names  fixed-effect names, one per covariate column
 */
export function fitRandomInterceptLogit(
  cells: readonly GlmmCell[],
  clusterCount: number,
  names: readonly string[],
  options: GlmmOptions = {},
): GlmmFit {
  const p = names.length;
  const Q = options.quadraturePoints ?? 25;
  if (!(Number.isInteger(Q) && Q >= 5)) {
    throw new RangeError(
      'quadraturePoints must be an integer ≥ 5: the score and information come from the quadrature posterior, which needs several points',
    );
  }
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-9;
  const gh = gaussHermite(Q);
  const d = prepare(cells, clusterCount, p);
  const glm = fitLogisticGlm(cells, p);
  let beta = glm.beta.slice();
  let tau = Math.log(0.5);
  const modes = new Float64Array(clusterCount);
  let current = evaluate(d, beta, tau, gh, modes);
  let converged = false;
  let iterations = 0;
  const minTau = Math.log(1e-6);
  for (; iterations < maxIterations; iterations++) {
    const negH = current.hessian.map((row) => row.map((v) => -v));
    let lambda = 0;
    let accepted = false;
    for (let attempt = 0; attempt < 30; attempt++) {
      const damped = negH.map((row, i) =>
        row.map((v, j) => (i === j ? v + lambda * Math.max(1, Math.abs(v)) : v)),
      );
      const step = solve(damped, current.score);
      if (!step || step.some((v) => !Number.isFinite(v))) {
        lambda = lambda === 0 ? 1e-3 : lambda * 10;
        continue;
      }
      // cap the step in log σ so a flat likelihood cannot throw σ to 0 or ∞ in one move
      const maxStep = Math.max(...step.map(Math.abs));
      const cap = maxStep > 3 ? 3 / maxStep : 1;
      const newBeta = beta.map((b, i) => b + cap * step[i]!);
      const newTau = Math.max(minTau, tau + cap * step[p]!);
      const trialModes = modes.slice();
      const trial = evaluate(d, newBeta, newTau, gh, trialModes);
      if (trial.logLik >= current.logLik - 1e-10 * Math.abs(current.logLik)) {
        const decrement = step.reduce((acc, v, i) => acc + v * current.score[i]!, 0);
        beta = newBeta;
        tau = newTau;
        modes.set(trialModes);
        current = trial;
        accepted = true;
        if (Math.abs(decrement) < tolerance && Math.max(...current.score.map(Math.abs)) < 1e-5)
          converged = true;
        break;
      }
      lambda = lambda === 0 ? 1e-3 : lambda * 10;
    }
    if (!accepted) {
      converged = Math.max(...current.score.map(Math.abs)) < 1e-4;
      break;
    }
    if (converged || tau <= minTau + 1e-9) break;
  }
  const sigma = Math.exp(tau);
  // Boundary: compare with the σ = 0 model (the GLM); lme4 reports such fits as singular.
  const singular = sigma < 1e-4 || glm.logLik >= current.logLik;
  let estimate: number[];
  let covariance: number[][];
  let logLik: number;
  if (singular) {
    estimate = glm.beta;
    covariance = glm.covariance;
    logLik = glm.logLik;
    converged = true;
  } else {
    const inv = invert(current.hessian.map((row) => row.map((v) => -v)));
    estimate = beta;
    covariance = inv
      ? inv.slice(0, p).map((row) => row.slice(0, p))
      : zeros(p, p).map((r) => r.map(() => Number.NaN));
    logLik = current.logLik;
  }
  const coefficients = names.map((name, i) => {
    const se = Math.sqrt(covariance[i]![i]!);
    const z = estimate[i]! / se;
    return { name, estimate: estimate[i]!, standardError: se, z, pValue: 2 * normalSf(Math.abs(z)) };
  });
  return {
    coefficients,
    covariance,
    randomInterceptSd: singular ? 0 : sigma,
    logLik,
    converged,
    iterations,
    singular,
    quadraturePoints: Q,
    clusters: clusterCount,
    cells: cells.length,
  };
}

/**
 * Convenience: one coefficient per arm ("cell means": logit of the typical judge's win rate in
 * that arm), from per-(cluster, arm) counts. Contrasts between arms use `covariance`.
 */
export function fitArmGlmm(
  cells: readonly { cluster: string; arm: string; successes: number; trials: number }[],
  arms: readonly string[],
  options: GlmmOptions = {},
): GlmmFit & { clusterLabels: string[] } {
  const clusterIndex = new Map<string, number>();
  const armIndex = new Map(arms.map((a, i) => [a, i]));
  const prepared: GlmmCell[] = [];
  for (const c of cells) {
    const ai = armIndex.get(c.arm);
    if (ai === undefined || c.trials === 0) continue;
    let ci = clusterIndex.get(c.cluster);
    if (ci === undefined) {
      ci = clusterIndex.size;
      clusterIndex.set(c.cluster, ci);
    }
    const x = new Array<number>(arms.length).fill(0);
    x[ai] = 1;
    prepared.push({ cluster: ci, x, successes: c.successes, trials: c.trials });
  }
  const fit = fitRandomInterceptLogit(prepared, clusterIndex.size, arms, options);
  return { ...fit, clusterLabels: [...clusterIndex.keys()] };
}

/** Wald test of β_a − β_b = 0 from a fit's covariance. */
export function glmmContrast(
  fit: GlmmFit,
  a: number,
  b: number,
): { estimate: number; standardError: number; z: number; pValue: number } {
  const est = fit.coefficients[a]!.estimate - fit.coefficients[b]!.estimate;
  const v = fit.covariance[a]![a]! + fit.covariance[b]![b]! - 2 * fit.covariance[a]![b]!;
  const se = Math.sqrt(v);
  const z = est / se;
  return { estimate: est, standardError: se, z, pValue: 2 * normalSf(Math.abs(z)) };
}
