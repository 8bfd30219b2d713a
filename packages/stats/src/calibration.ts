/**
 * Calibration of probabilistic judgments: Brier score, expected calibration error (ECE) with
 * equal-width bins, the data of a reliability diagram, and a judge-clustered interval for the ECE.
 *
 * Bin edges: a value v goes to bin floor(v·B + 1e-9) (the last bin holds 1). The tolerance puts
 * values within 1e-9/B below an edge on the edge, so a stored 0.6999999999999999 (or a confidence
 * 1 − 0.3 computed in floating point) lands in the same bin as 0.7: people give round numbers,
 * and floating-point noise must not move them across edges.
 */
import { type BootstrapOptions, clusterBootstrap } from './bootstrap.ts';

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability (or confidence) in the bin (null when empty). */
  meanPredicted: number | null;
  /** Observed frequency of the outcome (or accuracy) in the bin (null when empty). */
  observedFrequency: number | null;
}

export interface CalibrationResult {
  n: number;
  /** Mean squared error of the forecast; for a judge, mean (1 − p(correct))². */
  brier: number;
  /** Σ_b (n_b / n) · |meanPredicted_b − observedFrequency_b| over equal-width bins of [0, 1]. */
  ece: number;
  bins: ReliabilityBin[];
}

const EDGE_TOLERANCE = 1e-9;

/** Bin of a value in [0, 1] among `bins` equal-width bins, with the edge tolerance above. */
export function binIndex(value: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(value * bins + EDGE_TOLERANCE)));
}

function checkBins(bins: number): void {
  if (!(Number.isInteger(bins) && bins >= 1))
    throw new RangeError(`calibration bins must be a positive integer, got ${bins}`);
}

/** Per-bin sums (count, Σ forecast, Σ outcome) that ECE and its bootstrap are computed from. */
function eceFromSums(sums: Float64Array, bins: number): number {
  let n = 0;
  for (let b = 0; b < bins; b++) n += sums[3 * b]!;
  if (n === 0) return Number.NaN;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const c = sums[3 * b]!;
    if (c > 0) ece += Math.abs(sums[3 * b + 1]! - sums[3 * b + 2]!) / n;
  }
  return ece;
}

function resultOf(sums: Float64Array, bins: number, squaredError: number, n: number): CalibrationResult {
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = sums[3 * b]!;
    out.push({
      lower: b / bins,
      upper: (b + 1) / bins,
      count: c,
      meanPredicted: c > 0 ? sums[3 * b + 1]! / c : null,
      observedFrequency: c > 0 ? sums[3 * b + 2]! / c : null,
    });
  }
  return {
    n,
    brier: n > 0 ? squaredError / n : Number.NaN,
    ece: n > 0 ? eceFromSums(sums, bins) : 0,
    bins: out,
  };
}

/** Calibration of predicted probabilities against binary outcomes, binned by the prediction. */
export function calibration(
  predicted: ArrayLike<number>,
  outcome: ArrayLike<boolean | number>,
  bins = 10,
): CalibrationResult {
  checkBins(bins);
  if (predicted.length !== outcome.length) throw new RangeError('predicted and outcome differ in length');
  const sums = new Float64Array(3 * bins);
  let sq = 0;
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability out of [0, 1] at index ${i}: ${p}`);
    const y = Number(outcome[i]);
    const b = binIndex(p, bins);
    sums[3 * b]!++;
    sums[3 * b + 1]! += p;
    sums[3 * b + 2]! += y;
    sq += (p - y) * (p - y);
  }
  return resultOf(sums, bins, sq, predicted.length);
}

/** |p − 0.5| at most this counts as an exact tie (no answer chosen). */
const TIE = 1e-12;

/**
 * A two-answer judgment as a confidence forecast: the confidence max(p, 1 − p) in the answer the
 * judge leaned to, and whether that answer was correct — 1 or 0, and 0.5 when p = 0.5 (no answer
 * chosen: a coin flip between the two is right half the time, exactly what a confidence of 0.5
 * says, so an honest "don't know" is not counted as miscalibration).
 */
export function confidenceOf(probCorrect: number): { confidence: number; accuracy: number } {
  if (Math.abs(probCorrect - 0.5) <= TIE) return { confidence: 0.5, accuracy: 0.5 };
  return probCorrect > 0.5
    ? { confidence: probCorrect, accuracy: 1 }
    : { confidence: 1 - probCorrect, accuracy: 0 };
}

function judgeSums(probCorrect: ArrayLike<number>, bins: number, index?: ArrayLike<number>) {
  const n = index ? index.length : probCorrect.length;
  const sums = new Float64Array(3 * bins);
  const binOf = new Int32Array(n);
  let sq = 0;
  for (let k = 0; k < n; k++) {
    const i = index ? index[k]! : k;
    const p = probCorrect[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability out of [0, 1] at index ${i}: ${p}`);
    const { confidence, accuracy } = confidenceOf(p);
    const b = binIndex(confidence, bins);
    binOf[k] = b;
    sums[3 * b]!++;
    sums[3 * b + 1]! += confidence;
    sums[3 * b + 2]! += accuracy;
    sq += (1 - p) * (1 - p);
  }
  return { sums, sq, n, binOf };
}

