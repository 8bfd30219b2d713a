import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '@oversight/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, oversight, tempDir, writeConfig, writeQuestions } from './cli.ts';

/**
 * `oversight analyze` with pre-registered quality control, on a small experiment of simulated judges
 * whose turns and survey answers are written here by hand, as a browser and a person would have left
 * them: one judge's screens hidden most of each turn, one judge failing an attention check, and the
 * simulated judges' own results on the catch questions. The expectations are worked out here from the
 * stored judgments, not by the code under test.
 */

const dir = tempDir('exclusions');
const dataDir = path.join(dir, 'data');
const data = ['--data-dir', dataDir];
const NAME = 'qc-study';
const CATCH = ['q000', 'q001'];

interface Stored {
  judgeId: string;
  questionId: string;
  correct: boolean;
  arm: string;
}
let judgments: Stored[] = [];
let labels = new Map<string, string>();
let hidden = '';
let careless = '';

beforeAll(async () => {
  const questions = path.basename(writeQuestions(dir, 8, 8));
  const file = writeConfig(dir, {
    name: NAME,
    seed: 'qc-seed',
    dataset: { path: questions },
    judges: [{ name: 'judges', count: 4 }],
    arms: [
      { name: 'debate', protocol: 'debate', rounds: 1, trialsPerQuestion: 2 },
      { name: 'consultancy', protocol: 'consultancy', rounds: 1, trialsPerQuestion: 2 },
    ],
    survey: [{ id: 'read', question: 'Type the colour the instructions named.', kind: 'text' }],
    qualityControl: {
      catchQuestions: CATCH,
      attentionChecks: [{ question: 'read', expected: 'purple' }],
      turns: { minSeconds: 10, maxHiddenShare: 0.5, maxPastedCharacters: 200 },
      exclude: {
        catchAccuracy: { below: 0.75, minTrials: 2 },
        attentionChecks: { maxFailed: 0 },
        flaggedTurns: { above: 0.5, minTurns: 1 },
      },
    },
  });
  const run = cli(['run', file, ...data], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);

  const db = await openDatabase({ dataDir });
  try {
    judgments = (await db.judgments.list(NAME)).map((j) => ({
      judgeId: j.judgeId,
      questionId: j.questionId,
      correct: j.correct,
      arm: j.arm,
    }));
    const participants = (await db.participants.list(NAME)).filter((p) => p.kind === 'simulated-judge');
    labels = new Map(participants.map((p) => [p.id, p.label]));
    [hidden, careless] = participants.slice(0, 2).map((p) => p.id) as [string, string];
    // Platform identities, which no report may show.
    for (const [i, p] of participants.entries())
      await db.prisma.participant.update({
        where: { experimentId_id: { experimentId: NAME, id: p.id } },
        data: { identity: `prolific:PIDSECRET${i}` },
      });
    // Every turn of one judge: a minute open, 45 s of it hidden (another tab). Every other judge turn:
    // a minute open, in view, nothing pasted.
    await db.prisma.$executeRaw`
      UPDATE "TrialEvent" e SET "payload" = jsonb_set(e."payload", '{meta}',
        coalesce(e."payload"->'meta', '{}'::jsonb) || jsonb_build_object('attention', jsonb_build_object(
          'turnSeconds', 60, 'hiddenSeconds', CASE WHEN t."judgeId" = ${hidden} THEN 45 ELSE 0 END, 'pastedCharacters', 0)))
      FROM "Trial" t WHERE t."id" = e."trialId" AND t."experimentId" = ${NAME}
        AND e."type" IN ('BeliefReported', 'VerdictSubmitted')`;
    // One survey per trial of the careless judge (a wrong colour) and one right answer per other judge.
    const trials = await db.trials.list(NAME, { status: ['finished'] });
    const answered = new Set<string>();
    for (const t of trials) {
      const who = t.judgeId!;
      if (who !== careless && answered.has(who)) continue;
      answered.add(who);
      const answer = who === careless ? 'green' : ' Purple ';
      const payload = {
        type: 'FeedbackSubmitted',
        role: 'judge',
        participantId: who,
        answers: { read: answer },
      };
      await db.prisma.$executeRaw`
        WITH t AS (UPDATE "Trial" SET "nextSeq" = "nextSeq" + 1 WHERE "id" = ${t.id} RETURNING "id", "nextSeq" - 1 AS seq)
        INSERT INTO "TrialEvent" ("trialId", "seq", "type", "payload")
        SELECT t."id", t.seq, 'FeedbackSubmitted', ${JSON.stringify(payload)}::jsonb FROM t`;
    }
  } finally {
    await db.close();
  }
}, 300_000);

