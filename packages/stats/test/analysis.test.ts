import { describe, expect, it } from 'vitest';
import { type AnalysisReport, analyzeExperiment } from '../src/analysis.ts';
import { formatJudgmentsCsv, parseJudgmentsCsv } from '../src/csv.ts';
import type { JudgmentRow } from '../src/judgment.ts';
import { renderReportHtml } from '../src/report-html.ts';
import { formatReportText } from '../src/report-text.ts';
import { createRng } from '../src/rng.ts';
import { DEMO_ARMS, simulateExperiment } from '../src/simulate.ts';
import { barChart, niceTicks } from '../src/svg-charts.ts';
import { closeP, loadFixture } from './fixtures.ts';

const nyu = loadFixture<JudgmentRow[]>('nyu-human-judgments.json');
const r = loadFixture<{
  propTest: Record<string, { statistic: number; p: number; ci: [number, number]; z: number }>[];
  fisher: Record<string, { p: number }>[];
}>('r.json');
const scipy = loadFixture<{ newcombe: [number, number][] }>('scipy.json');
const nyuReport = analyzeExperiment(nyu, {
  armOrder: ['human-debate', 'human-consultancy'],
  bootstrapResamples: 500,
});
const demoRows = simulateExperiment(
  { arms: DEMO_ARMS, judgments: 900, judges: 30, questions: 120, arguers: 6 },
  createRng(5),
);
const demo = analyzeExperiment(demoRows, { bootstrapResamples: 300 });

/** Every value is JSON-representable: finite numbers, no undefined. */
function assertPlainJson(value: unknown, path = 'report'): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    expect(Number.isFinite(value), `${path} = ${value}`).toBe(true);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      assertPlainJson(v, `${path}[${i}]`);
    });
    return;
  }
  expect(typeof value, path).toBe('object');
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    expect(v, `${path}.${k}`).not.toBeUndefined();
    assertPlainJson(v, `${path}.${k}`);
  }
}

