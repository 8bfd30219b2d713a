/**
 * The report's plain-language verdicts. Every number in them is exact given the data (counts,
 * Wilson and Newcombe intervals, tests, model p-values); bootstrap intervals, which carry Monte
 * Carlo error, appear only as what they settle — whether they exclude the reference (50% for a
 * rate, 0 for a difference), decided beyond five Monte Carlo errors after as many resamples as
 * that takes — while their numbers, with ±MC, are in the tables. So the sentences do not change
 * with the seed: any rounded bootstrap number would, for some data, sit on a rounding edge.
 */
import type {
  AnalysisReport,
  ArmComparison,
  ArmSummary,
  HonestySplit,
  ModelContrast,
  ModelSummary,
} from './analysis.ts';
import { fixed, pct, pctInterval, pValueText } from './format.ts';
import { isDebateProtocol } from './judgment.ts';
import type { IntervalRelation } from './monte-carlo.ts';
import type { ReportInterval } from './report-types.ts';
import type { SandwichingMeasure } from './sandwiching.ts';

/** What a judge-clustered bootstrap interval settles, in words ("excludes zero"). */
function relationText(relation: IntervalRelation, reference: string): string {
  switch (relation) {
    case 'above':
    case 'below':
      return `excludes ${reference}`;
    case 'includes':
      return `includes ${reference}`;
    case 'unsettled':
      return `has an end within Monte Carlo error of ${reference}`;
  }
}

function participantsText(s: ArmSummary): string {
  const d = s.participants.description;
  return d.includes('not recorded') && !s.participants.anySimulated ? '' : ` (${d})`;
}

function armSentence(s: ArmSummary, level: number): string {
  const lv = Math.round(level * 100);
  // A rate of nothing is not a rate: "–% (0 of 0)" said nothing in many characters.
  if (s.n === 0) return `In ${s.label}${participantsText(s)}, no judgment has been made yet.`;
  const count = `${s.wins} of ${s.n} judgments (${pct(s.rate)}%, ${lv}% CI ${pctInterval(s.wilson)}%)`;
  const who = participantsText(s);
  let core: string;
  if (isDebateProtocol(s.protocol)) core = `In ${s.label}${who}, correct-answer debaters won ${count}`;
  else if (s.protocol === 'consultancy' || s.protocol === 'sandwiching')
    core = `In ${s.label}${who}, judges chose the correct answer in ${count}`;
  else if (s.protocol === 'judge-alone') core = `In ${s.label}${who}, judges alone were correct in ${count}`;
  else core = `In ${s.label}${who}, judges with the source text were correct in ${count}`;
  let sentence = `${core}; exact one-sided binomial p ${pValueText(s.binomialPValue)}`;
  const judgeBoot = s.bootstrap.find((b) => b.cluster === 'judge');
  if (judgeBoot)
    sentence += `; the judge-clustered bootstrap ${lv}% interval ${relationText(judgeBoot.relation, '50%')}`;
  return `${sentence}.`;
}

function honestySentence(h: HonestySplit, level: number): string {
  const lv = Math.round(level * 100);
  const noun = h.protocol === 'sandwiching' ? 'assistants' : 'consultants';
  const side = (which: string, g: { acceptance: number | null; accepted: number; n: number }) =>
    `${which} ${noun}' answers in ${pct(g.acceptance)}% (${g.accepted} of ${g.n})`;
  // A side nobody has judged yet has no rate to give ("–% (0 of 0)" said nothing).
  const unjudged = [h.honest.n === 0 ? 'an honest' : '', h.dishonest.n === 0 ? 'a dishonest' : ''].filter(
    Boolean,
  );
  if (unjudged.length > 0) {
    const judged =
      h.honest.n > 0 ? side('honest', h.honest) : h.dishonest.n > 0 ? side('dishonest', h.dishonest) : '';
    const single = noun.replace(/s$/, '');
    return `In ${h.arm}, ${judged ? `judges accepted ${judged}; ` : ''}no judge has judged ${unjudged.join(' or ')} ${single} yet, so there is no gap to give.`;
  }
  let s = `In ${h.arm}, judges accepted ${side('honest', h.honest)} and ${side('dishonest', h.dishonest)}`;
  if (h.gap.estimate !== null) {
    s += `: a gap of ${pct(h.gap.estimate)} points (${lv}% CI ${pctInterval(h.gap.newcombe)}); z = ${fixed(h.gap.z)}, p ${pValueText(h.gap.pValue)}`;
    if (h.gap.bootstrap)
      s += `; the judge-clustered bootstrap ${lv}% interval ${relationText(h.gap.bootstrap.relation, 'zero')}`;
  }
  return `${s}.`;
}

