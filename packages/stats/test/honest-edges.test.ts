/**
 * The findings of issue 22, one test each: every one of these failed on the code before the fix.
 */
import { describe, expect, it } from 'vitest';
import { analyzeExperiment } from '../src/analysis.ts';
import { clusterBootstrapRate, expandedPercentileLevel } from '../src/bootstrap.ts';
import { MIN_CLUSTERS } from '../src/estimability.ts';
import type { JudgmentRow } from '../src/judgment.ts';
import { reportTables } from '../src/report-tables.ts';
import { createRng } from '../src/rng.ts';
import { loadFixture } from './fixtures.ts';

interface ArmSpec {
  arm: string;
  wins: number;
  n: number;
  judges: number;
  questions?: number;
  protocol?: JudgmentRow['protocol'];
}

/** Judgments of each arm: the first `wins` won, judges and questions taken in turn. */
function rows(specs: readonly ArmSpec[]): JudgmentRow[] {
  let t = 0;
  return specs.flatMap((a) =>
    Array.from({ length: a.n }, (_, i) => {
      const won = i < a.wins;
      const q = `q${(i * 7) % (a.questions ?? 20)}`;
      return {
        trialId: `t${t++}`,
        arm: a.arm,
        protocol: a.protocol ?? 'debate',
        questionId: q,
        storyId: `s-${q}`,
        judgeId: `j${i % a.judges}`,
        arguerHonest: null,
        induction: null,
        honestArguerId: null,
        dishonestArguerId: null,
        probCorrect: won ? 0.8 : 0.3,
        correct: won,
        rounds: 1,
        reward: 0,
        beliefs: [won ? 0.8 : 0.3],
      };
    }),
  );
}

describe('1. complete separation is not presented as significance', () => {
  it('an oracle arm at 10/10 gets no GLMM p-value, and no verdict cites one', () => {
    const report = analyzeExperiment(
      rows([
        { arm: 'debate', wins: 6, n: 10, judges: 3 },
        { arm: 'oracle', wins: 10, n: 10, judges: 3, protocol: 'oracle' },
      ]),
    );
    const oracle = report.arms.find((a) => a.arm === 'oracle')!;
    expect(oracle.glmm!.pValueGreater).toBeNull();
    expect(oracle.glmm!.logit).toBeNull();
    expect(oracle.glmm!.notEstimable).toContain('complete separation');
    const c = report.comparisons[0]!;
    expect(c.glmm!.pValue).toBeNull();
    expect(c.crossedGlmm!.pValue).toBeNull();
    const text = report.verdicts.join(' ');
    expect(text).not.toMatch(/GLMM[^;]* p [<=]/);
    expect(text).toContain("Fisher's exact p = 0.087");
    expect(report.models.find((m) => m.id === 'judge-all-arms')!.excludedArms).toEqual([
      { arm: 'oracle', reason: 'all 10 judgments won; complete separation: the logit is +∞' },
    ]);
  });

  it('one judgment per arm gives no GLMM p-value anywhere', () => {
    const report = analyzeExperiment(
      rows([
        { arm: 'a', wins: 1, n: 1, judges: 1 },
        { arm: 'b', wins: 0, n: 1, judges: 1 },
        { arm: 'c', wins: 1, n: 1, judges: 1 },
      ]),
    );
    for (const a of report.arms) expect(a.glmm!.pValueGreater).toBeNull();
    for (const c of report.comparisons) expect(c.glmm!.pValue).toBeNull();
  });

  it('an arm at 100% no longer zeroes the other arms’ standard errors: glmer on the rest agrees', () => {
    // The grid's 12-judge case: ordinary arms a (40/60) and b (30/60) beside c at 9/9.
    const grid = loadFixture<{
      cases: {
        name: string;
        rows: { arm: string; judge: string; question: string; win: number }[];
        glmerKept: {
          estimate: number[];
          se: number[];
          contrasts: { estimate: number; se: number; p: number }[];
          judgeSd: number;
        };
      }[];
    }>('edge-grid.json');
    const c = grid.cases.find((x) => x.name.startsWith('12 judges'))!;
    const report = analyzeExperiment(
      c.rows.map((r, i) => ({
        trialId: `t${i}`,
        arm: r.arm,
        protocol: 'debate',
        questionId: r.question,
        storyId: r.question,
        judgeId: r.judge,
        arguerHonest: null,
        induction: null,
        honestArguerId: null,
        dishonestArguerId: null,
        probCorrect: r.win ? 0.9 : 0.1,
        correct: r.win === 1,
        rounds: 0,
        reward: 0,
        beliefs: [],
      })),
    );
    const ab = report.comparisons.find((x) => x.arm1 === 'a' && x.arm2 === 'b')!;
    const e = c.glmerKept.contrasts[0]!;
    expect(ab.glmm!.standardError!).toBeCloseTo(e.se, 4);
    expect(ab.glmm!.logOddsRatio!).toBeCloseTo(e.estimate, 4);
    // 12 judges: the contrast is estimated, its Wald p-value is not quoted (fewer than 15 judges)
    expect(ab.glmm!.pValue).toBeNull();
    expect(ab.glmm!.notEstimable).toBe(
      '12 judges, fewer than the 15 a Wald test from a random-intercept model needs',
    );
    expect(report.arms.find((a) => a.arm === 'a')!.glmm!.standardError).toBeCloseTo(c.glmerKept.se[0]!, 4);
  });
});