describe('analyzeExperiment on the NYU 2023 human data', () => {
  it('reproduces the published counts and the prop.test comparison', () => {
    const [debate, consultancy] = nyuReport.arms;
    expect(debate).toMatchObject({ arm: 'human-debate', n: 154, wins: 130, judges: 19 });
    expect(consultancy).toMatchObject({ arm: 'human-consultancy', n: 96, wins: 71 });
    const c = nyuReport.comparisons[0]!;
    const e = r.propTest[0]!['nocc_two.sided']!;
    expect(closeP(c.propTest.pValue, e.p, 1e-6)).toBe(true);
    expect(c.propTest.chiSquare).toBeCloseTo(e.statistic, 6);
    expect(c.propTest.z).toBeCloseTo(e.z, 6);
    expect(c.propTest.interval.lower!).toBeCloseTo(e.ci[0], 6);
    expect(closeP(c.propTestCorrected.pValue, r.propTest[0]!['cc_two.sided']!.p, 1e-6)).toBe(true);
    expect(closeP(c.fisher.pValue, r.fisher[0]!['two.sided']!.p, 1e-6)).toBe(true);
    expect(c.newcombe.lower!).toBeCloseTo(scipy.newcombe[0]![0], 6);
    expect(c.newcombe.upper!).toBeCloseTo(scipy.newcombe[0]![1], 6);
    expect(c.holm.propTest).toBe(c.propTest.pValue);
    expect(c.glmm!.pValue).toBeGreaterThan(0.04);
    expect(c.glmm!.pValue).toBeLessThan(0.05);
  });

  it('splits consultancy by honest and dishonest consultant', () => {
    const h = nyuReport.honesty[0]!;
    const rows = nyu.filter((x) => x.arm === 'human-consultancy');
    const honest = rows.filter((x) => x.arguerHonest === true);
    const dishonest = rows.filter((x) => x.arguerHonest === false);
    expect(h.honest.n).toBe(honest.length);
    expect(h.honest.accepted).toBe(honest.filter((x) => x.correct).length);
    expect(h.dishonest.accepted).toBe(dishonest.filter((x) => !x.correct).length);
    expect(h.dishonest.accuracy! + h.dishonest.acceptance!).toBeCloseTo(1, 12);
    expect(h.gap.estimate).toBeCloseTo(h.honest.acceptance! - h.dishonest.acceptance!, 12);
    expect(h.gap.newcombe.lower!).toBeLessThan(h.gap.estimate!);
    expect(h.gap.bootstrap!.interval.upper!).toBeGreaterThan(h.gap.estimate!);
  });

  it('computes belief by turn and mean reward from the rows', () => {
    const rows = nyu.filter((x) => x.arm === 'human-debate');
    const first = rows.map((x) => x.beliefs[0]!);
    const s = nyuReport.arms[0]!;
    expect(s.beliefByTurn[0]!.n).toBe(rows.length);
    expect(s.beliefByTurn[0]!.mean).toBeCloseTo(first.reduce((a, b) => a + b, 0) / first.length, 12);
    expect(s.meanReward!).toBeCloseTo(rows.reduce((a, x) => a + x.reward, 0) / rows.length, 12);
    expect(s.calibration.n).toBe(rows.length);
  });

  it('writes plain verdict sentences with the protocol word', () => {
    // bootstrap intervals appear in verdicts only as what they settle (their numbers are in the tables)
    expect(nyuReport.verdicts[0]).toBe(
      'In human-debate, correct-answer debaters won 130 of 154 judgments (84.4%, 95% CI 77.9–89.3%); exact one-sided binomial p < 0.001; the judge-clustered bootstrap 95% interval excludes 50%.',
    );
    const comparison = nyuReport.verdicts.find((v) =>
      v.startsWith('Arm human-debate beat human-consultancy'),
    )!;
    expect(comparison).toContain(
      '84.4% vs 74.0% (difference 10.5 points, 95% CI 0.3–21.2); two-proportion z = 2.03, p = 0.043',
    );
    expect(comparison).toContain(
      'the judge-clustered bootstrap 95% interval includes zero, so the difference is not robust to clustering by judge',
    );
    expect(comparison).toContain('judge random-intercept GLMM on human-debate and human-consultancy');
    expect(
      nyuReport.verdicts.some((v) =>
        v.includes("judges accepted honest consultants' answers in 87.5% (42 of 48)"),
      ),
    ).toBe(true);
  });

  it('is plain JSON and deterministic for a seed', () => {
    assertPlainJson(nyuReport);
    assertPlainJson(demo);
    const again = analyzeExperiment(nyu, {
      armOrder: ['human-debate', 'human-consultancy'],
      bootstrapResamples: 500,
    });
    expect(JSON.stringify(again)).toBe(JSON.stringify(nyuReport));
    const otherSeed = analyzeExperiment(nyu, {
      armOrder: ['human-debate', 'human-consultancy'],
      bootstrapResamples: 500,
      seed: 99,
    });
    expect(otherSeed.arms[0]!.bootstrap[0]!.interval).not.toEqual(nyuReport.arms[0]!.bootstrap[0]!.interval);
    // two more full analyses of the NYU data: on a shared 2-core machine they can pass 5 s
  }, 30_000);
});

describe('analyzeExperiment on a simulated multi-protocol design', () => {
  it('orders arms by protocol, splits by induction and compares every pair with Holm', () => {
    expect(demo.arms.map((a) => a.arm)).toEqual([
      'debate',
      'interactive-debate',
      'consultancy',
      'sandwiching',
      'judge-alone',
    ]);
    expect(demo.byInduction.map((a) => a.label).sort()).toEqual(
      ['consultancy [best-of-n]', 'consultancy [no induction]', 'consultancy [prompted]'].sort(),
    );
    expect(demo.byInduction.reduce((a, s) => a + s.n, 0)).toBe(demo.arms[2]!.n);
    expect(demo.honesty.map((h) => h.arm)).toEqual(['consultancy', 'sandwiching']);
    expect(demo.comparisons).toHaveLength(10);
    for (const c of demo.comparisons) {
      expect(c.holm.propTest).toBeGreaterThanOrEqual(c.propTest.pValue);
      expect(c.bootstrap.map((b) => b.cluster)).toEqual(['judge', 'question']);
    }
    const judgeModel = demo.models.find((m) => m.id === 'judge-all-arms')!;
    expect(judgeModel.arms).toEqual(demo.arms.map((a) => a.arm));
    expect(judgeModel.randomEffects[0]!.sd).toBeGreaterThan(0.2);
    expect(demo.comparisons.every((c) => c.glmm?.model === 'judge-all-arms')).toBe(true);
    const words = demo.verdicts.join(' ');
    expect(words).toContain('correct-answer debaters won');
    expect(words).toContain('judges alone were correct in');
    expect(words).toContain("honest assistants' answers");
    const roles = new Set(demo.ratings.map((x) => x.role));
    expect(roles.has('honest') && roles.has('dishonest')).toBe(true);
  });

  it('rejects an arm that mixes protocols and a probability outside [0, 1]', () => {
    const bad = [{ ...nyu[0]! }, { ...nyu[1]!, arm: nyu[0]!.arm, protocol: 'consultancy' as const }];
    expect(() => analyzeExperiment(bad)).toThrow(/mixes protocols/);
    expect(() => analyzeExperiment([{ ...nyu[0]!, probCorrect: 1.5 }])).toThrow(/probCorrect/);
  });
});

