import { describe, expect, it } from 'vitest';
import { analyzeExperiment } from '../src/analysis.ts';
import { aggregateByCluster, clusterBootstrapRate, quantileMcse } from '../src/bootstrap.ts';
import type { JudgmentRow } from '../src/judgment.ts';
import { intervalRelation, stableDecimals } from '../src/monte-carlo.ts';
import { createRng } from '../src/rng.ts';
import { loadFixture } from './fixtures.ts';

const nyu = loadFixture<JudgmentRow[]>('nyu-human-judgments.json');

describe('Monte Carlo error of bootstrap intervals', () => {
  it('estimates the spread of a quantile over repeated runs', () => {
    // 200 runs of the 2.5% quantile of 2,000 uniform draws: its SD is √(q(1−q)/B) = 0.0035
    const rng = createRng(4);
    const runs: number[] = [];
    const estimates: number[] = [];
    for (let k = 0; k < 200; k++) {
      const draws = Float64Array.from({ length: 2000 }, () => rng.next()).sort();
      runs.push(draws[Math.round(0.025 * 1999)]!);
      estimates.push(quantileMcse(draws, 0.025));
    }
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    const sd = Math.sqrt(runs.reduce((a, b) => a + (b - mean) ** 2, 0) / (runs.length - 1));
    const typical = estimates.reduce((a, b) => a + b, 0) / estimates.length;
    expect(sd).toBeGreaterThan(0.0025);
    expect(sd).toBeLessThan(0.0045);
    expect(Math.abs(typical / sd - 1)).toBeLessThan(0.25);
  });

  it('resamples until every end is within the target, continuing the same stream', () => {
    const debate = nyu.filter((r) => r.arm === 'human-debate');
    const counts = aggregateByCluster(
      debate.map((r) => r.judgeId),
      debate.map((r) => r.correct),
    );
    const loose = clusterBootstrapRate(counts, { seed: 7, mcseTarget: 1 });
    const tight = clusterBootstrapRate(counts, { seed: 7, mcseTarget: 0.0005, relativeMcseTarget: 0 });
    expect(loose.resamples).toBe(2000);
    expect(tight.resamples).toBeGreaterThan(8000);
    expect(tight.mcse.lower).toBeLessThanOrEqual(0.0005);
    expect(tight.mcse.upper).toBeLessThanOrEqual(0.0005);
    expect(tight.converged).toBe(true);
    const capped = clusterBootstrapRate(counts, { seed: 7, mcseTarget: 1e-9, maxResamples: 4000 });
    expect(capped.resamples).toBe(4000);
    expect(capped.converged).toBe(false);
  });

  it('decides sides and digits only beyond five Monte Carlo errors', () => {
    expect(stableDecimals(0.231, 0.0001)).toBe(0); // 23.06–23.16: 23 either way
    expect(stableDecimals(0.245, 0.00002)).toBe(1); // 24.49–24.51: 24 or 25, but 24.5 either way
    expect(stableDecimals(0.2349, 0.0001)).toBeNull(); // 23.44–23.54: neither 23/24 nor 23.4/23.5 is settled
    const r = (lower: number, upper: number, m: number) => ({
      interval: { lower, upper },
      mcse: { lower: m, upper: m },
    });
    expect(intervalRelation(r(0.01, 0.2, 0.001), 0)).toBe('above');
    expect(intervalRelation(r(-0.01, 0.2, 0.001), 0)).toBe('includes');
    expect(intervalRelation(r(-0.002, 0.2, 0.001), 0)).toBe('unsettled');
  });
});

describe('verdicts do not rest on Monte Carlo noise', () => {
  it('the NYU human debate and consultancy verdicts are the same for 20 seeds', () => {
    const verdicts = new Set<string>();
    let resamples = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const report = analyzeExperiment(nyu, {
        armOrder: ['human-debate', 'human-consultancy'],
        seed,
        bootstrapClusters: ['judge'],
        crossedGlmm: false,
      });
      verdicts.add(report.verdicts.join('\n'));
      resamples = Math.max(resamples, report.comparisons[0]!.bootstrap[0]!.resamples);
    }
    expect([...verdicts]).toHaveLength(1);
    // the comparison's judge-clustered interval needed more than the default 2,000 resamples
    expect(resamples).toBeGreaterThan(2000);
    const [text] = [...verdicts];
    expect(text).toContain('Arm human-debate beat human-consultancy');
  }, 60_000);
});
