import {
  addTurn,
  attentionCheckPassed,
  type Exclusion,
  emptyJudgeQuality,
  exclusionsOf,
  type JudgeQuality,
  parseStoredConfig,
  type QualityControl,
} from '@oversight/core';
import type { Database } from '@oversight/db';
import { type formatTableText, wilsonInterval } from '@oversight/stats';

/** The report's table shape (what formatTableText and the HTML report's extraTables take). */
type ReportTable = Parameters<typeof formatTableText>[0];

/** The columns of a judgment the quality rules read. */
export interface JudgedTrial {
  experimentId?: string | null;
  trialId: string;
  /** null only for a row without a judge, which no rule reads. */
  judgeId: string | null;
  questionId: string;
  arm: string;
  correct: boolean;
}

/** An experiment's quality control applied to its judges. */
export interface QualityAssessment {
  experimentId: string;
  qc: QualityControl | undefined;
  catchQuestions: ReadonlySet<string>;
  /** Every judge with at least one judgment, with the figures the rules read. */
  judges: Map<string, JudgeQuality>;
  /** judge id → the rules that exclude them (judges not in it are included). */
  excluded: Map<string, Exclusion[]>;
  /** Participant id → the label reports show (a pseudonym; never a platform id). */
  labels: Map<string, string>;
  /** The questions of the judgments read. */
  judgedQuestions: ReadonlySet<string>;
  /** How long each measured judge turn's screen was open (the browser's figure), by trial: the live view's times. */
  turnSeconds: Array<{ trialId: string; judgeId: string; seconds: number }>;
}

/**
 * Reads what the rules need (catch judgments, the browser's attention metadata on judge moves, survey
 * answers to attention checks) and applies the experiment's pre-registered rules. The one reading of
 * them: `analyze` reports it and `pay` pays by it.
 */
export async function assessQuality(
  db: Database,
  experimentId: string,
  judgments: readonly JudgedTrial[],
): Promise<QualityAssessment> {
  const experiment = await db.experiments.get(experimentId);
  const qc = experiment ? parseStoredConfig(experiment.config).qualityControl : undefined;
  const catchQuestions = new Set(qc?.catchQuestions ?? []);
  const judges = new Map<string, JudgeQuality>();
  const judge = (id: string) => {
    let q = judges.get(id);
    if (!q) {
      q = emptyJudgeQuality(id);
      judges.set(id, q);
    }
    return q;
  };
  for (const j of judgments) {
    if (j.judgeId === null) continue;
    const q = judge(j.judgeId);
    if (catchQuestions.has(j.questionId)) {
      q.catchTrials.n += 1;
      if (j.correct) q.catchTrials.correct += 1;
    }
  }
  const turnSeconds: QualityAssessment['turnSeconds'] = [];
  for (const t of await db.quality.judgeTurns(experimentId)) {
    if (!t.participantId || !judges.has(t.participantId)) continue;
    turnSeconds.push({ trialId: t.trialId, judgeId: t.participantId, seconds: t.turnSeconds });
    if (qc?.turns) addTurn(judge(t.participantId), qc.turns, t);
  }
  if (qc?.attentionChecks)
    for (const f of await db.quality.feedback(experimentId)) {
      if (!judges.has(f.participantId)) continue;
      const q = judge(f.participantId);
      for (const check of qc.attentionChecks) {
        const answer = f.answers[check.question];
        if (answer === undefined) continue;
        q.attentionChecks.answered += 1;
        if (!attentionCheckPassed(check, answer)) q.attentionChecks.failed += 1;
      }
    }
  const excluded = new Map<string, Exclusion[]>();
  for (const q of judges.values()) {
    const found = exclusionsOf(qc, q);
    if (found.length > 0) excluded.set(q.judgeId, found);
  }
  const labels = new Map((await db.participants.list(experimentId)).map((p) => [p.id, p.label]));
  const judgedQuestions = new Set(judgments.map((j) => j.questionId));
  return { experimentId, qc, catchQuestions, judges, excluded, labels, judgedQuestions, turnSeconds };
}