describe('2. one cluster, or clusters that do not vary, give no interval', () => {
  it('a one-judge arm (an AI judge from rejudge) has no judge-clustered interval and no "excludes"', () => {
    const report = analyzeExperiment(
      rows([
        { arm: 'human', wins: 90, n: 154, judges: 19 },
        { arm: 'ai-judge', wins: 91, n: 154, judges: 1 },
      ]),
    );
    const ai = report.arms.find((a) => a.arm === 'ai-judge')!;
    const judgeBoot = ai.bootstrap.find((b) => b.cluster === 'judge')!;
    expect(judgeBoot.interval).toEqual({ lower: null, upper: null });
    expect(judgeBoot.notEstimable).toBe(
      `1 judge, fewer than the ${MIN_CLUSTERS.bootstrap} a cluster bootstrap needs`,
    );
    const sentence = report.verdicts.find((v) => v.startsWith('In ai-judge'))!;
    expect(sentence).toContain('the judge-clustered bootstrap gives no interval');
    expect(sentence).not.toContain('excludes');
  });

  it('an arm at 100% with many judges shows no "100.0–100.0" interval', () => {
    const report = analyzeExperiment(rows([{ arm: 'oracle', wins: 40, n: 40, judges: 12 }]));
    const b = report.arms[0]!.bootstrap.find((x) => x.cluster === 'judge')!;
    expect(b.notEstimable).toContain('the judges do not differ in it');
    const table = reportTables(report).find((t) => t.id === 'arms')!;
    expect(table.rows[0]!.join(' ')).not.toContain('100.0–100.0');
    expect(table.rows[0]).toContain('n/e');
  });

  it('with 7 judges and a true rate of 50%, the judge-clustered interval excludes 50% near 5% of the time', () => {
    // 1,000 seeded null studies, 10 judgments per judge, no judge effect. The plain percentile
    // interval excluded 50% in about 10% of such studies (few-clusters.ts), the expanded one in about 5%.
    const rng = createRng('seven judges');
    const G = 7;
    let excluded = 0;
    const sims = 1000;
    for (let s = 0; s < sims; s++) {
      const successes = new Float64Array(G);
      const trials = new Float64Array(G).fill(10);
      for (let g = 0; g < G; g++) for (let k = 0; k < 10; k++) if (rng.next() < 0.5) successes[g]!++;
      const r = clusterBootstrapRate(
        { clusters: Array.from({ length: G }, (_, i) => String(i)), successes, trials },
        { resamples: 999, maxResamples: 999, mcseTarget: Number.POSITIVE_INFINITY, seed: s },
      );
      if (r.interval.lower > 0.5 || r.interval.upper < 0.5) excluded++;
    }
    // MC SE of a 5% rate over 1,000 studies: 0.7 points
    expect(excluded / sims).toBeLessThan(0.075);
    expect(expandedPercentileLevel(0.95, 7)).toBeCloseTo(0.9918, 3);
  });
});

