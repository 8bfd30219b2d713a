import { describe, expect, it } from 'vitest';
import { analyzeExperiment } from '../src/analysis.ts';
import { binIndex, eceBootstrap, judgeCalibration } from '../src/calibration.ts';
import type { JudgmentRow } from '../src/judgment.ts';
import { loadFixture } from './fixtures.ts';

/**
 * ECE by confidence on the probabilities people give (round numbers and their floating-point
 * neighbours, p = 0.5) and with odd bin counts, against exact rational arithmetic in
 * fixtures/make_fixtures.py.
 */
const inputs = loadFixture<{ calibrationEdges: { name: string; probs: number[]; bins: number }[] }>(
  'inputs.json',
);
const expected = loadFixture<{
  calibrationEdges: {
    name: string;
    ece: number;
    bins: { count: number; meanConfidence: number | null; accuracy: number | null }[];
  }[];
}>('scipy.json').calibrationEdges;
const nyu = loadFixture<JudgmentRow[]>('nyu-human-judgments.json');

describe('confidence ECE at bin edges', () => {
  it('gives the issue example 0.225 (0.3 and 0.75 share the [0.7, 0.8) confidence bin)', () => {
    expect(judgeCalibration([0.3, 0.75]).ece).toBeCloseTo(0.225, 15);
  });

  for (const [i, c] of inputs.calibrationEdges.entries()) {
    it(`${c.name}: ECE and every bin match exact arithmetic`, () => {
      const e = expected[i]!;
      const res = judgeCalibration(c.probs, c.bins);
      expect(res.ece).toBeCloseTo(e.ece, 12);
      res.bins.forEach((b, k) => {
        expect(b.count, `bin ${k}`).toBe(e.bins[k]!.count);
        if (e.bins[k]!.meanConfidence !== null) {
          expect(b.meanPredicted!).toBeCloseTo(e.bins[k]!.meanConfidence!, 9);
          expect(b.observedFrequency!).toBeCloseTo(e.bins[k]!.accuracy!, 12);
        }
      });
    });
  }

  it('puts a value a rounding error below an edge on the edge', () => {
    expect(binIndex(0.7 - 2 ** -53, 10)).toBe(7);
    expect(binIndex(1 - 0.3, 10)).toBe(7);
    expect(binIndex(0.5999999999999999, 10)).toBe(6);
    expect(binIndex(1, 10)).toBe(9);
    expect(binIndex(0.69, 10)).toBe(6);
  });

  it('refuses a bin count that is not a positive integer', () => {
    expect(() => judgeCalibration([0.7], 0)).toThrow(/positive integer/);
    expect(() => judgeCalibration([0.7], 2.5)).toThrow(/positive integer/);
  });
});

describe('ECE interval', () => {
  it('resamples judges, covers the estimate and reports its Monte Carlo error', () => {
    const idx = nyu.map((_, i) => i).filter((i) => nyu[i]!.arm === 'human-consultancy');
    const judges = new Map<string, number>();
    const clusterOf = nyu.map((r) => {
      if (!judges.has(r.judgeId)) judges.set(r.judgeId, judges.size);
      return judges.get(r.judgeId)!;
    });
    const probs = nyu.map((r) => r.probCorrect);
    const res = eceBootstrap(probs, idx, clusterOf, 10, { seed: 3 });
    const point = judgeCalibration(idx.map((i) => probs[i]!)).ece;
    expect(res.estimate).toBeCloseTo(point, 12);
    expect(res.interval.lower).toBeLessThan(point);
    expect(res.interval.upper).toBeGreaterThan(point);
    // within the target: 0.001, or 1% of the interval's width if that is larger
    const wanted = Math.max(0.001, 0.01 * (res.interval.upper - res.interval.lower));
    expect(res.mcse.lower).toBeLessThanOrEqual(wanted);
    expect(res.mcse.upper).toBeLessThanOrEqual(wanted);
  });

  it('is in every arm of the report', () => {
    const report = analyzeExperiment(nyu, { bootstrapClusters: ['judge'], glmm: false });
    for (const arm of report.arms) {
      const b = arm.calibration.eceBootstrap!;
      expect(b.cluster).toBe('judge');
      expect(b.interval.lower!).toBeLessThanOrEqual(arm.calibration.ece);
    }
  });
});
