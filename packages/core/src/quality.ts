import { z } from 'zod';
import type { MoveMeta } from './events.ts';

/**
 * Quality control, pre-registered with the experiment (decided before the data, as the exclusions of a
 * preregistered study must be): which trials are catch trials, which survey questions are attention
 * checks, what a careless turn looks like, and which of these exclude a judge. `oversight analyze`
 * applies it and reports who was excluded and by which rule; `oversight pay` pays excluded judges as
 * `payment.excludedJudges` says. The functions here are the one reading of these rules.
 */
export const AttentionCheckSchema = z.strictObject({
  /** The id of a survey question (under `survey`). */
  question: z.string().min(1),
  /**
   * The answer a reader who read the question gives: a number 1-5 for a scale question, one of the
   * options for a choice question, a word or phrase for a text question (compared ignoring case and
   * spacing). Never sent to a participant's screen: the chat layer strips it from the survey form.
   */
  expected: z.union([z.string().min(1), z.number()]),
  /**
   * A wrong answer screens the person out at once: no further trials, and the platform's screened-out
   * completion (Prolific's screen-out code) instead of the normal one. Without it a wrong answer only
   * counts toward the `exclude.attentionChecks` rule, applied afterwards by `analyze` and `pay`.
   */
  screenOut: z.boolean().optional(),
});
export type AttentionCheck = z.infer<typeof AttentionCheckSchema>;

export const TurnRulesSchema = z.strictObject({
  /** A judge's turn open for less than this many seconds is flagged as too fast to have read it. */
  minSeconds: z.number().positive().optional(),
  /** A turn whose screen was hidden (another tab or app) for more than this share of it is flagged. */
  maxHiddenShare: z.number().min(0).lt(1).optional(),
  /** A turn with more than this many characters pasted into its boxes is flagged. */
  maxPastedCharacters: z.number().int().min(0).optional(),
});
export type TurnRules = z.infer<typeof TurnRulesSchema>;

export const ExclusionRulesSchema = z.strictObject({
  /** Excluded: accuracy on catch trials below `below`, once the judge has at least `minTrials` of them. */
  catchAccuracy: z
    .strictObject({ below: z.number().gt(0).max(1), minTrials: z.number().int().min(1) })
    .optional(),
  /** Excluded: more than `maxFailed` attention-check answers wrong. */
  attentionChecks: z.strictObject({ maxFailed: z.number().int().min(0) }).optional(),
  /**
   * Excluded: more than `above` of the judge's turns flagged by the `turns` rules, once the judge has
   * at least `minTurns` turns the browser measured.
   */
  flaggedTurns: z
    .strictObject({ above: z.number().min(0).lt(1), minTurns: z.number().int().min(1) })
    .optional(),
});
export type ExclusionRules = z.infer<typeof ExclusionRulesSchema>;

export const QualityControlSchema = z.strictObject({
  /**
   * Question ids whose trials are catch trials: questions with a known answer a careful reader gets
   * right, shown like any other, left out of the main analysis and used to score the judge.
   */
  catchQuestions: z.array(z.string().min(1)).min(1).optional(),
  attentionChecks: z.array(AttentionCheckSchema).min(1).optional(),
  turns: TurnRulesSchema.optional(),
  exclude: ExclusionRulesSchema.optional(),
});
export type QualityControl = z.infer<typeof QualityControlSchema>;

export type ExclusionRule = keyof ExclusionRules;
export const EXCLUSION_RULES: readonly ExclusionRule[] = ['catchAccuracy', 'attentionChecks', 'flaggedTurns'];

/** What the browser saw of one of a judge's turns (MoveMeta.attention). */
export type TurnAttention = NonNullable<MoveMeta['attention']>;

/** Which of the turn rules a turn breaks. */
export function turnFlags(
  rules: TurnRules | undefined,
  a: TurnAttention,
): { fast: boolean; hidden: boolean; pasted: boolean } {
  const fast = rules?.minSeconds !== undefined && a.turnSeconds < rules.minSeconds;
  // A turn of zero seconds has no share hidden; it is flagged as fast when there is a minimum.
  const share = a.turnSeconds > 0 ? a.hiddenSeconds / a.turnSeconds : 0;
  const hidden = rules?.maxHiddenShare !== undefined && share > rules.maxHiddenShare;
  const pasted = rules?.maxPastedCharacters !== undefined && a.pastedCharacters > rules.maxPastedCharacters;
  return { fast, hidden, pasted };
}