describe('2b. a difference needs clusters in both arms', () => {
  it('one judgment in one arm against 19 judges in the other: no judge-clustered interval of the difference', () => {
    // NYU's ai-debate-offline (0 of 1) against human-debate: drawn into the union of 19 judges, the
    // one judgment made a bootstrap interval that "excluded zero"
    const report = analyzeExperiment(
      rows([
        { arm: 'debate', wins: 130, n: 154, judges: 19 },
        { arm: 'offline', wins: 0, n: 1, judges: 1 },
      ]),
    );
    const c = report.comparisons[0]!;
    const judgeBoot = c.bootstrap.find((b) => b.cluster === 'judge')!;
    expect(judgeBoot.notEstimable).toBe('1 judge, fewer than the 6 a cluster bootstrap needs');
    expect(c.clusterRobust.pValue).toBeNull();
    expect(report.verdicts.join(' ')).not.toMatch(/Debate vs offline[^•]*excludes zero/);
  });

  it('an arm whose consultants were never honest says so, with no "–%" rate', () => {
    const judgments = rows([{ arm: 'consultancy', wins: 2, n: 2, judges: 1, protocol: 'consultancy' }]).map(
      (r) => ({
        ...r,
        arguerHonest: false,
      }),
    );
    const sentence = analyzeExperiment(judgments).verdicts.find((v) => v.includes('accepted'))!;
    expect(sentence).toBe(
      "In consultancy, judges accepted dishonest consultants' answers in 0.0% (0 of 2); no judge has judged an honest consultant yet, so there is no gap to give.",
    );
  });
});

describe('3. a missing p-value says why', () => {
  it('NYU with two tiny arms (0/1, 2/2): the human arms keep their GLMM p-values, and the notes say what was left out', () => {
    const nyu = loadFixture<JudgmentRow[]>('nyu-human-judgments.json');
    const tiny = rows([
      { arm: 'offline-a', wins: 0, n: 1, judges: 1 },
      { arm: 'offline-b', wins: 2, n: 2, judges: 1 },
    ]).map((r) => ({ ...r, judgeId: nyu[0]!.judgeId, trialId: `tiny-${r.trialId}` }));
    const options = { bootstrapClusters: ['judge' as const], crossedGlmm: false, bootstrapResamples: 200 };
    const alone = analyzeExperiment(nyu, options);
    const report = analyzeExperiment([...nyu, ...tiny], options);
    for (const arm of ['human-debate', 'human-consultancy']) {
      const a = report.arms.find((x) => x.arm === arm)!;
      const before = alone.arms.find((x) => x.arm === arm)!.glmm!;
      expect(a.glmm!.logit!).toBeCloseTo(before.logit!, 10);
      expect(a.glmm!.standardError!).toBeCloseTo(before.standardError!, 10);
    }
    // 19 judges in human debate: its p-value is quoted (11 in consultancy: fewer than 15, not quoted)
    expect(report.arms.find((x) => x.arm === 'human-debate')!.glmm!.pValueGreater).not.toBeNull();
    const c = report.comparisons.find((x) => x.arm1 === 'human-debate' && x.arm2 === 'human-consultancy')!;
    expect(c.glmm!.pValue!).toBeCloseTo(alone.comparisons[0]!.glmm!.pValue!, 10);
    expect(report.notes.join(' ')).toContain('leaves out offline-a, offline-b');
    for (const arm of ['offline-a', 'offline-b'])
      expect(report.arms.find((x) => x.arm === arm)!.glmm!.notEstimable).toContain('complete separation');
  });

  it('a judge GLMM is not fitted on one judge (glmer refuses), and says so', () => {
    const report = analyzeExperiment(
      rows([
        { arm: 'a', wins: 6, n: 10, judges: 1 },
        { arm: 'b', wins: 3, n: 10, judges: 1 },
      ]),
    );
    expect(report.models.find((m) => m.id === 'judge-all-arms')).toBeUndefined();
    expect(report.arms[0]!.glmm!.notEstimable).toContain('a judge random effect needs at least two judges');
    expect(report.notes.join(' ')).not.toContain('judges did not differ detectably');
  });
});

