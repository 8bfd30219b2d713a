// The table of accuracy by the judge's questions: rows standing for several alike judgments
// (`judgments`, as `analyze` now reads them, counted by the database) give the table one row per
// judgment gives.
import { describe, expect, it } from 'vitest';
import { interjectionSummary, type TrialQuestions } from '../src/index.ts';

describe('interjectionSummary', () => {
  it('counts a row of n alike judgments as n rows', () => {
    const grouped: TrialQuestions[] = [
      { arm: 'interactive', correct: true, asked: 0, anyTime: 0, judgments: 5 },
      { arm: 'interactive', correct: false, asked: 0, anyTime: 0, judgments: 2 },
      { arm: 'interactive', correct: true, asked: 2, anyTime: 1, judgments: 3 },
      { arm: 'interactive', correct: true, asked: 4, anyTime: 0, judgments: 1 },
      { arm: 'consultancy', correct: false, asked: 1, anyTime: 0, judgments: 4 },
      { arm: 'consultancy', correct: true, asked: 3, anyTime: 3 },
    ];
    const one = grouped.flatMap(({ judgments, ...row }) => Array.from({ length: judgments ?? 1 }, () => row));
    const summary = interjectionSummary(grouped);
    expect(summary).toEqual(interjectionSummary(one));
    expect(summary.arms).toEqual([
      { arm: 'consultancy', judgments: 5, questions: 7, anyTime: 3 },
      { arm: 'interactive', judgments: 11, questions: 10, anyTime: 3 },
    ]);
    expect(summary.rows.map((r) => [r.arm, r.asked, r.judgments, r.correct])).toEqual([
      ['consultancy', '1', 4, 0],
      ['consultancy', '3+', 1, 1],
      ['interactive', '0', 7, 5],
      ['interactive', '2', 3, 3],
      ['interactive', '3+', 1, 1],
    ]);
  });
});