describe('analyze with pre-registered exclusions', () => {
  it('excludes by each rule, reports who and why by label, and the results with and without them', async () => {
    const outDir = path.join(dir, 'report');
    const result = await oversight(['analyze', NAME, '--out', outDir, ...data]);
    expect(result.code, result.stderr).toBe(0);

    // Expected, from the stored judgments.
    const catchOf = (id: string) => judgments.filter((j) => j.judgeId === id && CATCH.includes(j.questionId));
    const byCatch = [...labels.keys()].filter((id) => {
      const c = catchOf(id);
      return c.length >= 2 && c.filter((j) => j.correct).length / c.length < 0.75;
    });
    const excluded = new Set([hidden, careless, ...byCatch]);
    // This seed's simulated judges: one more excluded by catch accuracy alone, one kept.
    expect(byCatch.filter((id) => id !== hidden && id !== careless).length).toBeGreaterThan(0);
    expect(excluded.size).toBeLessThan(4);
    const turnsOfHidden = judgments.filter((j) => j.judgeId === hidden).length;

    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    const [qc] = report.qualityControl;
    const expectedRows = [
      ...[...excluded].flatMap((id) => {
        const rows: Array<{ participant: string; rule: string; figures: string }> = [];
        const c = catchOf(id);
        if (byCatch.includes(id)) {
          const right = c.filter((j) => j.correct).length;
          rows.push({
            participant: labels.get(id)!,
            rule: 'catch-trial accuracy',
            figures: `${right} of ${c.length} catch trials correct (${Math.round((right / c.length) * 1000) / 10}%; rule: below 75% over at least 2)`,
          });
        }
        if (id === careless)
          rows.push({
            participant: labels.get(id)!,
            rule: 'attention checks',
            figures: `${catchOfSurveys(id)} of ${catchOfSurveys(id)} attention checks failed (rule: more than 0)`,
          });
        if (id === hidden)
          rows.push({
            participant: labels.get(id)!,
            rule: 'flagged turns',
            figures: `${turnsOfHidden} of ${turnsOfHidden} turns flagged (100%: 0 too fast, ${turnsOfHidden} hidden, 0 pasted; rule: above 50% over at least 1)`,
          });
        return rows;
      }),
    ];
    const order = (rows: Array<{ participant: string; rule: string }>) =>
      [...rows].sort((a, b) => `${a.participant}${a.rule}`.localeCompare(`${b.participant}${b.rule}`));
    expect(order(qc.exclusions)).toEqual(order(expectedRows));

    // The main analysis: catch trials out, excluded judges out.
    const main = judgments.filter((j) => !CATCH.includes(j.questionId));
    const kept = main.filter((j) => !excluded.has(j.judgeId));
    expect(report.totals.judgments).toBe(kept.length);
    for (const arm of ['debate', 'consultancy']) {
      const all = main.filter((j) => j.arm === arm);
      const after = kept.filter((j) => j.arm === arm);
      const row = qc.withAndWithout.find((r: { arm: string }) => r.arm === arm);
      expect(row.all).toMatchObject({ judgments: all.length, correct: all.filter((j) => j.correct).length });
      expect(row.included).toMatchObject({
        judgments: after.length,
        correct: after.filter((j) => j.correct).length,
      });
    }
    // Catch accuracy per judge, by label.
    const catchRows = [...labels.keys()]
      .filter((id) => catchOf(id).length > 0)
      .map((id) => ({
        participant: labels.get(id),
        trials: catchOf(id).length,
        correct: catchOf(id).filter((j) => j.correct).length,
      }));
    expect(qc.catchAccuracy.map(({ accuracy: _, ...r }: { accuracy: number }) => r)).toEqual(
      expect.arrayContaining(catchRows),
    );
    expect(qc.catchAccuracy).toHaveLength(catchRows.length);

    // In text and HTML too; no platform id anywhere.
    expect(result.stdout).toMatch(/EXCLUSIONS \(QC-STUDY\): PRE-REGISTERED QUALITY-CONTROL RULES/);
    expect(result.stdout).toMatch(/JUDGE ACCURACY WITH AND WITHOUT THE EXCLUDED JUDGES \(QC-STUDY\)/);
    expect(result.stdout).toMatch(/CATCH-TRIAL ACCURACY PER JUDGE \(QC-STUDY\)/);
    expect(result.stdout).toContain(`${excluded.size} of 4 judges excluded`);
    expect(result.stdout).toContain(labels.get(hidden)!);
    const catchCount = judgments.filter((j) => CATCH.includes(j.questionId)).length;
    expect(report.notes).toContain(
      `${NAME}: by its pre-registered quality control, ${catchCount} catch-trial judgment(s) and ${main.length - kept.length} judgment(s) by ${excluded.size} excluded judge(s) are left out of these results (see the exclusions tables).`,
    );
    const html = readFileSync(path.join(outDir, 'report.html'), 'utf8');
    expect(html).toMatch(/Exclusions \(qc-study\)/);
    expect(html).toMatch(/Catch-trial accuracy per judge/);
    for (const text of [result.stdout, html, JSON.stringify(report)])
      expect(text).not.toMatch(/PIDSECRET|prolific:/);
  });
});

/** The careless judge answered the survey once per trial they judged. */
function catchOfSurveys(id: string): number {
  return judgments.filter((j) => j.judgeId === id).length;
}

describe('quality control checked before anything is written', () => {
  it('refuses catch questions the dataset does not have, naming the field and the nearest id', () => {
    const here = tempDir('catch-check');
    const questions = path.basename(writeQuestions(here, 4, 4));
    const file = writeConfig(here, {
      name: 'catch-typo',
      seed: 1,
      dataset: { path: questions },
      judges: [{ count: 2 }],
      arms: [{ name: 'debate', protocol: 'debate' }],
      qualityControl: { catchQuestions: ['q001', 'q00x'] },
    });
    const dataDir = path.join(here, 'data');
    const run = cli(['run', file, '--data-dir', dataDir], { cwd: here });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /qualityControl\.catchQuestions\[1\]: no question "q00x" in the dataset \(did you mean "q00\d"\?\)/,
    );
    expect(existsSync(dataDir)).toBe(false);
  });
});
