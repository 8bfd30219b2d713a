import { parseStoredConfig } from '@oversight/core';
import type { Database } from '@oversight/db';

/** Judgments of an arm alike in their judge's questions and in being correct, and how many there are. */
export interface QuestionsAsked {
  arm: string;
  correct: boolean;
  asked: number;
  anyTime: number;
  judgments: number;
}

/**
 * The judge's questions in finished trials, for `analyze`'s table of accuracy by questions asked
 * (stats' interjectionSummary): in arms where the judge may address the arguers (interactive debate,
 * consultancy, and arms with interjection settings), how many judgments (`judgments`) had their judge
 * ask `asked` questions, `anyTime` of them while the arguers were writing, and were correct or not.
 * A live judge's comments replayed in another judge's transcript (imported offline judgments) are not
 * that judge's and are not counted. Counted by the database (db.judgments.questionsAsked), which reads
 * only the judges' interjections, not the trials' whole logs; one row per arm and set of figures.
 */
export async function trialQuestions(
  db: Database,
  experimentIds: readonly string[],
): Promise<QuestionsAsked[]> {
  const out: QuestionsAsked[] = [];
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
    for (const j of await db.judgments.questionsAsked(experimentId, [...arms])) {
      // Arm names that clash across experiments are told apart as analyze tells them apart.
      const arm = (armOwners.get(j.arm)?.size ?? 1) > 1 ? `${experimentId}/${j.arm}` : j.arm;
      out.push({ arm, correct: j.correct, asked: j.asked, anyTime: j.anyTime, judgments: j.judgments });
    }
  }
  return out;
}
