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
import type { BootstrapSummary } from './bootstrap-summary.ts';
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

/** The judge-clustered bootstrap clause of a sentence: what its interval settles, or why there is none. */
function bootstrapClause(b: BootstrapSummary, lv: number, reference: string): string {
  if (b.notEstimable !== null || b.relation === 'not-estimable')
    return `the judge-clustered bootstrap gives no interval (${b.notEstimable ?? 'not estimable'})`;
  return `the judge-clustered bootstrap ${lv}% interval ${relationText(b.relation, reference)}`;
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
  if (judgeBoot) sentence += `; ${bootstrapClause(judgeBoot, lv, '50%')}`;
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
    if (h.gap.bootstrap) s += `; ${bootstrapClause(h.gap.bootstrap, lv, 'zero')}`;
  }
  return `${s}.`;
}

function sandwichingSentence(m: SandwichingMeasure, level: number): string {
  const lv = Math.round(level * 100);
  const base = m.baselineArm
    ? `people alone (${m.baselineArm}, ${pct(m.accuracyAlone)}% correct)`
    : 'chance (50%; no judge-alone arm)';
  const boot = m.measureBootstrap ? `; ${bootstrapClause(m.measureBootstrap, lv, 'zero')}` : '';
  return `In ${m.arm}, against ${base}, an honest assistant raised accuracy by ${pct(m.riseHonest)} points (${lv}% CI ${pctInterval(m.riseHonestInterval)}) and a misleading one raised wrong answers by ${pct(m.riseWrong)} points (${lv}% CI ${pctInterval(m.riseWrongInterval)}): sandwiching measure ${pct(m.measure)} points (${lv}% CI ${pctInterval(m.measureInterval)})${boot}.`;
}

function modelText(contrast: ModelContrast, models: readonly ModelSummary[], label: string): string {
  if (contrast.notEstimable !== null || contrast.pValue === null)
    return `the ${label} gives no p-value (${contrast.notEstimable ?? 'not estimable'})`;
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
  const test = c.quoted;
  const significant = test.pValue < alpha;
  // Arm names are names ("ai-debate"), kept as written rather than capitalised into "Ai-debate".
  const head = significant ? `Arm ${hi} beat ${lo}` : `Arm ${hi} vs ${lo}`;
  let s = `${head}: ${pct(rHi)}% vs ${pct(rLo)}% (difference ${pct(d)} points, ${lv}% CI ${pctInterval(flip(c.newcombe))}); `;
  if (test.test === 'z')
    s += `two-proportion z = ${fixed(Math.abs(c.propTest.z))}, p ${pValueText(c.propTest.pValue)}`;
  else if (test.test === 'fisher')
    s += `Fisher's exact p ${pValueText(c.fisher.pValue)} (not the z-test: ${test.why})`;
  else {
    const p = c.paired!;
    s += `exact McNemar p ${pValueText(test.pValue)} on the ${p.pairs} transcripts both judged (${c.arm1} alone right in ${p.onlyFirst}, ${c.arm2} alone in ${p.onlySecond}; not the z-test: ${test.why})`;
  }
  if (many) s += ` (Holm-adjusted p ${pValueText(test.holm)})`;
  if (!significant) s += `, not significant at α = ${alpha}`;
  const judgeBoot = c.bootstrap.find((b) => b.cluster === 'judge');
  if (judgeBoot) {
    s += `; ${bootstrapClause(judgeBoot, lv, 'zero')}`;
    if (significant && judgeBoot.relation === 'includes')
      s += ', so the difference is not robust to clustering by judge';
    else if (significant && judgeBoot.relation === 'unsettled')
      s += ', so whether the difference is robust to clustering by judge is undecided';
  }
  const refusedAlike =
    c.glmm?.notEstimable && c.crossedGlmm?.notEstimable && c.glmm.notEstimable === c.crossedGlmm.notEstimable;
  if (refusedAlike) s += `; neither random-intercept GLMM gives a p-value (${c.glmm!.notEstimable})`;
  else {
    if (c.glmm) s += `; ${modelText(c.glmm, models, 'judge random-intercept GLMM')}`;
    if (c.crossedGlmm) s += `; ${modelText(c.crossedGlmm, models, 'judge + question GLMM')}`;
  }
  return `${s}.`;
}

