/**
 * Agreement statistics against R (fixtures/make_agreement_fixtures.R: mcnemar.test, vcd::Kappa,
 * psych::cohen.kappa, psych::ICC, aov, qf) and, for Krippendorff's alpha and Fleiss' kappa (not in
 * Debian's R packages), against published worked examples and against each other.
 */
import { describe, expect, it } from 'vitest';
import {
  cohenKappa,
  fleissKappa,
  fleissKappaBootstrap,
  fQuantile,
  iccOneWay,
  krippendorffAlpha,
  krippendorffAlphaBootstrap,
  mcnemarTest,
} from '../src/agreement.ts';
import { analyzeExperiment } from '../src/analysis.ts';
import { close, closeP, loadFixture } from './fixtures.ts';

const r = loadFixture<{
  mcnemar: { table: number[]; chiSquare: number; p: number; exactP: number }[];
  cohen: { table: number[][]; kappa: number; ase: number; psychLower: number; psychUpper: number }[];
  icc: {
    ratings: number[][];
    icc: number;
    f: number;
    df1: number;
    df2: number;
    p: number;
    lower: number;
    upper: number;
  }[];
  iccUnbalanced: { groups: number[][]; icc: number; f: number; df1: number; df2: number; p: number };
  fQuantiles: { p: number; d1: number; d2: number; q: number }[];
}>('agreement-r.json');

describe('paired verdicts: McNemar', () => {
  it('agrees with R mcnemar.test and the exact binomial test of the discordant pairs', () => {
    for (const e of r.mcnemar) {
      const [, b, c] = e.table;
      const m = mcnemarTest(b!, c!);
      expect(close(m.chiSquare, e.chiSquare, 1e-12)).toBe(true);
      expect(closeP(m.pValue, e.p, 1e-9)).toBe(true);
      expect(closeP(m.exactPValue, e.exactP, 1e-9)).toBe(true);
    }
  });
});

describe("Cohen's kappa", () => {
  it('agrees with vcd::Kappa (estimate and ASE) and psych::cohen.kappa (interval)', () => {
    for (const e of r.cohen) {
      const k = cohenKappa(e.table);
      expect(close(k.estimate, e.kappa, 1e-12)).toBe(true);
      expect(close(k.standardError, e.ase, 1e-10)).toBe(true);
      expect(k.interval.lower).toBeCloseTo(e.psychLower, 9);
      expect(k.interval.upper).toBeCloseTo(e.psychUpper, 9);
    }
  });
});

describe('intraclass correlation ICC(1)', () => {
  it('agrees with psych::ICC on complete data (estimate, F, p and interval)', () => {
    for (const e of r.icc) {
      const res = iccOneWay(e.ratings);
      expect(close(res.estimate, e.icc, 1e-10)).toBe(true);
      expect(close(res.f, e.f, 1e-10)).toBe(true);
      expect([res.df1, res.df2]).toEqual([e.df1, e.df2]);
      expect(closeP(res.pValue, e.p, 1e-8)).toBe(true);
      expect(res.interval.lower).toBeCloseTo(e.lower, 8);
      expect(res.interval.upper).toBeCloseTo(e.upper, 8);
    }
  });

  it('agrees with R’s one-way ANOVA on unequal groups', () => {
    const e = r.iccUnbalanced;
    const res = iccOneWay(e.groups);
    expect(close(res.estimate, e.icc, 1e-10)).toBe(true);
    expect(close(res.f, e.f, 1e-10)).toBe(true);
    expect(closeP(res.pValue, e.p, 1e-8)).toBe(true);
  });

  it('F quantiles agree with R qf', () => {
    for (const e of r.fQuantiles) expect(close(fQuantile(e.p, e.d1, e.d2), e.q, 1e-9)).toBe(true);
  });
});

describe("Krippendorff's alpha, against Krippendorff (2011), 'Computing Krippendorff's Alpha-Reliability'", () => {
  it('4 observers, 12 units, values 1-5, missing data: nominal alpha 0.743', () => {
    // The paper's reliability data matrix (observers A-D, units 1-12; '.' missing), by unit:
    const byUnit = [
      [1, 1, 1], // unit 1: A 1, B 1, D 1 (C missing)
      [2, 2, 3, 2],
      [3, 3, 3, 3],
      [3, 3, 3, 3],
      [2, 2, 2, 2],
      [1, 2, 3, 4],
      [4, 4, 4, 4],
      [1, 1, 2, 1],
      [2, 2, 2, 2],
      [5, 5, 5], // unit 10: B, C, D
      [1, 1], // unit 11: C, D
      [3], // unit 12: B only: not pairable
    ].map((u) => u.map((v) => v - 1));
    expect(krippendorffAlpha(byUnit, 5)).toBeCloseTo(0.743, 3);
  });

  it('binary data, 2 observers, 10 units: alpha 0.095', () => {
    const a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
    const b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
    expect(
      krippendorffAlpha(
        a.map((v, i) => [v, b[i]!]),
        2,
      ),
    ).toBeCloseTo(0.095, 3);
  });
});