/**
 * Calibration of a judge's two-answer probabilities, binned by confidence (Guo et al. 2017's ECE):
 * each judgment's confidence max(p, 1 − p) goes to one of `bins` equal-width bins of [0, 1] (so
 * with 10 bins only the upper five are used), accuracy as in `confidenceOf`. Brier = mean (1 − p)².
 */
export function judgeCalibration(probCorrect: ArrayLike<number>, bins = 10): CalibrationResult {
  checkBins(bins);
  const { sums, sq, n } = judgeSums(probCorrect, bins);
  return resultOf(sums, bins, sq, n);
}

/**
 * Judge-clustered bootstrap interval of the confidence ECE: judges are resampled whole (a judge's
 * calibration habits are shared by all their judgments). `clusterOf[k]` is the cluster (0-based)
 * of judgment `index[k]`. Note that the ECE is biased upwards in small samples, and so is this
 * interval; it says how much the figure would move with other judges, not that it is unbiased.
 */
export function eceBootstrap(
  probCorrect: ArrayLike<number>,
  index: ArrayLike<number>,
  clusterOf: ArrayLike<number>,
  bins: number,
  options: BootstrapOptions = {},
) {
  checkBins(bins);
  const { binOf } = judgeSums(probCorrect, bins, index);
  // clusters numbered in order of first appearance (a dense table for the analysis's integer codes)
  let maxCluster = -1;
  let dense = true;
  for (let k = 0; k < index.length; k++) {
    const c = clusterOf[index[k]!]!;
    if (c > maxCluster) maxCluster = c;
    if (!(c >= 0 && Number.isInteger(c))) dense = false;
  }
  dense &&= maxCluster < 1 << 26;
  const denseIds = dense ? new Int32Array(maxCluster + 1).fill(-1) : null;
  const mapIds = new Map<number, number>();
  let clusters = 0;
  for (let k = 0; k < index.length; k++) {
    const c = clusterOf[index[k]!]!;
    if (denseIds) {
      if (denseIds[c] === -1) denseIds[c] = clusters++;
    } else if (!mapIds.has(c)) mapIds.set(c, clusters++);
  }
  const clusterIds = { get: (c: number) => (denseIds ? denseIds[c]! : mapIds.get(c)!), size: clusters };
  // Only bins that hold a judgment take part (with 10 bins, confidences ≥ 0.5 fill at most the
  // upper five): the cost per resample is clusters × 3 × occupied bins.
  const slot = new Int32Array(bins).fill(-1);
  let used = 0;
  for (let k = 0; k < index.length; k++) if (slot[binOf[k]!] === -1) slot[binOf[k]!] = used++;
  const width = 3 * used;
  const vectors = new Float64Array(clusterIds.size * width);
  for (let k = 0; k < index.length; k++) {
    const i = index[k]!;
    const at = clusterIds.get(clusterOf[i]!)! * width + 3 * slot[binOf[k]!]!;
    const { confidence, accuracy } = confidenceOf(probCorrect[i]!);
    vectors[at]!++;
    vectors[at + 1]! += confidence;
    vectors[at + 2]! += accuracy;
  }
  // A resample of fewer than 2,000 is enough here when its Monte Carlo error meets the target
  // (it is measured, and more are drawn if not): the ECE costs a vector per cluster per draw.
  return clusterBootstrap(vectors, width, (s) => eceFromSums(s, used), { resamples: 400, ...options });
}
