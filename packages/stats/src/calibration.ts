/**
 * Calibration of probabilistic judgments: Brier score, expected calibration error (ECE) with
 * equal-width bins, and the data of a reliability diagram.
 */

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin (null when empty). */
  meanPredicted: number | null;
  /** Observed frequency of the outcome in the bin (null when empty). */
  observedFrequency: number | null;
}

export interface CalibrationResult {
  n: number;
  brier: number;
  /** Σ_b (n_b / n) · |meanPredicted_b − observedFrequency_b| over equal-width bins. */
  ece: number;
  bins: ReliabilityBin[];
}

/** Bin index of a probability: floor(p · bins), with p = 1 in the last bin. */
function binOf(p: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
}

class Accumulator {
  readonly count: Float64Array;
  readonly sumPred: Float64Array;
  readonly sumOutcome: Float64Array;
  n = 0;
  sq = 0;
  constructor(readonly bins: number) {
    this.count = new Float64Array(bins);
    this.sumPred = new Float64Array(bins);
    this.sumOutcome = new Float64Array(bins);
  }
  add(p: number, y: number): void {
    this.addToBin(binOf(p, this.bins), p, y);
  }
  addToBin(b: number, p: number, y: number): void {
    this.count[b]!++;
    this.sumPred[b]! += p;
    this.sumOutcome[b]! += y;
    this.sq += (p - y) * (p - y);
    this.n++;
  }
  result(): CalibrationResult {
    const bins: ReliabilityBin[] = [];
    let ece = 0;
    for (let b = 0; b < this.bins; b++) {
      const c = this.count[b]!;
      const mp = c > 0 ? this.sumPred[b]! / c : null;
      const of = c > 0 ? this.sumOutcome[b]! / c : null;
      if (mp !== null && of !== null) ece += (c / this.n) * Math.abs(mp - of);
      bins.push({
        lower: b / this.bins,
        upper: (b + 1) / this.bins,
        count: c,
        meanPredicted: mp,
        observedFrequency: of,
      });
    }
    return { n: this.n, brier: this.n > 0 ? this.sq / this.n : Number.NaN, ece, bins };
  }
}

/** Calibration of predicted probabilities against binary outcomes. */
export function calibration(
  predicted: ArrayLike<number>,
  outcome: ArrayLike<boolean | number>,
  bins = 10,
): CalibrationResult {
  if (predicted.length !== outcome.length) throw new RangeError('predicted and outcome differ in length');
  const acc = new Accumulator(bins);
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability out of [0, 1] at index ${i}: ${p}`);
    acc.add(p, outcome[i] ? 1 : 0);
  }
  return acc.result();
}

/**
 * Calibration of a judge's two-answer probabilities from the probability on the correct answer.
 * Each judgment contributes both of its forecasts: p on the correct answer (outcome 1) and 1 − p
 * on the incorrect one (outcome 0). The diagram is then symmetric about 0.5; its upper half is
 * the usual confidence-vs-accuracy diagram and the ECE equals the confidence-based ECE (except
 * that p = 0.5 counts as half right instead of wrong). The Brier score is mean (1 − p)².
 */
export function judgeCalibration(probCorrect: ArrayLike<number>, bins = 10): CalibrationResult {
  const acc = new Accumulator(bins);
  for (let i = 0; i < probCorrect.length; i++) {
    const p = probCorrect[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability out of [0, 1] at index ${i}: ${p}`);
    // the mirrored forecast goes to the mirrored bin, so the diagram is exactly symmetric
    const b = binOf(p, bins);
    acc.addToBin(b, p, 1);
    acc.addToBin(bins - 1 - b, 1 - p, 0);
  }
  const r = acc.result();
  return { ...r, n: r.n / 2 };
}