describe("Fleiss' kappa", () => {
  // The worked example of the Wikipedia article "Fleiss' kappa": 10 subjects, 14 raters, 5 categories.
  const wikipedia = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];

  it('gives the worked example’s kappa 0.210 (P̄ = 0.378, P̄e = 0.213)', () => {
    expect(fleissKappa(wikipedia).estimate).toBeCloseTo(0.21, 3);
  });

  it('and Krippendorff’s alpha of the same data differ only by alpha’s finite-sample chance term', () => {
    // With complete data both use the same observed agreement P̄; Fleiss' chance agreement is
    // Σ p_c², alpha's Σ n_c(n_c − 1) / (n(n − 1)) over all n ratings: so 1 − alpha = (1 − P̄)/(1 − that).
    const units = wikipedia.map((row) => row.flatMap((count, c) => Array<number>(count).fill(c)));
    const alpha = krippendorffAlpha(units, 5);
    const n = 140;
    const nc = [0, 1, 2, 3, 4].map((c) => wikipedia.reduce((s, row) => s + row[c]!, 0));
    const pBar = 1 - (1 - fleissKappa(wikipedia).estimate) * (1 - nc.reduce((s, v) => s + (v / n) ** 2, 0));
    const chanceAlpha = nc.reduce((s, v) => s + v * (v - 1), 0) / (n * (n - 1));
    expect(alpha).toBeCloseTo(1 - (1 - pBar) / (1 - chanceAlpha), 12);
    // and they coincide as the number of ratings grows: 200 copies of the subjects
    const many = Array.from({ length: 200 }, () => wikipedia).flat();
    const manyUnits = many.map((row) => row.flatMap((count, c) => Array<number>(count).fill(c)));
    expect(Math.abs(krippendorffAlpha(manyUnits, 5) - fleissKappa(many).estimate)).toBeLessThan(1e-4);
  });

  it('reproduces Fleiss (1971): 30 patients × 6 psychiatrists × 5 diagnoses, κ = 0.430, and per category', () => {
    // fixtures/make_fleiss1971.R: the paper's Table 1 (two independent transcriptions and irr's
    // `diagnoses`, checked there to agree), Fleiss' equations by hand in R, the published κ and
    // irr::kappam.fleiss(detail = TRUE)'s printed figures, each with its source.
    const f = loadFixture<{
      counts: number[][];
      diagnoses: number[][];
      hand: {
        P_bar: number;
        P_e: number;
        kappa: number;
        nullStandardError: number;
        z: number;
        pValue: number;
        categoryKappa: number[];
        categoryZ: number[];
      };
      published: { kappa: number };
      irr: { kappa: number; z: number; categoryKappa: number[]; categoryZ: number[] };
    }>('fleiss1971.json');
    const k = fleissKappa(f.counts);
    expect(k.subjects).toBe(30);
    expect(k.raters).toBe(6);
    expect(k.estimate.toFixed(3)).toBe(f.published.kappa.toFixed(3));
    expect(close(k.estimate, f.irr.kappa, 5e-7)).toBe(true);
    expect(close(k.z, f.irr.z, 5e-6)).toBe(true);
    expect(close(k.estimate, f.hand.kappa, 1e-13)).toBe(true);
    expect(close(k.nullStandardError, f.hand.nullStandardError, 1e-13)).toBe(true);
    expect(close(k.z, f.hand.z, 1e-12)).toBe(true);
    expect(closeP(k.pValue, f.hand.pValue, 1e-9)).toBe(true);
    k.categories.forEach((c, j) => {
      expect(c.kappa.toFixed(3)).toBe(f.irr.categoryKappa[j]!.toFixed(3));
      expect(c.z.toFixed(3)).toBe(f.irr.categoryZ[j]!.toFixed(3));
      expect(close(c.kappa, f.hand.categoryKappa[j]!, 1e-13)).toBe(true);
      expect(close(c.z, f.hand.categoryZ[j]!, 1e-12)).toBe(true);
    });
    // the same data as ratings (irr's layout): Krippendorff's alpha differs from κ only by its
    // finite-sample chance term (see the test above), here in the third decimal
    const units = f.diagnoses.map((row) => row.map((c) => c - 1));
    expect(krippendorffAlpha(units, 5)).toBeCloseTo(
      1 - (1 - f.hand.P_bar) / (1 - (f.hand.P_e * 180 - 1) / 179),
      12,
    );
  });

  it('refuses subjects with different numbers of ratings, and says which', () => {
    expect(() =>
      fleissKappa([
        [1, 1],
        [2, 1],
      ]),
    ).toThrow(/subject 1 has 3, the first 2/);
  });

  it('bootstrap intervals resample subjects and cover the estimate', () => {
    const k = fleissKappaBootstrap(wikipedia, { seed: 2, resamples: 2000 });
    expect(k.estimate).toBeCloseTo(fleissKappa(wikipedia).estimate, 12);
    expect(k.interval.lower).toBeLessThan(k.estimate);
    expect(k.interval.upper).toBeGreaterThan(k.estimate);
    const units = wikipedia.map((row) => row.flatMap((count, c) => Array<number>(count).fill(c)));
    const a = krippendorffAlphaBootstrap(units, 5, { seed: 2, resamples: 2000 });
    expect(a.estimate).toBeCloseTo(krippendorffAlpha(units, 5), 12);
    expect(a.interval.lower).toBeLessThan(a.estimate);
  });
});

