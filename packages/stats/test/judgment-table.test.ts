/**
 * The columns the analysis reads (judgment-table.ts): from rows, from a CSV read straight into
 * them, the same report either way, and the row-based public functions unchanged by them.
 */
import { describe, expect, it } from 'vitest';
import { analyzeExperiment } from '../src/analysis.ts';
import { formatJudgmentsCsv, parseJudgmentsCsv, parseJudgmentsCsvTable } from '../src/csv.ts';
import type { JudgmentRow } from '../src/judgment.ts';
import { JudgmentTableBuilder, judgmentTable, selectJudgments } from '../src/judgment-table.ts';
import { judgeLeaderboard } from '../src/leaderboard.ts';
import { summariseParticipants } from '../src/participants.ts';
import { arguerRatings, eloRatings, fitBradleyTerry, MatchTable } from '../src/ratings.ts';
import { createRng } from '../src/rng.ts';
import { byContinues, informationByTurn } from '../src/rounds.ts';
import { type SimulatedArm, simulateExperiment } from '../src/simulate.ts';

const arms: SimulatedArm[] = [
  { arm: 'debate', protocol: 'debate', logit: 1 },
  {
    arm: 'consultancy',
    protocol: 'consultancy',
    honestLogit: 1.5,
    dishonestLogit: -0.3,
    inductions: ['prompted', 'best-of-n'],
  },
  { arm: 'sandwiching', protocol: 'sandwiching', logit: 0.8 },
  { arm: 'judge-alone', protocol: 'judge-alone', logit: 0.2 },
];
const rows = simulateExperiment(
  { arms, judgments: 900, judges: 40, questions: 30, arguers: 6 },
  createRng('judgment-table'),
).map(
  (r, i): JudgmentRow => ({
    ...r,
    // participants of several kinds, some not recorded, and a re-judged transcript or two
    judgeKind: i % 7 === 0 ? null : i % 5 === 0 ? 'model' : 'person',
    judgeModel: i % 5 === 0 ? `m${i % 3}` : null,
    ...(i % 50 === 1 ? { transcriptId: 'trial-0' } : {}),
  }),
);

