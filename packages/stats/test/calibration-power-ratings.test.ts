import { judgeReward, NYU_REWARD } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { calibration, judgeCalibration } from '../src/calibration.ts';
import type { JudgmentRow } from '../src/judgment.ts';
import {
  designEffect,
  exactPower,
  sampleSizeTwoProportions,
  sampleSizeWinRate,
  simulatePower,
} from '../src/power.ts';
import { binomialTest } from '../src/proportions.ts';
import { arguerRatings, eloRatings, fitBradleyTerry, type Match } from '../src/ratings.ts';
import { close, loadFixture } from './fixtures.ts';

interface Scipy {
  calibration: {
    brier: number;
    ece: number;
    bins: { count: number; meanPredicted: number | null; observedFrequency: number | null }[];
  };
  powerOneExact: [number, number][];
  powerOneNormal: number[];
}
const inputs = loadFixture<{
  calibration: { predicted: number[]; outcome: boolean[] };
  powerOne: [number, number, number][];
  powerTwo: [number, number, number, number][];
}>('inputs.json');
const scipy = loadFixture<Scipy>('scipy.json');
const r = loadFixture<{ powerTwo: number[] }>('r.json');
const nyu = loadFixture<JudgmentRow[]>('nyu-human-judgments.json');

describe('calibration', () => {
  it('Brier, 10-bin ECE and reliability bins match NumPy', () => {
    const res = calibration(inputs.calibration.predicted, inputs.calibration.outcome);
    expect(res.brier).toBeCloseTo(scipy.calibration.brier, 12);
    expect(res.ece).toBeCloseTo(scipy.calibration.ece, 12);
    res.bins.forEach((b, i) => {
      const e = scipy.calibration.bins[i]!;
      expect(b.count).toBe(e.count);
      if (e.meanPredicted === null) expect(b.meanPredicted).toBeNull();
      else expect(b.meanPredicted!).toBeCloseTo(e.meanPredicted, 12);
      if (e.observedFrequency !== null) expect(b.observedFrequency!).toBeCloseTo(e.observedFrequency, 12);
    });
  });

  it('judge calibration bins by confidence, counting p = 0.5 as half right', () => {
    const probs = [0.91, 0.82, 0.33, 0.95, 0.63, 0.15, 0.99, 0.74, 0.5];
    const res = judgeCalibration(probs);
    expect(res.n).toBe(9);
    expect(res.brier).toBeCloseTo(probs.reduce((a, p) => a + (1 - p) ** 2, 0) / 9, 12);
    // 10 bins over [0, 1]: confidences are ≥ 0.5, so the lower five bins stay empty
    expect(res.bins.slice(0, 5).every((b) => b.count === 0)).toBe(true);
    const conf = probs.map((p) => Math.max(p, 1 - p));
    const ok = probs.map((p) => (p === 0.5 ? 0.5 : p > 0.5 ? 1 : 0));
    expect(res.ece).toBeCloseTo(calibration(conf, ok).ece, 12);
  });
});

describe('judge reward', () => {
  it('reproduces the rewards logged by the NYU platform', () => {
    for (const row of nyu) {
      expect(judgeReward(row.probCorrect, row.rounds, NYU_REWARD)).toBeCloseTo(row.reward, 9);
    }
  });
  it('clamps at the configured floor (1% by default) and supports other bases', () => {
    expect(judgeReward(0, 0)).toBeCloseTo(Math.log2(0.01), 12);
    expect(judgeReward(0, 0, { ...NYU_REWARD, probabilityFloor: 0.001 })).toBeCloseTo(Math.log2(0.001), 12);
    expect(
      judgeReward(0.5, 2, { ...NYU_REWARD, logBase: Math.E, perRoundPenalty: 0.1, constant: 1 }),
    ).toBeCloseTo(Math.log(0.5) + 1 - 0.2, 12);
    expect(() => judgeReward(1.2, 0)).toThrow(/probCorrect/);
  });
});

describe('power', () => {
  it('exact and normal-approximation sample sizes for a win rate match SciPy', () => {
    inputs.powerOne.forEach(([p1, alpha, power], i) => {
      const res = sampleSizeWinRate({ p1, alpha, power });
      expect(res.exactN).toBe(scipy.powerOneExact[i]![0]);
      expect(res.exactCriticalValue).toBe(scipy.powerOneExact[i]![1]);
      expect(res.normalApproximation).toBeCloseTo(scipy.powerOneNormal[i]!, 9);
      expect(res.exactAchievedPower).toBeGreaterThanOrEqual(power);
      expect(exactPower(res.exactN - 1, p1, 0.5, alpha)).toBeLessThan(power);
    });
  });
  it('two-proportion sample size matches R power.prop.test and applies the design effect', () => {
    inputs.powerTwo.forEach(([p1, p2, alpha, power], i) => {
      const res = sampleSizeTwoProportions({ p1, p2, alpha, power });
      expect(Math.abs(res.perGroup - r.powerTwo[i]!)).toBeLessThan(1e-3);
    });
    expect(designEffect(11, 0.1)).toBeCloseTo(2, 12);
    const clustered = sampleSizeTwoProportions({ p1: 0.84, p2: 0.74, clusterSize: 11, icc: 0.1 });
    expect(clustered.perGroupN).toBe(Math.ceil(clustered.perGroup * 2));
  });
  it('simulatePower is seeded and agrees with the exact power', () => {
    const simulate = (rng: { next(): number }): JudgmentRow[] =>
      Array.from({ length: 60 }, (_, i) => {
        const correct = rng.next() < 0.7;
        return { ...nyu[0]!, trialId: `t${i}`, correct, probCorrect: correct ? 0.9 : 0.1 };
      });
    const test = (rows: JudgmentRow[]) =>
      binomialTest(rows.filter((x) => x.correct).length, rows.length, 0.5, 'greater').pValue;
    const a = simulatePower(simulate, test, 400, 11);
    const b = simulatePower(simulate, test, 400, 11);
    expect(a).toEqual(b);
    const exact = exactPower(60, 0.7);
    expect(a.interval.lower).toBeLessThan(exact);
    expect(a.interval.upper).toBeGreaterThan(exact);
  });
});

