/**
 * The small-data edge cases of issue 22 (arms at 0% and 100%, 1-10 judgments per arm, 1-5 judges,
 * 1-5 questions, one judge doing everything), each checked against R's answer for it
 * (fixtures/make_edge_grid.R → fixtures/edge-grid.json) and for what the report says about it.
 */
import { describe, expect, it } from 'vitest';
import { type AnalysisReport, analyzeExperiment } from '../src/analysis.ts';
import { aggregateByCluster, pairClusterCounts } from '../src/bootstrap.ts';
import { clusterRobustDifference, clusterRobustRate } from '../src/cluster-robust.ts';
import { fitArmGlmm } from '../src/glmm.ts';
import { fitCrossedGlmm } from '../src/glmm-crossed.ts';
import type { JudgmentRow } from '../src/judgment.ts';
import { studentTQuantile, studentTSf } from '../src/student-t.ts';
import { close, closeP, loadFixture } from './fixtures.ts';

interface Row {
  arm: string;
  judge: string;
  question: string;
  win: number;
}
interface RFit {
  error?: string;
  warnings: string[];
  arms: string[] | string;
  estimate: number[] | number;
  se: number[] | number;
  judgeSd: number;
  questionSd?: number;
  singular: boolean;
  contrasts: { arm1: string; arm2: string; estimate: number; se: number; p: number }[];
  boundaryReference?: { model: string; estimate: number[] | number; se: number[] | number; error?: string };
}
interface RCase {
  name: string;
  rows: Row[];
  arms: {
    arm: string;
    n: number;
    wins: number;
    judges: number;
    binomGreater: number;
    clopperPearson: [number, number];
    robust?: { se: number; seHC1: number; pGreaterT: number | null };
  }[];
  pairs: {
    arm1: string;
    arm2: string;
    propTestP: number | null;
    propTestWarned: boolean;
    fisherP: number;
    robust?: { judges: number; difference: number; se: number; seHC1: number; pT: number | null };
  }[];
  keptArms: string[] | string;
  glmerAllArms: RFit;
  glmerKept?: RFit;
  crossedKept?: RFit;
}
const fixture = loadFixture<{
  cases: RCase[];
  studentT: { t: number; df: number; sf: number; logSf: number; q975: number }[];
}>('edge-grid.json');

const list = <T>(x: T | T[] | undefined | null): T[] => (x == null ? [] : Array.isArray(x) ? x : [x]);

function judgmentRows(rows: readonly Row[]): JudgmentRow[] {
  return rows.map((r, i) => ({
    trialId: `t${i}`,
    arm: r.arm,
    protocol: 'debate',
    questionId: r.question,
    storyId: `story-${r.question}`,
    judgeId: r.judge,
    arguerHonest: null,
    induction: null,
    honestArguerId: null,
    dishonestArguerId: null,
    // a tie (p = 0.5 exactly) for some losses: it counts as not correct
    probCorrect: r.win ? 0.8 : i % 3 === 0 ? 0.5 : 0.3,
    correct: r.win === 1,
    rounds: 1,
    reward: 0,
    beliefs: [r.win ? 0.8 : 0.3],
  }));
}

function judgeCells(rows: readonly Row[], arms: readonly string[]) {
  const cells = new Map<string, { cluster: string; arm: string; successes: number; trials: number }>();
  for (const r of rows) {
    if (!arms.includes(r.arm)) continue;
    const key = `${r.judge}|${r.arm}`;
    const c = cells.get(key) ?? { cluster: r.judge, arm: r.arm, successes: 0, trials: 0 };
    c.trials++;
    c.successes += r.win;
    cells.set(key, c);
  }
  return [...cells.values()];
}

function crossedCells(rows: readonly Row[], arms: readonly string[]) {
  const judges = new Map<string, number>();
  const questions = new Map<string, number>();
  const cells = new Map<
    string,
    { judge: number; question: number; x: number[]; successes: number; trials: number }
  >();
  for (const r of rows) {
    if (!arms.includes(r.arm)) continue;
    if (!judges.has(r.judge)) judges.set(r.judge, judges.size);
    if (!questions.has(r.question)) questions.set(r.question, questions.size);
    const key = `${r.judge}|${r.question}|${r.arm}`;
    const c = cells.get(key) ?? {
      judge: judges.get(r.judge)!,
      question: questions.get(r.question)!,
      x: arms.map((a) => (a === r.arm ? 1 : 0)),
      successes: 0,
      trials: 0,
    };
    c.trials++;
    c.successes += r.win;
    cells.set(key, c);
  }
  return [...cells.values()];
}

