import { wilsonInterval } from './proportions.ts';
import type { ReportTable } from './report-tables.ts';

/**
 * Accuracy by the judge's questions: per arm, the judgments in which the judge asked none, one, two,
 * three or more questions (between rounds or while the arguers wrote), with Wilson intervals, and the
 * share asked while the arguers wrote. Questions are the judge's choice, so this is a description of
 * who asked and how they did, not the effect of asking: the comparison of arms that allow questions
 * (any-time, between rounds, none) on the same questions is the experiment's arm comparison.
 */

export interface TrialQuestions {
  arm: string;
  correct: boolean;
  /** Questions or comments the judge made in the trial. */
  asked: number;
  /** Of which while the arguers were writing (any-time arms). */
  anyTime: number;
  /** How many judgments had these figures (default 1: one row per judgment). */
  judgments?: number;
}

export interface InterjectionRow {
  arm: string;
  /** "0", "1", "2", "3+" questions asked. */
  asked: string;
  judgments: number;
  correct: number;
  accuracy: number;
  interval: { lower: number; upper: number };
}

export interface InterjectionSummary {
  rows: InterjectionRow[];
  /** Per arm: questions in all, and how many were asked while the arguers wrote. */
  arms: Array<{ arm: string; judgments: number; questions: number; anyTime: number }>;
}

const BUCKETS = ['0', '1', '2', '3+'] as const;
const bucket = (n: number) => BUCKETS[Math.min(3, n)]!;

export function interjectionSummary(trials: readonly TrialQuestions[], level = 0.95): InterjectionSummary {
  const cells = new Map<string, { arm: string; asked: string; n: number; correct: number }>();
  const arms = new Map<string, { arm: string; judgments: number; questions: number; anyTime: number }>();
  for (const t of trials) {
    const n = t.judgments ?? 1;
    const key = `${t.arm}\u0000${bucket(t.asked)}`;
    const cell = cells.get(key) ?? { arm: t.arm, asked: bucket(t.asked), n: 0, correct: 0 };
    cell.n += n;
    if (t.correct) cell.correct += n;
    cells.set(key, cell);
    const arm = arms.get(t.arm) ?? { arm: t.arm, judgments: 0, questions: 0, anyTime: 0 };
    arm.judgments += n;
    arm.questions += t.asked * n;
    arm.anyTime += t.anyTime * n;
    arms.set(t.arm, arm);
  }
  const rows = [...cells.values()]
    .sort((a, b) =>
      a.arm < b.arm
        ? -1
        : a.arm > b.arm
          ? 1
          : BUCKETS.indexOf(a.asked as never) - BUCKETS.indexOf(b.asked as never),
    )
    .map((c) => {
      const ci = wilsonInterval(c.correct, c.n, level);
      return {
        arm: c.arm,
        asked: c.asked,
        judgments: c.n,
        correct: c.correct,
        accuracy: c.correct / c.n,
        interval: { lower: ci.lower, upper: ci.upper },
      };
    });
  return { rows, arms: [...arms.values()].sort((a, b) => (a.arm < b.arm ? -1 : 1)) };
}

export function interjectionTable(summary: InterjectionSummary): ReportTable {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return {
    id: 'interjections',
    title: "Accuracy by the judge's questions",
    headers: ['Arm', 'Questions asked', 'Judgments', 'Correct', 'Accuracy', '95% CI'],
    rows: summary.rows.map((r) => [
      r.arm,
      r.asked,
      String(r.judgments),
      String(r.correct),
      pct(r.accuracy),
      `${pct(r.interval.lower)}–${pct(r.interval.upper)}`,
    ]),
    textColumns: [0, 1],
    note: `${summary.arms
      .map(
        (a) =>
          `${a.arm}: ${a.questions} question(s) in ${a.judgments} judgments, ${a.anyTime} while the arguers wrote`,
      )
      .join(
        '; ',
      )}. Judges chose when to ask, so these rows describe who asked, not what asking does: compare the arms.`,
  };
}