const normalise = (s: string) => s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

/** Whether an answer to an attention-check question is the expected one. */
export function attentionCheckPassed(check: AttentionCheck, answer: string | number | boolean): boolean {
  if (typeof check.expected === 'number') return Number(answer) === check.expected;
  return normalise(String(answer)) === normalise(check.expected);
}

/**
 * The first screen-out attention check (`screenOut: true`) that one of these survey answers of a person
 * fails, or null: then their part of the study ends (the people layer offers them no more trials).
 */
export function failedScreenOut(
  checks: readonly AttentionCheck[] | undefined,
  answers: Iterable<Readonly<Record<string, string | number | boolean>>>,
): AttentionCheck | null {
  const screening = (checks ?? []).filter((c) => c.screenOut);
  if (screening.length === 0) return null;
  for (const answer of answers)
    for (const check of screening) {
      const given = answer[check.question];
      if (given !== undefined && !attentionCheckPassed(check, given)) return check;
    }
  return null;
}

/** Everything the exclusion rules read about one judge. */
export interface JudgeQuality {
  judgeId: string;
  catchTrials: { n: number; correct: number };
  attentionChecks: { answered: number; failed: number };
  /** Turns the browser measured (judge moves with attention metadata), and how many each rule flagged. */
  turns: { measured: number; flagged: number; fast: number; hidden: number; pasted: number };
}

export function emptyJudgeQuality(judgeId: string): JudgeQuality {
  return {
    judgeId,
    catchTrials: { n: 0, correct: 0 },
    attentionChecks: { answered: 0, failed: 0 },
    turns: { measured: 0, flagged: 0, fast: 0, hidden: 0, pasted: 0 },
  };
}

/** Adds one measured turn to a judge's figures. */
export function addTurn(q: JudgeQuality, rules: TurnRules | undefined, a: TurnAttention): void {
  const f = turnFlags(rules, a);
  q.turns.measured += 1;
  if (f.fast) q.turns.fast += 1;
  if (f.hidden) q.turns.hidden += 1;
  if (f.pasted) q.turns.pasted += 1;
  if (f.fast || f.hidden || f.pasted) q.turns.flagged += 1;
}