describe('4. costs in proportion', () => {
  it('an interval end exactly on 50% counts as settled: no chase to the resample cap', () => {
    // 8 judges, 6 at 1 of 2 and 2 at 2 of 2: ~10% of resamples draw no 2-of-2 judge and give exactly 50%,
    // so the lower end is 50% itself, with no Monte Carlo error
    const successes = Float64Array.from([1, 1, 1, 1, 1, 1, 2, 2]);
    const trials = new Float64Array(8).fill(2);
    const counts = { clusters: Array.from({ length: 8 }, (_, i) => String(i)), successes, trials };
    const report = analyzeExperiment(
      Array.from(counts.clusters).flatMap((c, g) =>
        [0, 1].map((k) => ({
          trialId: `${c}-${k}`,
          arm: 'debate',
          protocol: 'debate' as const,
          questionId: `q${g}-${k}`,
          storyId: 's',
          judgeId: c,
          arguerHonest: null,
          induction: null,
          honestArguerId: null,
          dishonestArguerId: null,
          probCorrect: k < successes[g]! ? 0.9 : 0.1,
          correct: k < successes[g]!,
          rounds: 0,
          reward: 0,
          beliefs: [],
        })),
      ),
      { bootstrapClusters: ['judge'], glmm: false },
    );
    const b = report.arms[0]!.bootstrap[0]!;
    expect(b.interval.lower).toBe(0.5);
    expect(b.relation).toBe('includes');
    expect(b.resamples).toBeLessThanOrEqual(4000);
  });

  it('a 60-judgment experiment draws thousands of resamples per interval, not a million', () => {
    // Two arms of 8 judges with 2 judgments each (6 judges at 1 of 2, 2 at 2 of 2: an interval end on
    // 50% exactly), and an oracle arm at 28 of 28: before the fix the first two chased the end to the
    // 1,000,000-resample cap.
    const judgments: JudgmentRow[] = [];
    for (const arm of ['debate', 'consultancy'])
      for (let g = 0; g < 8; g++)
        for (let k = 0; k < 2; k++)
          judgments.push(
            ...rows([{ arm, wins: k === 0 || g >= 6 ? 1 : 0, n: 1, judges: 1 }]).map((r) => ({
              ...r,
              trialId: `${arm}-${g}-${k}`,
              judgeId: `j${g}`,
              questionId: `q${g}-${k}`,
            })),
          );
    judgments.push(...rows([{ arm: 'oracle', wins: 28, n: 28, judges: 8, protocol: 'oracle' }]));
    expect(judgments).toHaveLength(60);
    const report = analyzeExperiment(judgments);
    const all = [
      ...report.arms.flatMap((a) => a.bootstrap),
      ...report.comparisons.flatMap((c) => c.bootstrap),
    ];
    expect(Math.max(...all.map((b) => b.resamples))).toBeLessThanOrEqual(64_000);
  });
});

describe('the sandwich is named for what it is', () => {
  it('HC0 with the G/(G−1) adjustment and a t(G − 1) reference, not "CR1"', () => {
    const report = analyzeExperiment(rows([{ arm: 'debate', wins: 30, n: 50, judges: 10 }]));
    const note = reportTables(report).find((t) => t.id === 'arms')!.note!;
    expect(note).toContain('HC0 with the G/(G−1) cluster adjustment');
    expect(note).not.toContain('CR1');
    expect(report.arms[0]!.clusterRobust.df).toBe(9);
  });
});