describe('the judgment table', () => {
  it('codes every column by first appearance', () => {
    const t = judgmentTable(rows);
    expect(t.n).toBe(rows.length);
    expect(t.armNames).toEqual([...new Set(rows.map((r) => r.arm))]);
    expect(t.judgeNames).toEqual([...new Set(rows.map((r) => r.judgeId))]);
    rows.forEach((r, i) => {
      expect(t.armNames[t.arm[i]!]).toBe(r.arm);
      expect(t.judgeNames[t.judge[i]!]).toBe(r.judgeId);
      expect(t.questionNames[t.question[i]!]).toBe(r.questionId);
      expect(t.correct[i]).toBe(r.correct ? 1 : 0);
      expect(Array.from(t.beliefs.subarray(t.beliefStart[i], t.beliefStart[i + 1]))).toEqual(r.beliefs);
      expect(t.arguerHonest[i]).toBe(r.arguerHonest === null ? -1 : r.arguerHonest ? 1 : 0);
      expect(t.transcriptKey![i]).toBe(r.transcriptId ?? r.trialId);
    });
  });

  it('a CSV read straight into columns is the table of its rows, and analyses the same', () => {
    const plain = rows.map(({ transcriptId: _, ...r }) => r);
    const csv = formatJudgmentsCsv(plain);
    const fromRows = judgmentTable(parseJudgmentsCsv(csv));
    const direct = parseJudgmentsCsvTable(csv);
    expect(direct).toEqual(fromRows);
    const options = { seed: 3, bootstrapResamples: 400 };
    expect(JSON.stringify(analyzeExperiment(direct, options))).toBe(
      JSON.stringify(analyzeExperiment(parseJudgmentsCsv(csv), options)),
    );
  });

  it('reports on rows and on their table are identical', () => {
    const options = { seed: 5, bootstrapResamples: 400, armOrder: ['judge-alone', 'absent'] };
    expect(JSON.stringify(analyzeExperiment(judgmentTable(rows), options))).toBe(
      JSON.stringify(analyzeExperiment(rows, options)),
    );
  });

  it('a selection or a concatenation of tables is the table of those rows', () => {
    const t = judgmentTable(rows);
    const picked = Int32Array.from(rows.keys()).filter(
      (i) => i % 3 !== 0 && rows[i]!.judgeId !== rows[0]!.judgeId,
    );
    expect(selectJudgments(t, picked)).toEqual(judgmentTable([...picked].map((i) => rows[i]!)));
    // two experiments whose arm names clash: the second's arms renamed on the way
    const first = rows.slice(0, 400);
    const second = rows.slice(400);
    const b = new JudgmentTableBuilder();
    b.append(judgmentTable(first));
    b.append(judgmentTable(second), undefined, (arm) => `e2/${arm}`);
    expect(b.finish()).toEqual(
      judgmentTable([...first, ...second.map((r) => ({ ...r, arm: `e2/${r.arm}` }))]),
    );
  });

  it('refuses bad input from a table as from rows, naming the row', () => {
    const bad = [
      [{ ...rows[0]!, protocol: 'nope' as JudgmentRow['protocol'] }],
      [rows[0]!, { ...rows[1]!, probCorrect: 1.5 }],
      [rows[0]!, { ...rows[1]!, arm: rows[0]!.arm, protocol: 'oracle' as const }],
    ];
    for (const b of bad) {
      const message = (() => {
        try {
          analyzeExperiment(b);
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      })();
      expect(message).not.toBe('no error');
      expect(() => analyzeExperiment(judgmentTable(b))).toThrow(message);
    }
  });

  it('the row functions give what they gave by walking the rows', () => {
    // reference implementations, written out plainly over the row objects
    const idx = Int32Array.from(rows.keys()).filter((i) => rows[i]!.arm === 'consultancy');
    const judges: Record<string, number> = {};
    for (const i of idx) {
      const r = rows[i]!;
      const label = !r.judgeKind
        ? 'not recorded'
        : r.judgeKind === 'model'
          ? `model ${r.judgeModel}`
          : r.judgeKind;
      judges[label] = (judges[label] ?? 0) + 1;
    }
    const p = summariseParticipants(rows, idx, 'consultants');
    expect(p.judges).toEqual(judges);
    expect(Object.keys(p.judges)).toEqual(Object.keys(judges));
    const continues = byContinues(rows, idx, 0.95);
    for (const c of continues) {
      const group = [...idx].filter((i) => rows[i]!.rounds === c.continues);
      expect(c.n).toBe(group.length);
      expect(c.correct).toBe(group.filter((i) => rows[i]!.correct).length);
    }
    const info = informationByTurn(rows, idx, 0.95);
    expect(info.total!.n).toBe(idx.length);
    expect(info.total!.meanBits).toBeCloseTo(
      [...idx].reduce((s, i) => s + Math.log2(Math.max(info.probabilityFloor, rows[i]!.probCorrect)) + 1, 0) /
        idx.length,
      12,
    );
    const board = judgeLeaderboard(rows);
    expect(board.reduce((s, j) => s + j.n, 0)).toBe(rows.length);
    const first = board[0]!;
    const mine = rows.filter((r) => r.judgeId === first.judgeId);
    expect(first.meanReward).toBeCloseTo(mine.reduce((s, r) => s + r.reward, 0) / mine.length, 12);
    expect(first.arms).toEqual([...new Set(mine.map((r) => r.arm))].sort());
  });

  it('arguer ratings from the columns are those of the matches added one by one', () => {
    const table = new MatchTable();
    for (const r of rows) {
      if (r.protocol === 'debate' && r.honestArguerId && r.dishonestArguerId)
        table.add(
          `${r.honestArguerId}\u0000honest`,
          `${r.dishonestArguerId}\u0000dishonest`,
          r.correct ? 1 : 0,
        );
      else if ((r.protocol === 'consultancy' || r.protocol === 'sandwiching') && r.arguerHonest !== null) {
        const arguer = r.arguerHonest ? r.honestArguerId : r.dishonestArguerId;
        if (!arguer) continue;
        const won = r.arguerHonest ? r.correct : !r.correct;
        table.add(
          `${arguer}\u0000${r.arguerHonest ? 'honest' : 'dishonest'}`,
          `${r.protocol}\u0000baseline`,
          won ? 1 : 0,
        );
      }
    }
    const fit = fitBradleyTerry(table);
    const elo = eloRatings(table);
    const ratings = arguerRatings(rows);
    expect(ratings).toHaveLength(fit.ratings.length);
    for (const r of fit.ratings) {
      const [id, role] = r.player.split('\u0000');
      const found = ratings.find((x) => x.arguerId === id && x.role === role)!;
      expect(found.elo).toBe(r.elo);
      expect(found.games).toBe(r.games);
      expect(found.sequentialElo).toBe(elo.get(r.player));
    }
  });
});