export interface Exclusion {
  judgeId: string;
  rule: ExclusionRule;
  /** The figures the rule read, in words: "1 of 4 catch trials correct (25%; excluded below 75% over ≥ 3)". */
  figures: string;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** The rules that exclude this judge (none: included), each with its figures. */
export function exclusionsOf(qc: QualityControl | undefined, q: JudgeQuality): Exclusion[] {
  const rules = qc?.exclude;
  if (!rules) return [];
  const out: Exclusion[] = [];
  const c = rules.catchAccuracy;
  if (c && q.catchTrials.n >= c.minTrials && q.catchTrials.correct / q.catchTrials.n < c.below)
    out.push({
      judgeId: q.judgeId,
      rule: 'catchAccuracy',
      figures: `${q.catchTrials.correct} of ${q.catchTrials.n} catch trials correct (${pct(q.catchTrials.correct / q.catchTrials.n)}; rule: below ${pct(c.below)} over at least ${c.minTrials})`,
    });
  const a = rules.attentionChecks;
  if (a && q.attentionChecks.failed > a.maxFailed)
    out.push({
      judgeId: q.judgeId,
      rule: 'attentionChecks',
      figures: `${q.attentionChecks.failed} of ${q.attentionChecks.answered} attention checks failed (rule: more than ${a.maxFailed})`,
    });
  const t = rules.flaggedTurns;
  if (t && q.turns.measured >= t.minTurns && q.turns.flagged / q.turns.measured > t.above)
    out.push({
      judgeId: q.judgeId,
      rule: 'flaggedTurns',
      figures: `${q.turns.flagged} of ${q.turns.measured} turns flagged (${pct(q.turns.flagged / q.turns.measured)}: ${q.turns.fast} too fast, ${q.turns.hidden} hidden, ${q.turns.pasted} pasted; rule: above ${pct(t.above)} over at least ${t.minTurns})`,
    });
  return out;
}

/**
 * Problems of the quality-control section the field checks cannot see (survey questions named that
 * do not exist, expected answers a question cannot take, exclusion rules with nothing to read), each
 * with the field and the fix. Checked by ExperimentConfigSchema's refinement, before anything is stored.
 */
export function qualityControlIssues(
  qc: QualityControl,
  survey: ReadonlyArray<{ id: string; kind: 'scale' | 'choice' | 'text'; options?: string[] | undefined }>,
  questionIds: readonly string[] | undefined,
): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  const byId = new Map(survey.map((q) => [q.id, q]));
  const checked = new Set<string>();
  qc.attentionChecks?.forEach((check, i) => {
    const q = byId.get(check.question);
    if (!q) {
      issues.push({
        path: ['attentionChecks', i, 'question'],
        message: `no survey question "${check.question}"; add it under "survey" or name one of: ${[...byId.keys()].join(', ') || '(the survey is empty)'}`,
      });
      return;
    }
    if (checked.has(check.question))
      issues.push({
        path: ['attentionChecks', i, 'question'],
        message: `"${check.question}" is checked twice; give each attention-check question one expected answer`,
      });
    checked.add(check.question);
    const e = check.expected;
    if (q.kind === 'scale' && !(typeof e === 'number' && Number.isInteger(e) && e >= 1 && e <= 5))
      issues.push({
        path: ['attentionChecks', i, 'expected'],
        message: `"${q.id}" is a scale question (1 to 5): the expected answer must be a whole number from 1 to 5`,
      });
    if (q.kind === 'choice' && !q.options?.includes(String(e)))
      issues.push({
        path: ['attentionChecks', i, 'expected'],
        message: `"${q.id}" is a choice question: the expected answer must be one of its options (${q.options?.join(', ')})`,
      });
    if (q.kind === 'text' && typeof e !== 'string')
      issues.push({
        path: ['attentionChecks', i, 'expected'],
        message: `"${q.id}" is a text question: write the expected answer as text`,
      });
  });
  if (qc.catchQuestions && questionIds) {
    const known = new Set(questionIds);
    qc.catchQuestions.forEach((id, i) => {
      if (!known.has(id))
        issues.push({
          path: ['catchQuestions', i],
          message: `"${id}" is not among questions.ids, so no trial would be a catch trial; add it to questions.ids`,
        });
    });
  }
  if (qc.catchQuestions && new Set(qc.catchQuestions).size !== qc.catchQuestions.length)
    issues.push({ path: ['catchQuestions'], message: 'a catch question is listed twice; list each once' });
  const ex = qc.exclude;
  if (ex?.catchAccuracy && !qc.catchQuestions)
    issues.push({
      path: ['exclude', 'catchAccuracy'],
      message: 'this rule reads catch trials: list their question ids in qualityControl.catchQuestions',
    });
  if (ex?.catchAccuracy && qc.catchQuestions && ex.catchAccuracy.minTrials > qc.catchQuestions.length)
    issues.push({
      path: ['exclude', 'catchAccuracy', 'minTrials'],
      message: `a judge sees each story once, so at most ${qc.catchQuestions.length} catch trial(s) (one per catch question): lower minTrials or add catch questions`,
    });
  if (ex?.attentionChecks && !qc.attentionChecks)
    issues.push({
      path: ['exclude', 'attentionChecks'],
      message: 'this rule reads attention checks: list them in qualityControl.attentionChecks',
    });
  const t = qc.turns;
  if (
    ex?.flaggedTurns &&
    t?.minSeconds === undefined &&
    t?.maxHiddenShare === undefined &&
    t?.maxPastedCharacters === undefined
  )
    issues.push({
      path: ['exclude', 'flaggedTurns'],
      message:
        'this rule counts turns flagged by qualityControl.turns: set minSeconds, maxHiddenShare or maxPastedCharacters there',
    });
  return issues;
}