describe('text and HTML reports', () => {
  it('formats aligned tables and the verdicts', () => {
    const text = formatReportText(demo);
    expect(text).toContain('WIN RATE OF THE CORRECT ANSWER BY ARM');
    expect(text).toContain('COMPARISONS BETWEEN ARMS');
    expect(text).toContain('VERDICTS');
    const lines = text.split('\n');
    const header = lines.findIndex((l) => l.startsWith('Arm ') && l.includes('Wilson'));
    // the rule under a header is as wide as the widest row
    const rule = lines[header + 1]!;
    expect(rule.trim().startsWith('─')).toBe(true);
    for (let i = header + 2; i < header + 2 + demo.arms.length; i++)
      expect(lines[i]!.length).toBeLessThanOrEqual(rule.length);
  });

  it('renders one self-contained HTML page with escaped text and inline SVG charts', () => {
    const rows = nyu.map((x) => (x.arm === 'human-debate' ? { ...x, arm: 'debate <b>&' } : x));
    const html = renderReportHtml(analyzeExperiment(rows, { bootstrapResamples: 200 }), {
      title: 'Lab <meeting>',
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>Lab &lt;meeting&gt;</title>');
    expect(html).toContain('debate &lt;b&gt;&amp;');
    expect(html).not.toContain('debate <b>&');
    expect(html).not.toMatch(/<script|<link|@import|url\((?!#)/i); // only in-document url(#id) references
    const urls = html.match(/https?:\/\/[^\s"'<]+/g) ?? [];
    expect(urls.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
    // win rate, anytime-valid sequences, honesty, reliability, belief, accuracy by continues,
    // information per turn, ratings
    expect((html.match(/<svg /g) ?? []).length).toBe(8);
    expect(html).toContain('Anytime-valid confidence sequences over the judgments');
    expect(html).toContain('Watched as it runs (anytime-valid)');
    expect(html).toContain('Accuracy by rounds continued before the verdict');
    expect(html).toContain('Information gained per judge turn');
    expect(html).toContain('Reliability diagram');
    expect(html).toContain('Judge belief over rounds');
  });

  it('chart helpers: nice ticks and one bar per value', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1210, 1790, 6)).toEqual([1300, 1400, 1500, 1600, 1700]);
    const svg = barChart({
      title: 't',
      categories: ['a', 'b'],
      series: [{ name: 's', color: '#000', values: [0.5, null], lower: [0.4, null], upper: [0.6, null] }],
      yLabel: 'y',
    });
    expect((svg.match(/<rect /g) ?? []).length).toBe(1);
  });
});

describe('CSV', () => {
  it('round-trips rows, including quoted fields and nulls', () => {
    const rows: JudgmentRow[] = [
      { ...nyu[0]! },
      { ...nyu[1]!, trialId: 'has,comma', judgeId: 'has "quotes"', induction: 'best-of-n', beliefs: [] },
      ...demoRows.slice(0, 50),
    ];
    expect(parseJudgmentsCsv(formatJudgmentsCsv(rows))).toEqual(rows);
  });
  it('names the line and the field on bad input', () => {
    const text = formatJudgmentsCsv(nyu.slice(0, 3)).replace(',0.99,true,', ',1.7,true,');
    expect(() => parseJudgmentsCsv(text, 'judgments.csv')).toThrow(
      /judgments\.csv line \d+: bad probCorrect '1.7'/,
    );
    expect(() => parseJudgmentsCsv('trialId,arm\nx,y\n')).toThrow(/missing column 'protocol'/);
  });
});

export type { AnalysisReport };
