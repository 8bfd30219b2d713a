// The judges' questions per judgment as they were counted before the database counted them
// (db.judgments.questionsAsked): from every trial's whole log. Kept, unchanged but for its name, as the
// reference trialQuestions must equal (test/audit-counts.test.ts).
import { parseStoredConfig, type TrialEvent } from '@oversight/core';
import type { Database } from '@oversight/db';

/**
 * The judge's questions per finished trial, for `analyze`'s table of accuracy by questions asked
 * (stats' interjectionSummary): in arms where the judge may address the arguers (interactive debate,
 * consultancy, and arms with interjection settings), each judgment with how many questions its judge
 * asked and how many of them while the arguers were writing. A live judge's comments replayed in
 * another judge's transcript (imported offline judgments) are not that judge's and are not counted.
 */
export async function trialQuestionsByLogs(
  db: Database,
  experimentIds: readonly string[],
): Promise<Array<{ arm: string; correct: boolean; asked: number; anyTime: number }>> {
  const out: Array<{ arm: string; correct: boolean; asked: number; anyTime: number }> = [];
  const armOwners = new Map<string, Set<string>>();
  const chosen: Array<{ experimentId: string; arms: Set<string> }> = [];
  for (const experimentId of experimentIds) {
    const experiment = await db.experiments.get(experimentId);
    if (!experiment) continue;
    let arms: Set<string>;
    try {
      const config = parseStoredConfig(experiment.config);
      arms = new Set(
        config.arms
          .filter(
            (a) =>
              a.protocol === 'interactive-debate' ||
              a.protocol === 'consultancy' ||
              a.interjections !== undefined ||
              a.maxInterjections !== undefined,
          )
          .map((a) => a.name),
      );
    } catch {
      continue;
    }
    for (const arm of arms) armOwners.set(arm, (armOwners.get(arm) ?? new Set()).add(experimentId));
    if (arms.size > 0) chosen.push({ experimentId, arms });
  }
  for (const { experimentId, arms } of chosen) {
    for await (const page of db.judgments.stream(experimentId, 2000)) {
      const rows = page.filter((j) => arms.has(j.arm));
      if (rows.length === 0) continue;
      const logs = await db.events.loadMany(rows.map((j) => j.trialId));
      for (const j of rows) {
        let asked = 0;
        let anyTime = 0;
        for (const e of logs.get(j.trialId) ?? []) {
          const event = e.payload as TrialEvent;
          if (event.type !== 'JudgeInterjected') continue;
          const by = event.meta?.participantId;
          if (by !== undefined && by !== j.judgeId) continue;
          asked += 1;
          if (event.atAnyTime) anyTime += 1;
        }
        // Arm names that clash across experiments are told apart as analyze tells them apart.
        const arm = (armOwners.get(j.arm)?.size ?? 1) > 1 ? `${experimentId}/${j.arm}` : j.arm;
        out.push({ arm, correct: j.correct, asked, anyTime });
      }
    }
  }
  return out;
}
