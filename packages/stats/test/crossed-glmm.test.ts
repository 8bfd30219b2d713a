import { describe, expect, it } from 'vitest';
import { analyzeExperiment } from '../src/analysis.ts';
import { crossedGlmmCost, crossedGlmmCostOfObservations, fitCrossedGlmm } from '../src/glmm-crossed.ts';
import type { JudgmentRow } from '../src/judgment.ts';
import { loadFixture } from './fixtures.ts';

type Dataset = {
  arms: string[];
  rows: { judge: string; question: string; arm: string; successes: number; trials: number }[];
};
const inputs = loadFixture<{ crossed: Record<string, Dataset> }>('inputs.json');
const r = loadFixture<{
  crossed: Record<
    string,
    {
      estimate: number[];
      se: number[];
      judgeSd: number;
      questionSd: number;
      logLik: number;
      singular: boolean;
      contrast: { estimate: number; se: number; p: number };
    }
  >;
}>('r.json');
const nyu = loadFixture<JudgmentRow[]>('nyu-human-judgments.json');

function cellsOf(ds: Dataset) {
  const judges = new Map<string, number>();
  const questions = new Map<string, number>();
  const id = (m: Map<string, number>, k: string) => {
    if (!m.has(k)) m.set(k, m.size);
    return m.get(k)!;
  };
  return ds.rows.map((row) => ({
    judge: id(judges, row.judge),
    question: id(questions, row.question),
    x: ds.arms.map((a) => (a === row.arm ? 1 : 0)),
    successes: row.successes,
    trials: row.trials,
  }));
}

describe('crossed judge + question random-intercept model (Laplace) against lme4 glmer', () => {
  for (const [name, ds] of Object.entries(inputs.crossed)) {
    it(`${name}: estimates, standard errors, SDs and log-likelihood`, () => {
      const fit = fitCrossedGlmm(cellsOf(ds), ds.arms);
      const e = r.crossed[name]!;
      fit.coefficients.forEach((c, i) => {
        expect(c.estimate).toBeCloseTo(e.estimate[i]!, 4);
        // lme4's standard errors come from a finite-difference Hessian as ours do: agree to 0.1%
        expect(Math.abs(c.standardError / e.se[i]! - 1)).toBeLessThan(1e-3);
      });
      expect(fit.judgeSd).toBeCloseTo(e.judgeSd, 3);
      expect(fit.questionSd).toBeCloseTo(e.questionSd, 3);
      expect(fit.logLik).toBeCloseTo(e.logLik, 5);
      expect(fit.singular).toBe(e.singular);
    });
  }

  it('gives the NYU human debate vs consultancy contrast glmer gives', () => {
    const report = analyzeExperiment(nyu, {
      armOrder: ['human-consultancy', 'human-debate'],
      bootstrapClusters: ['judge'],
    });
    const c = report.comparisons[0]!;
    const e = r.crossed['nyu-human']!.contrast;
    expect(c.crossedGlmm!.model).toBe('crossed-all-arms');
    expect(-c.crossedGlmm!.logOddsRatio!).toBeCloseTo(e.estimate, 4);
    expect(c.crossedGlmm!.pValue).toBeCloseTo(e.p, 3);
    const model = report.models.find((m) => m.id === 'crossed-all-arms')!;
    expect(model.formula).toBe('cbind(wins, losses) ~ 0 + arm + (1 | judge) + (1 | question)');
    expect(model.singular).toBe(true);
  });

  it('is skipped, with a note saying why, when it would cost too much', () => {
    const report = analyzeExperiment(nyu, { bootstrapClusters: ['judge'], crossedGlmmMaxCost: 10 });
    expect(report.models.map((m) => m.id)).toEqual(['judge-all-arms']);
    expect(report.notes.join(' ')).toMatch(/crossed judge \+ question random-intercept model was not fitted/);
  });

  it('prices a fit from the judgments alone as it would from their cells', () => {
    // The cost counted the plain way: a cell per distinct (judge, question, arm), and for each level
    // of the factor with more levels, its distinct partners on the other, squared.
    const reference = (obs: Array<[number, number, number]>) => {
      const cells = new Set(obs.map(([j, q, a]) => `${j}/${q}/${a}`));
      const judges = new Map<number, Set<number>>();
      const questions = new Map<number, Set<number>>();
      for (const [j, q] of obs) {
        judges.set(j, (judges.get(j) ?? new Set()).add(q));
        questions.set(q, (questions.get(q) ?? new Set()).add(j));
      }
      const judgesSmall = judges.size <= questions.size;
      const m = Math.min(judges.size, questions.size);
      let schur = 0;
      for (const partners of (judgesSmall ? questions : judges).values()) schur += partners.size ** 2;
      return cells.size + schur + m ** 3 / 3;
    };
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (const [J, Q, A, n] of [
      [3, 40, 2, 200],
      [60, 5, 3, 900],
      [25, 25, 1, 400],
      [1, 1, 1, 1],
    ] as const) {
      const obs = Array.from({ length: n }, () => [rand(J), rand(Q), rand(A)] as [number, number, number]);
      const expected = reference(obs);
      const judge = Int32Array.from(obs, (o) => o[0]);
      const question = Int32Array.from(obs, (o) => o[1]);
      expect(
        crossedGlmmCostOfObservations(
          judge,
          question,
          Int32Array.from(obs, (o) => o[2]),
        ),
      ).toBe(expected);
      const cells = [
        ...new Map(obs.map(([j, q, a]) => [`${j}/${q}/${a}`, { judge: j, question: q }])).values(),
      ];
      expect(crossedGlmmCost(cells.map((c) => ({ ...c, x: [1], successes: 0, trials: 1 })))).toBe(expected);
    }
  });
});