describe('Bradley-Terry ratings', () => {
  it('recovers the ordering of strengths and does not depend on match order', () => {
    const matches: Match[] = [];
    const strengths: Record<string, number> = { a: 2, b: 0.5, c: 0, d: -1 };
    const names = Object.keys(strengths);
    let seed = 1;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let k = 0; k < 3000; k++) {
      const i = names[k % 4]!;
      const j = names[(k + 1 + (k % 3)) % 4]!;
      if (i === j) continue;
      const p = 1 / (1 + Math.exp(-(strengths[i]! - strengths[j]!)));
      matches.push({ player1: i, player2: j, player1Won: rand() < p });
    }
    const fit = fitBradleyTerry(matches);
    const rev = fitBradleyTerry([...matches].reverse());
    expect(fit.converged).toBe(true);
    const byName = Object.fromEntries(fit.ratings.map((x) => [x.player, x]));
    const byNameRev = Object.fromEntries(rev.ratings.map((x) => [x.player, x]));
    for (const n of names) expect(byName[n]!.elo).toBeCloseTo(byNameRev[n]!.elo, 6);
    expect(byName.a!.elo).toBeGreaterThan(byName.b!.elo);
    expect(byName.b!.elo).toBeGreaterThan(byName.c!.elo);
    expect(byName.c!.elo).toBeGreaterThan(byName.d!.elo);
    const diff = byName.a!.logStrength - byName.d!.logStrength;
    expect(close(diff, 3, 0.15)).toBe(true);
    expect(byName.a!.eloStandardError).toBeGreaterThan(0);
  });

  it('gives every NYU arguer an honest and a dishonest rating, finite even when unbeaten', () => {
    const ratings = arguerRatings(nyu);
    const roles = new Set(ratings.map((x) => x.role));
    expect(roles).toEqual(new Set(['honest', 'dishonest', 'baseline']));
    for (const x of ratings) expect(Number.isFinite(x.elo)).toBe(true);
    const unbeaten = fitBradleyTerry([{ player1: 'x', player2: 'y', player1Won: true }]);
    expect(Number.isFinite(unbeaten.ratings[0]!.elo)).toBe(true);
  });
});

describe('intraclass correlation', () => {
  it('is 0 for identical clusters and large for clusters that differ completely', async () => {
    const { estimateIcc } = await import('../src/power.ts');
    const same = estimateIcc({
      clusters: ['a', 'b', 'c'],
      successes: Float64Array.of(5, 5, 5),
      trials: Float64Array.of(10, 10, 10),
    });
    expect(same.icc).toBe(0);
    const split = estimateIcc({
      clusters: ['a', 'b', 'c', 'd'],
      successes: Float64Array.of(10, 0, 10, 0),
      trials: Float64Array.of(10, 10, 10, 10),
    });
    expect(split.icc).toBeCloseTo(1, 6);
    // matches the ANOVA formula on a hand-worked example
    const ex = estimateIcc({
      clusters: ['a', 'b'],
      successes: Float64Array.of(3, 1),
      trials: Float64Array.of(4, 4),
    });
    const msb = ((3 - 2) ** 2 / 4 + (1 - 2) ** 2 / 4) / 1;
    const msw = (3 - 9 / 4 + (1 - 1 / 4)) / 6;
    expect(ex.icc).toBeCloseTo((msb - msw) / (msb + 3 * msw), 12);
  });
});

describe('Elo', () => {
  const inputs11 = loadFixture<{ elo: { k: number; initial: number; matches: Match[] } }>('inputs.json');
  const rElo = loadFixture<{ elo: Record<string, number> }>('r.json').elo;
  it('matches an independent R loop, match by match', () => {
    const { k, initial, matches } = inputs11.elo;
    const ratings = eloRatings(matches, { k, initial });
    expect(ratings.size).toBe(Object.keys(rElo).length);
    for (const [player, expected] of Object.entries(rElo))
      expect(ratings.get(player)!).toBeCloseTo(expected, 9);
  });
  it('depends on the order of the matches, unlike Bradley-Terry', () => {
    const { matches } = inputs11.elo;
    const reversed = eloRatings([...matches].reverse());
    const forward = eloRatings(matches);
    expect([...forward.values()].some((v, i) => Math.abs(v - [...reversed.values()][i]!) > 1)).toBe(true);
  });
  it('is reported beside Bradley-Terry for every arguer role', () => {
    const ratings = arguerRatings(nyu);
    expect(ratings.every((x) => Number.isFinite(x.sequentialElo))).toBe(true);
    // a zero-sum update: the mean Elo of all players stays at the start value
    expect(ratings.reduce((a, x) => a + x.sequentialElo, 0) / ratings.length).toBeCloseTo(1500, 9);
  });
});