describe('in the report: arms that judged the same transcripts', () => {
  // A human arm and a model re-judging its 60 transcripts (transcriptId = the human trial), plus two
  // offline judges on the first 20 transcripts: three judgments of those.
  const base = {
    protocol: 'debate' as const,
    questionId: 'q',
    storyId: 's',
    arguerHonest: null,
    induction: null,
    honestArguerId: null,
    dishonestArguerId: null,
    rounds: 1,
    reward: 0,
    beliefs: [],
  };
  const rng = (i: number) => ((i * 2654435761) % 1000) / 1000;
  const human = Array.from({ length: 60 }, (_, i) => {
    const correct = rng(i) < 0.8;
    return {
      ...base,
      trialId: `h${i}`,
      arm: 'human',
      judgeId: `p${i % 12}`,
      correct,
      probCorrect: correct ? 0.85 : 0.3,
    };
  });
  const model = human.map((h, i) => {
    // the model agrees with the person 3 times in 4, and is right a little less often
    const correct = i % 4 === 0 ? !h.correct && i % 8 !== 0 : h.correct;
    return {
      ...base,
      trialId: `m${i}`,
      transcriptId: h.trialId,
      arm: 'model',
      judgeId: 'gpt',
      correct,
      probCorrect: correct ? 0.7 : 0.35,
    };
  });
  const offline = human.slice(0, 20).map((h, i) => ({
    ...base,
    trialId: `o${i}`,
    transcriptId: h.trialId,
    arm: 'offline',
    judgeId: `q${i % 5}`,
    correct: i % 3 !== 0,
    probCorrect: i % 3 !== 0 ? 0.75 : 0.4,
  }));
  const report = analyzeExperiment([...human, ...model, ...offline], {
    armOrder: ['human', 'model', 'offline'],
  });

  it('compares paired arms with McNemar, not the two-proportion z-test, and says why', () => {
    const c = report.comparisons.find((x) => x.arm1 === 'human' && x.arm2 === 'model')!;
    const p = c.paired!;
    expect(p.pairs).toBe(60);
    expect(p.bothWon + p.onlyFirst + p.onlySecond + p.neitherWon).toBe(60);
    expect(p.mcnemar.exactPValue).toBeCloseTo(mcnemarTest(p.onlyFirst, p.onlySecond).exactPValue, 12);
    expect(c.quoted.test).toBe('mcnemar');
    const sentence = report.verdicts.find(
      (v) => v.includes(' vs model:') || v.includes(' beat model:') || v.startsWith('Model'),
    )!;
    expect(sentence).toContain('exact McNemar p');
    expect(sentence).toContain('the arms judged the same 60 transcripts, so their verdicts are paired');
    expect(sentence).not.toContain('two-proportion z');
    // Cohen's kappa of the paired verdicts, from the same 2 × 2 table
    const k = cohenKappa([
      [p.bothWon, p.onlyFirst],
      [p.onlySecond, p.neitherWon],
    ]);
    expect(p.cohenKappa.estimate!).toBeCloseTo(k.estimate, 12);
    // 20 of the offline arm's 20 judgments are paired with the human arm: paired too
    expect(report.comparisons.find((x) => x.arm1 === 'human' && x.arm2 === 'offline')!.quoted.test).toBe(
      'mcnemar',
    );
  });

  it('reports agreement among every judge of a transcript', () => {
    const a = report.agreement!;
    expect(a.transcripts).toBe(60);
    expect(a.judgments).toBe(140);
    const units = human.map((h, i) =>
      [h, model[i]!, ...(i < 20 ? [offline[i]!] : [])].map((r) => (r.correct ? 1 : 0)),
    );
    expect(a.krippendorffAlpha.estimate!).toBeCloseTo(krippendorffAlpha(units, 2), 12);
    // Fleiss' kappa on the 40 transcripts judged twice (the most common number)
    expect(a.fleissKappa!.subjects).toBe(40);
    expect(a.fleissKappa!.raters).toBe(2);
    expect(a.icc!.transcripts).toBe(60);
    expect(report.verdicts.join(' ')).toContain(
      "Judges of the same transcript (60 transcripts judged more than once, 140 judgments): Krippendorff's alpha",
    );
  });

  it('finds nothing to pair when rows carry no transcript ids', () => {
    const plain = analyzeExperiment(human, {});
    expect(plain.agreement).toBeNull();
  });
});