/** A judge as reports name them: their pseudonym, never an id a platform knows them by. */
export function judgeLabel(a: QualityAssessment, judgeId: string): string {
  return a.labels.get(judgeId) ?? 'an unlisted judge';
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export interface QualitySummary {
  experimentId: string;
  catchQuestions: string[];
  /** Who was excluded, by which rule, with the figures (by label). */
  exclusions: Array<{ participant: string; rule: string; figures: string }>;
  /** Catch accuracy per judge who judged a catch trial (by label). */
  catchAccuracy: Array<{ participant: string; trials: number; correct: number; accuracy: number }>;
  /** Per arm, the main analysis's judgments with every judge and with the excluded judges left out. */
  withAndWithout: Array<{
    arm: string;
    all: { judgments: number; correct: number; accuracy: number | null; lower: number; upper: number };
    included: { judgments: number; correct: number; accuracy: number | null; lower: number; upper: number };
  }>;
  judgesExcluded: number;
  judgesAssessed: number;
  catchJudgments: number;
  /** Catch questions no finished judgment is on (not planned, e.g. left out by questions.limit, or not judged yet). */
  catchQuestionsUnjudged: string[];
}

/** The exclusion rules as reports name them. */
export const EXCLUSION_RULE_NAMES: Record<string, string> = {
  catchAccuracy: 'catch-trial accuracy',
  attentionChecks: 'attention checks',
  flaggedTurns: 'flagged turns',
};

/**
 * The figures the report shows: exclusions by label, catch accuracy per judge, and each arm's
 * accuracy with and without the excluded judges (catch trials out of both).
 */
export function summarizeQuality(
  a: QualityAssessment,
  main: readonly JudgedTrial[],
  armName: (arm: string) => string = (arm) => arm,
): QualitySummary {
  const exclusions = [...a.excluded.entries()]
    .map(([id, list]) => ({ label: judgeLabel(a, id), list }))
    .sort((x, y) => (x.label < y.label ? -1 : x.label > y.label ? 1 : 0))
    .flatMap(({ label, list }) =>
      list.map((e) => ({
        participant: label,
        rule: EXCLUSION_RULE_NAMES[e.rule] ?? e.rule,
        figures: e.figures,
      })),
    );
  const catchAccuracy = [...a.judges.values()]
    .filter((q) => q.catchTrials.n > 0)
    .map((q) => ({
      participant: judgeLabel(a, q.judgeId),
      trials: q.catchTrials.n,
      correct: q.catchTrials.correct,
      accuracy: q.catchTrials.correct / q.catchTrials.n,
    }))
    .sort((x, y) => (x.participant < y.participant ? -1 : x.participant > y.participant ? 1 : 0));
  const arms = new Map<string, { all: [number, number]; included: [number, number] }>();
  for (const j of main) {
    const arm = armName(j.arm);
    const cell = arms.get(arm) ?? { all: [0, 0], included: [0, 0] };
    cell.all[0] += 1;
    if (j.correct) cell.all[1] += 1;
    if (j.judgeId === null || !a.excluded.has(j.judgeId)) {
      cell.included[0] += 1;
      if (j.correct) cell.included[1] += 1;
    }
    arms.set(arm, cell);
  }
  const side = ([n, correct]: [number, number]) => {
    const ci = wilsonInterval(correct, n);
    return { judgments: n, correct, accuracy: n ? correct / n : null, lower: ci.lower, upper: ci.upper };
  };
  return {
    experimentId: a.experimentId,
    catchQuestions: [...a.catchQuestions],
    exclusions,
    catchAccuracy,
    withAndWithout: [...arms.entries()]
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([arm, c]) => ({ arm, all: side(c.all), included: side(c.included) })),
    judgesExcluded: a.excluded.size,
    judgesAssessed: a.judges.size,
    catchJudgments: [...a.judges.values()].reduce((s, q) => s + q.catchTrials.n, 0),
    catchQuestionsUnjudged: [...a.catchQuestions].filter((id) => !a.judgedQuestions.has(id)),
  };
}

/** The report's quality-control tables: exclusions, results with and without them, catch accuracy. */
export function qualityTables(s: QualitySummary): ReportTable[] {
  const where = s.experimentId;
  const tables: ReportTable[] = [
    {
      id: `exclusions-${where}`,
      title: `Exclusions (${where}): pre-registered quality-control rules`,
      headers: ['Participant', 'Rule', 'Figures'],
      rows: s.exclusions.map((e) => [e.participant, e.rule, e.figures]),
      textColumns: [0, 1, 2],
      note:
        s.exclusions.length === 0
          ? `No judge was excluded (${s.judgesAssessed} assessed).`
          : `${s.judgesExcluded} of ${s.judgesAssessed} judges excluded; their judgments are left out of the main results above.`,
    },
  ];
  const fmt = (c: QualitySummary['withAndWithout'][number]['all']) =>
    c.accuracy === null
      ? ['0', '–', '–']
      : [String(c.judgments), pct(c.accuracy), `${pct(c.lower)}–${pct(c.upper)}`];
  tables.push({
    id: `exclusions-effect-${where}`,
    title: `Judge accuracy with and without the excluded judges (${where})`,
    headers: [
      'Arm',
      'Judgments (all)',
      'Accuracy (all)',
      '95% CI (all)',
      'Judgments (after exclusions)',
      'Accuracy (after exclusions)',
      '95% CI (after exclusions)',
    ],
    rows: s.withAndWithout.map((r) => [r.arm, ...fmt(r.all), ...fmt(r.included)]),
    textColumns: [0],
    note: 'Catch trials are left out of both. The main results above are those after exclusions; Wilson intervals here, for comparison only.',
  });
  if (s.catchQuestions.length > 0)
    tables.push({
      id: `catch-accuracy-${where}`,
      title: `Catch-trial accuracy per judge (${where})`,
      headers: ['Participant', 'Catch trials', 'Correct', 'Accuracy'],
      rows: s.catchAccuracy.map((c) => [c.participant, String(c.trials), String(c.correct), pct(c.accuracy)]),
      textColumns: [0],
      note: `${s.catchJudgments === 1 ? '1 judgment' : `${s.catchJudgments} judgments`} on the catch questions (${s.catchQuestions.join(', ')}), left out of the main results.${
        s.catchQuestionsUnjudged.length > 0
          ? ` No finished judgment is on ${s.catchQuestionsUnjudged.join(', ')} (not among the experiment's questions, e.g. left out by questions.limit, or not judged yet).`
          : ''
      }`,
    });
  return tables;
}