/** Estimates and SEs of `ours` against R's fit (or its boundary reference, the model without the effect at 0). */
function expectSameFit(
  ours: { estimate: number; standardError: number }[],
  r: RFit,
  label: string,
  seTolerance: number,
): void {
  const reference = r.boundaryReference ?? r;
  const est = list(reference.estimate);
  const se = list(reference.se);
  ours.forEach((c, i) => {
    expect(close(c.estimate, est[i]!, 1e-4), `${label}: estimate ${i} ${c.estimate} vs R ${est[i]}`).toBe(
      true,
    );
    expect(
      Math.abs(c.standardError - se[i]!) <= seTolerance * se[i]!,
      `${label}: SE ${i} ${c.standardError} vs R ${se[i]}`,
    ).toBe(true);
  });
}

const sentenceAbout = (report: AnalysisReport, prefix: string) =>
  report.verdicts.find((v) => v.startsWith(prefix)) ?? '';

/** The verdict comparing two arms: "Arm A beat B: …" or "Arm A vs B: …", either way round. */
function comparisonSentence(report: AnalysisReport, arm1: string, arm2: string): string {
  const found = report.verdicts.find((v) =>
    [
      [arm1, arm2],
      [arm2, arm1],
    ].some(([hi, lo]) => v.startsWith(`Arm ${hi} beat ${lo}:`) || v.startsWith(`Arm ${hi} vs ${lo}:`)),
  );
  expect(found, `${arm1} vs ${arm2}`).toBeDefined();
  return found!;
}

describe('Student t against R pt / qt', () => {
  it('agrees in the body and far in the tails', () => {
    for (const e of fixture.studentT) {
      expect(closeP(studentTSf(e.t, e.df), e.sf, 1e-9), `pt(${e.t}, ${e.df})`).toBe(true);
      expect(Math.log(studentTSf(e.t, e.df))).toBeCloseTo(e.logSf, 8);
      expect(studentTQuantile(0.975, e.df)).toBeCloseTo(e.q975, 9);
    }
  });
});