function sandwichingSentence(m: SandwichingMeasure, level: number): string {
  const lv = Math.round(level * 100);
  const base = m.baselineArm
    ? `people alone (${m.baselineArm}, ${pct(m.accuracyAlone)}% correct)`
    : 'chance (50%; no judge-alone arm)';
  const boot = m.measureBootstrap
    ? `; its judge-clustered bootstrap ${lv}% interval ${relationText(m.measureBootstrap.relation, 'zero')}`
    : '';
  return `In ${m.arm}, against ${base}, an honest assistant raised accuracy by ${pct(m.riseHonest)} points (${lv}% CI ${pctInterval(m.riseHonestInterval)}) and a misleading one raised wrong answers by ${pct(m.riseWrong)} points (${lv}% CI ${pctInterval(m.riseWrongInterval)}): sandwiching measure ${pct(m.measure)} points (${lv}% CI ${pctInterval(m.measureInterval)})${boot}.`;
}

function modelText(contrast: ModelContrast, models: readonly ModelSummary[], label: string): string {
  const model = models.find((m) => m.id === contrast.model);
  const arms = model
    ? model.arms.length > 2
      ? `all ${model.arms.length} arms`
      : model.arms.join(' and ')
    : '?';
  return `${label} on ${arms}${model?.singular ? ', singular fit' : ''} p ${pValueText(contrast.pValue)}`;
}

function comparisonSentence(
  c: ArmComparison,
  alpha: number,
  level: number,
  many: boolean,
  models: readonly ModelSummary[],
): string {
  const lv = Math.round(level * 100);
  const firstHigher = (c.difference ?? 0) >= 0;
  const hi = firstHigher ? c.arm1 : c.arm2;
  const lo = firstHigher ? c.arm2 : c.arm1;
  const rHi = firstHigher ? c.rate1 : c.rate2;
  const rLo = firstHigher ? c.rate2 : c.rate1;
  const flip = (i: ReportInterval): ReportInterval =>
    firstHigher
      ? i
      : { lower: i.upper === null ? null : -i.upper, upper: i.lower === null ? null : -i.lower };
  const d = Math.abs(c.difference ?? Number.NaN);
  const significant = c.propTest.pValue < alpha;
  // Arm names are names ("ai-debate"), kept as written rather than capitalised into "Ai-debate".
  const head = significant ? `Arm ${hi} beat ${lo}` : `Arm ${hi} vs ${lo}`;
  let s = `${head}: ${pct(rHi)}% vs ${pct(rLo)}% (difference ${pct(d)} points, ${lv}% CI ${pctInterval(flip(c.newcombe))}); two-proportion z = ${fixed(Math.abs(c.propTest.z))}, p ${pValueText(c.propTest.pValue)}`;
  if (many) s += ` (Holm-adjusted p ${pValueText(c.holm.propTest)})`;
  if (!significant) s += `, not significant at α = ${alpha}`;
  const judgeBoot = c.bootstrap.find((b) => b.cluster === 'judge');
  if (judgeBoot) {
    s += `; the judge-clustered bootstrap ${lv}% interval ${relationText(judgeBoot.relation, 'zero')}`;
    if (significant && judgeBoot.relation === 'includes')
      s += ', so the difference is not robust to clustering by judge';
    else if (significant && judgeBoot.relation === 'unsettled')
      s += ', so whether the difference is robust to clustering by judge is undecided';
  }
  if (c.glmm) s += `; ${modelText(c.glmm, models, 'judge random-intercept GLMM')}`;
  if (c.crossedGlmm) s += `; ${modelText(c.crossedGlmm, models, 'judge + question GLMM')}`;
  return `${s}.`;
}

export interface VerdictGroups {
  arms: string[];
  induction: string[];
  honesty: string[];
  sandwiching: string[];
  comparisons: string[];
}

/** The verdict sentences grouped by section. */
export function verdictGroups(report: AnalysisReport): VerdictGroups {
  const { level, alpha } = report.options;
  const many = report.comparisons.length > 1;
  return {
    arms: report.arms.filter((s) => s.n > 0).map((s) => armSentence(s, level)),
    induction: report.byInduction.filter((s) => s.n > 0).map((s) => armSentence(s, level)),
    honesty: report.honesty.map((h) => honestySentence(h, level)),
    sandwiching: report.sandwiching.map((m) => sandwichingSentence(m, level)),
    comparisons: report.comparisons.map((c) => comparisonSentence(c, alpha, level, many, report.models)),
  };
}

/** The plain-language verdicts of a report (also stored in report.verdicts). */
export function verdictSentences(report: AnalysisReport): string[] {
  const g = verdictGroups(report);
  return [...g.arms, ...g.induction, ...g.honesty, ...g.sandwiching, ...g.comparisons];
}