export interface VerdictGroups {
  arms: string[];
  induction: string[];
  honesty: string[];
  sandwiching: string[];
  comparisons: string[];
  anytime: string[];
  agreement: string[];
}

/** Two arms that judged the same transcripts: how their verdicts and probabilities agree. */
function pairedSentence(c: ArmComparison, level: number): string | null {
  const p = c.paired;
  if (!p) return null;
  const lv = Math.round(level * 100);
  let s = `Arms ${c.arm1} and ${c.arm2} judged the same ${p.pairs} transcript${p.pairs === 1 ? '' : 's'}: the correct answer won with both in ${p.bothWon}, with ${c.arm1} alone in ${p.onlyFirst}, with ${c.arm2} alone in ${p.onlySecond}, with neither in ${p.neitherWon} (exact McNemar p ${pValueText(p.mcnemar.exactPValue)})`;
  if (p.cohenKappa.estimate !== null)
    s += `; their verdicts agree beyond chance by Cohen's κ = ${fixed(p.cohenKappa.estimate)} (${lv}% CI ${fixed(p.cohenKappa.interval.lower)} to ${fixed(p.cohenKappa.interval.upper)})`;
  if (p.icc?.estimate != null)
    s += `, their probabilities by ICC(1) = ${fixed(p.icc.estimate)} (${lv}% CI ${fixed(p.icc.interval.lower)} to ${fixed(p.icc.interval.upper)})`;
  return `${s}.`;
}

/** All judges of each transcript judged more than once. */
function agreementSentence(report: AnalysisReport): string | null {
  const a = report.agreement;
  if (!a) return null;
  const lv = Math.round(report.options.level * 100);
  let s = `Judges of the same transcript (${a.transcripts} transcripts judged more than once, ${a.judgments} judgments): Krippendorff's alpha on their verdicts ${fixed(a.krippendorffAlpha.estimate)}`;
  if (a.fleissKappa?.estimate != null)
    s += `, Fleiss' kappa ${fixed(a.fleissKappa.estimate)} on the ${a.fleissKappa.subjects} judged ${a.fleissKappa.raters} times (z = ${fixed(a.fleissKappa.z)}, p ${pValueText(a.fleissKappa.pValue)})`;
  if (a.icc?.estimate != null)
    s += `; ICC(1) of their probabilities ${fixed(a.icc.estimate)} (${lv}% CI ${fixed(a.icc.interval.lower)} to ${fixed(a.icc.interval.upper)})`;
  return `${s}.`;
}

/** What an arm's anytime-valid sequence says now. */
function anytimeArmSentence(s: ArmSummary): string | null {
  const a = s.anytime;
  if (!a) return null;
  const lv = Math.round((1 - a.alpha) * 100);
  const head = `Watched as it ran, ${s.label}'s anytime-valid ${lv}% sequence is ${pctInterval(a)}% after ${s.n} judgments (always-valid p ${pValueText(a.pValue)})`;
  return a.known
    ? `${head}: its win rate is known to be ${a.known} 50%, however often the study was looked at.`
    : `${head}: not known yet (${a.why}).`;
}

/** A comparison's anytime-valid sentence, only once the difference is known. */
function anytimeComparisonSentence(c: ArmComparison): string | null {
  const a = c.anytime;
  if (!a?.known) return null;
  const lv = Math.round((1 - a.alpha) * 100);
  return `Watched as it ran, the anytime-valid ${lv}% sequence for ${c.arm1} − ${c.arm2} is ${pctInterval(a)} points: ${a.known === 'above' ? c.arm1 : c.arm2} is known to be ahead.`;
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
    anytime: [
      ...report.arms.filter((s) => s.n > 0).flatMap((s) => anytimeArmSentence(s) ?? []),
      ...report.comparisons.flatMap((c) => anytimeComparisonSentence(c) ?? []),
    ],
    agreement: [
      ...report.comparisons.flatMap((c) => pairedSentence(c, level) ?? []),
      ...[agreementSentence(report)].filter((v): v is string => v !== null),
    ],
  };
}

/** The plain-language verdicts of a report (also stored in report.verdicts). */
export function verdictSentences(report: AnalysisReport): string[] {
  const g = verdictGroups(report);
  return [
    ...g.arms,
    ...g.induction,
    ...g.honesty,
    ...g.sandwiching,
    ...g.comparisons,
    ...g.anytime,
    ...g.agreement,
  ];
}