describe.each(fixture.cases.map((c) => [c.name, c] as const))('edge case %s', (_name, c) => {
  const rows = judgmentRows(c.rows);
  const report = analyzeExperiment(rows, { seed: 7 });
  const kept = list(c.keptArms);

  it('exact tests agree with R, and the verdict quotes Fisher exactly where R warns about the z-test', () => {
    for (const e of c.arms) {
      const a = report.arms.find((x) => x.arm === e.arm)!;
      expect([a.wins, a.n]).toEqual([e.wins, e.n]);
      expect(closeP(a.binomialPValue!, e.binomGreater, 1e-9)).toBe(true);
      expect(a.clopperPearson.lower!).toBeCloseTo(e.clopperPearson[0], 9);
      expect(a.clopperPearson.upper!).toBeCloseTo(e.clopperPearson[1], 9);
    }
    for (const e of c.pairs) {
      const cmp = report.comparisons.find((x) => x.arm1 === e.arm1 && x.arm2 === e.arm2)!;
      expect(closeP(cmp.fisher.pValue, e.fisherP, 1e-9)).toBe(true);
      if (e.propTestP !== null) expect(closeP(cmp.propTest.pValue, e.propTestP, 1e-9)).toBe(true);
      // R's prop.test warns "Chi-squared approximation may be incorrect" when an expected count is below 5
      expect(cmp.quoted.test).toBe(e.propTestWarned || e.propTestP === null ? 'fisher' : 'z');
      const sentence = comparisonSentence(report, e.arm1, e.arm2);
      expect(sentence.includes("Fisher's exact p")).toBe(cmp.quoted.test === 'fisher');
    }
  });

  it('the judge-clustered sandwich is R vcovCL HC0 (not HC1) with a t(G − 1) p-value, and refused below 10 judges', () => {
    for (const e of c.arms) {
      const sel = c.rows.filter((r) => r.arm === e.arm);
      const robust = clusterRobustRate(
        aggregateByCluster(
          sel.map((r) => r.judge),
          sel.map((r) => r.win),
        ),
      );
      const a = report.arms.find((x) => x.arm === e.arm)!;
      if (e.robust) {
        expect(close(robust.standardError, e.robust.se, 1e-12)).toBe(true);
        if (e.robust.se > 1e-12)
          expect(closeP(robust.pValueGreater, e.robust.pGreaterT!, 1e-9), `${e.arm}`).toBe(true);
        else {
          // every judge at the same rate: R's residuals are rounding noise (SE ~1e-16) and it
          // reports p ~ 1e-32; ours are exactly 0 and give no test
          expect(robust.standardError).toBe(0);
          expect(robust.pValueGreater).toBeNaN();
          expect(a.clusterRobust.pValueGreater).toBeNull();
        }
      }
      if (e.judges < 10) {
        expect(a.clusterRobust.pValueGreater).toBeNull();
        expect(a.clusterRobust.notEstimable).toContain(`fewer than the 10`);
      }
    }
    for (const e of c.pairs) {
      if (!e.robust) continue;
      const pick = (arm: string) => {
        const sel = c.rows.filter((r) => r.arm === arm);
        return aggregateByCluster(
          sel.map((r) => r.judge),
          sel.map((r) => r.win),
        );
      };
      const robust = clusterRobustDifference(pairClusterCounts(pick(e.arm1), pick(e.arm2)));
      expect(close(robust.estimate, e.robust.difference, 1e-12)).toBe(true);
      expect(close(robust.standardError, e.robust.se, 1e-12)).toBe(true);
      if (e.robust.se > 1e-12) {
        expect(closeP(robust.pValue, e.robust.pT!, 1e-9)).toBe(true);
        // HC1 (Stata's CR1) is another estimator: the report must not call HC0 by its name
        expect(e.robust.seHC1).toBeGreaterThan(e.robust.se);
      } else expect(robust.pValue).toBeNaN();
    }
  });

  it('the judge GLMM leaves out separated arms, agrees with glmer on the rest, and refuses what glmer cannot give', () => {
    const separated = c.arms.filter((a) => a.wins === 0 || a.wins === a.n).map((a) => a.arm);
    expect(new Set([...separated, ...kept])).toEqual(new Set(c.arms.map((a) => a.arm)));
    for (const arm of separated) {
      const a = report.arms.find((x) => x.arm === arm)!;
      expect(a.glmm!.pValueGreater).toBeNull();
      expect(a.glmm!.notEstimable).toContain('complete separation');
      // what glmer does with that arm: an error, or an estimate with an enormous standard error
      const all = c.glmerAllArms;
      if (!all.error) expect(list(all.se)[list(all.arms).indexOf(arm)]!).toBeGreaterThan(100);
    }
    const model = report.models.find((m) => m.id === 'judge-all-arms');
    if (
      kept.length === 0 ||
      new Set(c.rows.filter((r) => kept.includes(r.arm)).map((r) => r.judge)).size < 2
    ) {
      expect(model).toBeUndefined();
      if (new Set(c.rows.map((r) => r.judge)).size === 1 && c.glmerAllArms.error)
        expect(c.glmerAllArms.error).toMatch(
          /grouping factors must have > 1 sampled level|Response is constant/,
        );
      for (const a of report.arms) expect(a.glmm!.pValueGreater).toBeNull();
      return;
    }
    expect(model!.arms).toEqual(kept);
    expect(model!.excludedArms.map((e) => e.arm)).toEqual(separated);
    const r = c.glmerKept!;
    expect(r.error).toBeUndefined();
    const fit = fitArmGlmm(judgeCells(c.rows, kept), kept);
    const ourArms = report.arms.filter((a) => kept.includes(a.arm));
    if (r.judgeSd > 10 || !fit.converged) {
      // no finite maximum (R stops somewhere on a ridge), or no convergence: nothing is quoted
      for (const a of ourArms) {
        expect(a.glmm!.logit).toBeNull();
        expect(a.glmm!.notEstimable).toMatch(/no finite estimate|did not converge/);
      }
      return;
    }
    if (r.boundaryReference) expect(fit.singular).toBe(true);
    else expect(close(fit.randomInterceptSd, r.judgeSd, 1e-3)).toBe(true);
    expectSameFit(fit.coefficients, r, 'judge GLMM', 1e-3);
    for (const a of ourArms) {
      expect(a.glmm!.logit).toBeCloseTo(fit.coefficients[kept.indexOf(a.arm)]!.estimate, 10);
      // fewer than 15 judges behind the arm: the estimate is shown, its Wald p-value is not
      if (a.judges < 15) expect(a.glmm!.notEstimable).toContain('fewer than the 15');
    }
  });

  it('the crossed GLMM agrees with glmer where both have a maximum, and is refused where none exists', () => {
    const r = c.crossedKept;
    const model = report.models.find((m) => m.id === 'crossed-all-arms');
    if (!r) {
      expect(model).toBeUndefined();
      return;
    }
    expect(r.error).toBeUndefined();
    const fit = fitCrossedGlmm(crossedCells(c.rows, kept), kept);
    const cmp = report.comparisons.filter((x) => kept.includes(x.arm1) && kept.includes(x.arm2));
    const runaway = (x: number) => x > 10;
    if (runaway(r.judgeSd) || runaway(r.questionSd!) || runaway(fit.judgeSd) || runaway(fit.questionSd)) {
      for (const x of cmp) expect(x.crossedGlmm!.logOddsRatio).toBeNull();
      expect(cmp.every((x) => x.crossedGlmm!.notEstimable?.includes('no finite estimate'))).toBe(true);
      return;
    }
    // a ridge where judge and question variance trade off (R warns): only the arms' estimates are identified
    const ridge = list(r.warnings).length > 0 && !r.boundaryReference;
    expectSameFit(fit.coefficients, r, 'crossed GLMM', ridge ? 1e-2 : 1e-3);
  });

  it('no verdict cites a degenerate result, and every refusal says why', () => {
    for (const a of report.arms) {
      const sentence = sentenceAbout(report, `In ${a.label},`);
      const boot = a.bootstrap.find((b) => b.cluster === 'judge')!;
      if (boot.notEstimable !== null) {
        expect(boot.interval).toEqual({ lower: null, upper: null });
        expect(sentence).toContain(`the judge-clustered bootstrap gives no interval (${boot.notEstimable})`);
        expect(sentence).not.toContain('excludes');
      }
      for (const b of a.bootstrap)
        if (b.notEstimable === null) expect(b.interval.upper!).toBeGreaterThan(b.interval.lower!);
      if (a.glmm?.pValueGreater !== null && a.glmm?.pValueGreater !== undefined)
        expect(a.glmm.standardError!).toBeGreaterThan(0);
    }
    for (const x of report.comparisons) {
      for (const m of [x.glmm, x.crossedGlmm]) {
        if (!m) continue;
        if (m.pValue === null) expect(m.notEstimable).toBeTruthy();
        else expect(Number.isFinite(m.standardError!) && m.standardError! > 0).toBe(true);
      }
      if (x.clusterRobust.pValue === null) expect(x.clusterRobust.notEstimable).toBeTruthy();
    }
    const text = report.verdicts.join(' ');
    // a GLMM p-value is quoted only where one exists
    const quoted = (text.match(/GLMM on [^;.]*p [<=]/g) ?? []).length;
    const exists =
      report.comparisons.filter((x) => x.glmm?.pValue != null).length +
      report.comparisons.filter((x) => x.crossedGlmm?.pValue != null).length;
    expect(quoted).toBe(exists);
    expect(text).not.toMatch(/±0\.00|100\.0–100\.0|0\.0–0\.0/);
  });
});

describe('an arm with no judgments', () => {
  it('is named in a note and in no comparison', () => {
    const c = fixture.cases[0]!;
    const report = analyzeExperiment(judgmentRows(c.rows), { armOrder: ['debate', 'empty', 'oracle'] });
    expect(report.arms.map((a) => a.arm)).toEqual(['debate', 'oracle']);
    expect(report.notes.join(' ')).toContain('Arm empty has no judgments yet');
  });
});
