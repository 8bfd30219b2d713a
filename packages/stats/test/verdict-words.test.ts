import { describe, expect, it } from 'vitest';
import { analyzeExperiment } from '../src/analysis.ts';
import type { JudgmentRow } from '../src/judgment.ts';

/** The verdict sentences keep arm names as written and give no rate where nothing was judged. */
function row(arm: string, protocol: JudgmentRow['protocol'], i: number, honest: boolean | null): JudgmentRow {
  const correct = i % 4 !== 0;
  return {
    trialId: `${arm}-${i}`,
    experimentId: 'e',
    arm,
    protocol,
    questionId: `q${i % 10}`,
    storyId: `s${i % 5}`,
    judgeId: `j${i % 7}`,
    arguerHonest: honest,
    induction: null,
    honestArguerId: honest === false ? null : 'a1',
    dishonestArguerId: honest === true ? null : 'a2',
    probCorrect: correct ? 0.8 : 0.2,
    correct,
    rounds: 1,
    reward: 0,
    beliefs: [correct ? 0.8 : 0.2],
  };
}

describe('verdict words', () => {
  const rows = [
    ...Array.from({ length: 40 }, (_, i) => row('ai-debate', 'debate', i, null)),
    // Consultancy judged with honest consultants only, so far.
    ...Array.from({ length: 20 }, (_, i) => row('consultancy', 'consultancy', i, true)),
  ];
  const report = analyzeExperiment(rows, { bootstrapResamples: 50 });

  it('an arm name stays as written at the start of a sentence', () => {
    const comparison = report.verdicts.find((v) => v.includes(' vs ') || v.includes(' beat '))!;
    expect(comparison).toMatch(/^Arm (ai-debate|consultancy) (beat|vs) (ai-debate|consultancy)/);
    expect(report.verdicts.join(' ')).not.toMatch(/Ai-debate|Consultancy/);
  });

  it('a side nobody has judged yet gets no rate', () => {
    const text = report.verdicts.join('\n');
    expect(text).not.toMatch(/–%|0 of 0/);
    expect(text).toMatch(
      /In consultancy, judges accepted honest consultants' answers in 75\.0% \(15 of 20\); no judge has judged a dishonest consultant yet, so there is no gap to give\./,
    );
  });
});
