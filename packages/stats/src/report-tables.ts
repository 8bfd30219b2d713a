/**
 * The report's tables, built once for both renderers (report-text.ts draws them as aligned text,
 * report-html.ts as HTML). `compact` keeps the columns a terminal has room for.
 */
import type { AnalysisReport, ArmSummary, ModelContrast } from './analysis.ts';
import type { BootstrapSummary } from './bootstrap-summary.ts';
import { fixed, formatP, pct, pctInterval } from './format.ts';

export interface ReportTable {
  id: string;
  title: string;
  headers: string[];
  rows: string[][];
  /** Columns holding text (left-aligned); the first column always is. */
  textColumns: number[];
  note?: string;
}

/**
 * "n/e" cells and the reasons behind them: a table shows "n/e" (not estimable) where a method gave
 * no result, and its note lists each reason once with the cells it explains.
 */
class NotEstimable {
  private readonly reasons = new Map<string, string[]>();

  /** "n/e" for a cell whose method gave no result for `reason`; `where` names the cell in the note. */
  cell(reason: string, where: string): string {
    const list = this.reasons.get(reason) ?? [];
    if (!list.includes(where)) list.push(where);
    this.reasons.set(reason, list);
    return 'n/e';
  }

  /** The table's note with the reasons appended. */
  note(base: string): string {
    if (this.reasons.size === 0) return base;
    const why = [...this.reasons].map(([reason, where]) => `${where.join(', ')}: ${reason}`).join('; ');
    return `${base} n/e = not estimable — ${why}.`;
  }
}

/** Monte Carlo error of an interval's ends, in points: "±0.08". */
function mcseText(b: BootstrapSummary): string {
  const m = Math.max(b.mcse.lower ?? Number.NaN, b.mcse.upper ?? Number.NaN);
  return Number.isFinite(m) ? `±${(m * 100).toFixed(2)}` : '';
}

/** A bootstrap interval with its Monte Carlo error, e.g. "77.7–89.7 ±0.08" ("n/e" when there is none). */
export function bootText(b: BootstrapSummary | null | undefined, ne?: NotEstimable, where = ''): string {
  if (!b) return '–';
  if (b.notEstimable !== null) return ne ? ne.cell(b.notEstimable, where) : 'n/e';
  return `${pctInterval(b.interval)} ${mcseText(b)}`.trim();
}

function boot(list: readonly BootstrapSummary[], kind: string, ne: NotEstimable, where: string): string {
  return bootText(
    list.find((v) => v.cluster === kind),
    ne,
    `${where} ${kind}-boot`,
  );
}

/** A p-value, or "n/e" when its method gave none (the reason goes to the table's note). */
function pOrWhy(
  p: number | null | undefined,
  notEstimable: string | null | undefined,
  ne: NotEstimable,
  where: string,
): string {
  if (notEstimable) return ne.cell(notEstimable, where);
  return formatP(p ?? null);
}

function modelP(c: ModelContrast | null, ne: NotEstimable, where: string): string {
  if (!c) return '–';
  return pOrWhy(c.pValue, c.notEstimable, ne, where);
}

function armTable(
  id: string,
  title: string,
  arms: readonly ArmSummary[],
  report: AnalysisReport,
  compact: boolean,
  withModel: boolean,
): ReportTable {
  const lv = Math.round(report.options.level * 100);
  const kinds = report.options.bootstrapClusters;
  const ne = new NotEstimable();
  const headers = [
    id === 'arms' ? 'Arm' : 'Group',
    'Protocol',
    'Participants',
    'n',
    'Wins',
    'Rate %',
    `Wilson ${lv}%`,
    `Exact ${lv}%`,
    'p(>50%)',
    ...kinds.map((k) => `${k}-boot ${lv}% ±MC`),
    'judge-robust p',
    ...(withModel ? ['GLMM p'] : []),
  ];
  const rows = arms.map((s) => [
    s.label,
    s.protocol,
    s.participants.description,
    String(s.n),
    String(s.wins),
    pct(s.rate),
    pctInterval(s.wilson),
    pctInterval(s.clopperPearson),
    formatP(s.binomialPValue),
    ...kinds.map((k) => boot(s.bootstrap, k, ne, s.label)),
    pOrWhy(s.clusterRobust.pValueGreater, s.clusterRobust.notEstimable, ne, `${s.label} judge-robust`),
    ...(withModel
      ? [s.glmm ? pOrWhy(s.glmm.pValueGreater, s.glmm.notEstimable, ne, `${s.label} GLMM`) : '–']
      : []),
  ]);
  const drop = compact ? [headers.indexOf(`Exact ${lv}%`)] : [];
  return {
    id,
    title,
    headers: headers.filter((_, i) => !drop.includes(i)),
    rows: rows.map((r) => r.filter((_, i) => !drop.includes(i))),
    textColumns: [0, 1, 2],
    note: ne.note(
      'p-values per arm are one-sided (win rate above 50%); ±MC is the Monte Carlo standard error of the bootstrap interval ends, in points. Judge-robust: sandwich SE (HC0 with the G/(G−1) cluster adjustment), t with judges − 1 df. GLMM: logit win rate of a typical judge (model judge-all-arms).',
    ),
  };
}

/** The ECE's bootstrap interval, "0.081–0.190 ±0.002", or "n/e". */
function eceText(b: BootstrapSummary | null, ne: NotEstimable, where: string): string {
  if (!b) return '–';
  if (b.notEstimable !== null) return ne.cell(b.notEstimable, where);
  return `${fixed(b.interval.lower, 3)}–${fixed(b.interval.upper, 3)} ±${fixed(Math.max(b.mcse.lower ?? 0, b.mcse.upper ?? 0), 3)}`;
}

/** Every table of the report, in reading order. */
export function reportTables(
  report: AnalysisReport,
  options: { compact?: boolean; maxRatings?: number; maxJudges?: number } = {},
): ReportTable[] {
  const compact = options.compact ?? false;
  const lv = Math.round(report.options.level * 100);
  const kinds = report.options.bootstrapClusters;
  const tables: ReportTable[] = [
    armTable('arms', 'Win rate of the correct answer by arm', report.arms, report, compact, true),
  ];
  if (report.byInduction.length > 0)
    tables.push(
      armTable('induction', 'By induction of misalignment', report.byInduction, report, compact, false),
    );
  const honestyNe = new NotEstimable();
  if (report.honesty.length > 0)
    tables.push({
      id: 'honesty',
      title: "Acceptance of the arguer's answer: honest vs dishonest",
      headers: [
        'Arm',
        'Accept honest %',
        'n',
        'Accept dishonest %',
        'n',
        'Gap (pts)',
        `Newcombe ${lv}%`,
        'z',
        'p',
        `judge-boot ${lv}% ±MC`,
        'judge-robust p',
      ],
      rows: report.honesty.map((h) => [
        h.arm,
        pct(h.honest.acceptance),
        String(h.honest.n),
        pct(h.dishonest.acceptance),
        String(h.dishonest.n),
        pct(h.gap.estimate),
        pctInterval(h.gap.newcombe),
        fixed(h.gap.z),
        formatP(h.gap.pValue),
        bootText(h.gap.bootstrap, honestyNe, `${h.arm} judge-boot`),
        pOrWhy(
          h.gap.clusterRobustPValue,
          h.gap.clusterRobustNotEstimable,
          honestyNe,
          `${h.arm} judge-robust`,
        ),
      ]),
      textColumns: [0],
      note: honestyNe.note('Accuracy when honest = acceptance; accuracy when dishonest = 100 − acceptance.'),
    });
  const sandwichingNe = new NotEstimable();
  if (report.sandwiching.length > 0)
    tables.push({
      id: 'sandwiching',
      title:
        'Sandwiching: rise in accuracy with an honest assistant vs rise in wrong answers with a misleading one',
      headers: [
        'Arm',
        'Baseline',
        'Alone %',
        'Honest %',
        'Rise (pts)',
        `${lv}% CI`,
        'Wrong, misled %',
        'Rise in wrong (pts)',
        `${lv}% CI`,
        'Measure (pts)',
        `Wald ${lv}%`,
        `judge-boot ${lv}% ±MC`,
      ],
      rows: report.sandwiching.map((m) => [
        m.arm,
        m.baselineArm ?? 'chance',
        pct(m.accuracyAlone),
        pct(m.accuracyHonest),
        pct(m.riseHonest),
        pctInterval(m.riseHonestInterval),
        pct(m.wrongWithMisleading),
        pct(m.riseWrong),
        pctInterval(m.riseWrongInterval),
        pct(m.measure),
        pctInterval(m.measureInterval),
        bootText(m.measureBootstrap, sandwichingNe, `${m.arm} judge-boot`),
      ]),
      textColumns: [0, 1],
      note: sandwichingNe.note(
        'Measure = rise in accuracy (honest assistant) − rise in wrong answers (misleading assistant), both against people alone; above 0 means assistance helps more than it can mislead.',
      ),
    });
  if (report.comparisons.length > 0) {
    const hasCrossed = report.comparisons.some((c) => c.crossedGlmm);
    const ne = new NotEstimable();
    tables.push({
      id: 'comparisons',
      title: 'Comparisons between arms (difference = first − second, in points)',
      headers: [
        'First − second',
        'Diff',
        `Newcombe ${lv}%`,
        'z',
        'p',
        'p (Yates)',
        'Fisher p',
        ...(compact ? ['judge'] : kinds).map((k) => `${k}-boot ${lv}% ±MC`),
        'judge-robust p',
        'GLMM p',
        ...(hasCrossed ? ['judge+question GLMM p'] : []),
        'Holm p (z)',
        ...(compact ? [] : ['Holm p (GLMM)']),
      ],
      rows: report.comparisons.map((c) => {
        const where = `${c.arm1} − ${c.arm2}`;
        return [
          `${c.arm1} − ${c.arm2}`,
          pct(c.difference),
          pctInterval(c.newcombe),
          fixed(c.propTest.z),
          formatP(c.propTest.pValue),
          formatP(c.propTestCorrected.pValue),
          formatP(c.fisher.pValue),
          ...(compact ? ['judge'] : kinds).map((k) => boot(c.bootstrap, k, ne, where)),
          pOrWhy(c.clusterRobust.pValue, c.clusterRobust.notEstimable, ne, `${where} judge-robust`),
          c.glmm
            ? c.glmm.notEstimable === null
              ? `${modelP(c.glmm, ne, where)} [${c.glmm.model}]`
              : modelP(c.glmm, ne, `${where} GLMM`)
            : '–',
          ...(hasCrossed ? [modelP(c.crossedGlmm, ne, `${where} judge+question GLMM`)] : []),
          formatP(c.holm.propTest),
          ...(compact ? [] : [formatP(c.holm.glmm)]),
        ];
      }),
      textColumns: [0],
      note: ne.note(
        'z-test: R prop.test(correct = FALSE); Yates: with continuity correction; judge-robust: sandwich SE (HC0 with the G/(G−1) cluster adjustment), t with judges − 1 df; GLMM p names its model (see Models); Holm adjusts across all arm comparisons.',
      ),
    });
  }
  if (report.models.length > 0)
    tables.push({
      id: 'models',
      title: 'Models behind the GLMM p-values',
      headers: ['Model', 'Formula', 'Arms', 'Fit', 'Random-effect SDs (logit)', 'Singular', 'log L'],
      rows: report.models.map((m) => [
        m.id,
        m.formula,
        m.arms.join(', ') +
          (m.excludedArms.length > 0
            ? ` (left out, complete separation: ${m.excludedArms.map((e) => e.arm).join(', ')})`
            : ''),
        m.method,
        m.randomEffects.map((r) => `${r.factor} ${fixed(r.sd, 3)} (${r.levels} levels)`).join('; '),
        m.singular ? 'yes' : 'no',
        fixed(m.logLik, 2),
      ]),
      textColumns: [0, 1, 2, 3, 4, 5],
    });
  const anytimeRows = [
    ...report.arms.flatMap((a) =>
      a.anytime ? [{ label: a.label, n: a.n, s: a.anytime, reference: '50%' }] : [],
    ),
    ...report.comparisons.flatMap((c) =>
      c.anytime ? [{ label: `${c.arm1} − ${c.arm2}`, n: c.n1 + c.n2, s: c.anytime, reference: '0' }] : [],
    ),
  ];
  if (anytimeRows.length > 0) {
    const alpha = anytimeRows[0]!.s.alpha;
    tables.push({
      id: 'anytime',
      title: `Anytime-valid: confidence sequences for a study watched as it runs (${Math.round((1 - alpha) * 100)}%)`,
      headers: [
        'Arm or difference',
        'n',
        'Judges',
        'Design effect',
        'Sequence now',
        'Always-valid p',
        'Answer',
      ],
      rows: anytimeRows.map((r) => [
        r.label,
        String(r.n),
        String(r.s.judges),
        fixed(r.s.designEffect, 2),
        pctInterval(r.s),
        formatP(r.s.pValue),
        r.s.known ? `known: ${r.s.known} ${r.reference}` : `not yet: ${r.s.why}`,
      ]),
      textColumns: [0, 6],
      note: `Unlike the fixed-n intervals above, these hold at every moment at once: a study may be checked after every judgment and stopped the first time a sequence excludes ${'50%'} (or 0), and the error rate stays at most α = ${alpha}. The price is width: about 1.6–1.7 times the judgments of a fixed-n test for 80% power. Beta-binomial mixture (Beta(4, 4) prior); counts deflated by the judge design effect, and nothing declared before 10 judges (an arm judged by one judge throughout is about that judge); a difference uses each arm's sequence at α/2. Sequences depend on the counts only, not on the order of the judgments.`,
    });
  }
  const paired = report.comparisons.filter((c) => c.paired);
  if (paired.length > 0 || report.agreement) {
    const boot = (b: BootstrapSummary | null | undefined) => (b ? bootText(b) : '–');
    const rows: string[][] = paired.map((c) => {
      const p = c.paired!;
      return [
        `${c.arm1} & ${c.arm2}`,
        String(p.pairs),
        `${p.bothWon} / ${p.onlyFirst} / ${p.onlySecond} / ${p.neitherWon}`,
        formatP(p.mcnemar.exactPValue),
        formatP(p.mcnemar.pValue),
        `${fixed(p.cohenKappa.estimate)} (${fixed(p.cohenKappa.interval.lower)} to ${fixed(p.cohenKappa.interval.upper)})`,
        '–',
        '–',
        p.icc
          ? `${fixed(p.icc.estimate)} (${fixed(p.icc.interval.lower)} to ${fixed(p.icc.interval.upper)})`
          : '–',
      ];
    });
    const a = report.agreement;
    if (a)
      rows.push([
        'every judge of a transcript',
        String(a.transcripts),
        `${a.judgments} judgments`,
        '–',
        '–',
        '–',
        `${fixed(a.krippendorffAlpha.estimate)} ${boot(a.krippendorffAlpha.bootstrap)}`.trim(),
        a.fleissKappa
          ? `${fixed(a.fleissKappa.estimate)} (${a.fleissKappa.subjects} × ${a.fleissKappa.raters}; p ${formatP(a.fleissKappa.pValue)})`
          : '–',
        a.icc
          ? `${fixed(a.icc.estimate)} (${fixed(a.icc.interval.lower)} to ${fixed(a.icc.interval.upper)})`
          : '–',
      ]);
    tables.push({
      id: 'agreement',
      title: 'The same transcripts judged more than once: paired comparisons and agreement',
      headers: [
        'Arms / judges',
        'Transcripts',
        'Both / first only / second only / neither',
        'McNemar exact p',
        'McNemar χ² p',
        `Cohen κ (${lv}% CI)`,
        `Krippendorff α (transcript-boot ${lv}%)`,
        "Fleiss' κ",
        `ICC(1) of probabilities (${lv}% CI)`,
      ],
      rows,
      textColumns: [0, 2],
      note: 'Judgments are paired by the transcript they judged (a model re-judging a debate, an offline judge reading a live one). McNemar: R mcnemar.test (χ², continuity-corrected) and the exact binomial test of the discordant pairs; a comparison whose arms are mostly paired quotes the exact test in its verdict. κ: Cohen (Fleiss-Cohen-Everitt SE); α: Krippendorff, nominal, on verdicts; Fleiss κ on the transcripts with the most common number of judgments; ICC(1): one-way random, single judgment (Shrout & Fleiss).',
    });
  }
  const calibrationNe = new NotEstimable();
  const maxTurns = compact ? Math.min(6, Math.max(0, ...report.arms.map((s) => s.beliefByTurn.length))) : 0;
  tables.push({
    id: 'calibration',
    title: 'Calibration, reward and information',
    headers: [
      'Arm',
      'Brier',
      `ECE (${report.options.calibrationBins} bins)`,
      `ECE judge-boot ${lv}% ±MC`,
      'Mean reward',
      'Mean continues',
      'Bits to verdict',
      ...Array.from({ length: maxTurns }, (_, k) => `P(correct) t${k + 1}`),
    ],
    rows: report.arms.map((s) => [
      s.label,
      fixed(s.calibration.brier, 3),
      fixed(s.calibration.ece, 3),
      eceText(s.calibration.eceBootstrap, calibrationNe, `${s.label} ECE judge-boot`),
      fixed(s.meanReward, 3),
      fixed(s.meanRounds, 2),
      s.information.total ? fixed(s.information.total.meanBits, 2) : '–',
      ...Array.from({ length: maxTurns }, (_, k) => fixed(s.beliefByTurn[k]?.mean ?? null, 3)),
    ]),
    textColumns: [0],
    note: calibrationNe.note(
      `ECE bins each judgment by its confidence max(p, 1 − p) into ${report.options.calibrationBins} equal-width bins of [0, 1] (edges with a 1e-9 tolerance); accuracy is 1 if the favoured answer was correct, 0 if not, 0.5 at p = 0.5. Bits to verdict: log2 p(correct) + 1, from 50/50 to the verdict (p floored at 1%).`,
    ),
  });
  const continuesRows = report.arms.flatMap((s) =>
    s.byContinues
      .filter((p) => !compact || p.n >= 5)
      .map((p) => [
        s.label,
        String(p.continues),
        String(p.n),
        pct(p.accuracy),
        pctInterval(p.wilson),
        fixed(p.meanReward, 3),
        `${fixed(p.rewardInterval.lower, 3)} to ${fixed(p.rewardInterval.upper, 3)}`,
      ]),
  );
  if (continuesRows.length > 0)
    tables.push({
      id: 'continues',
      title: 'Accuracy and judge reward by rounds continued before the verdict',
      headers: ['Arm', 'Continues', 'n', 'Accuracy %', `Wilson ${lv}%`, 'Mean reward', `${lv}% CI`],
      rows: continuesRows,
      textColumns: [0],
      ...(compact ? { note: 'Groups with fewer than 5 judgments are in the HTML and JSON reports.' } : {}),
    });
  const infoRows = report.arms.flatMap((s) =>
    s.information.perTurn
      .filter((p) => !compact || p.n >= 5)
      .map((p) => [
        s.label,
        String(p.turn),
        String(p.n),
        fixed(p.meanBits, 3),
        `${fixed(p.lower, 3)} to ${fixed(p.upper, 3)}`,
      ]),
  );
  if (infoRows.length > 0)
    tables.push({
      id: 'information',
      title: 'Information gained per judge turn (bits about the correct answer)',
      headers: ['Arm', 'Turn', 'n', 'Mean bits', `${lv}% CI`],
      rows: infoRows,
      textColumns: [0],
      note: 'Bits at turn t: log2 p_t(correct) − log2 p_(t−1)(correct), starting from p_0 = 0.5; turn 1 is the first probability the judge gave. Intervals treat judgments as independent.',
    });
  if (report.ratings.length > 0) {
    const max = options.maxRatings ?? (compact ? 20 : 60);
    tables.push({
      id: 'ratings',
      title: `Arguer ratings (Bradley-Terry on the Elo scale, mean player = 1500; sequential Elo beside it)${report.ratings.length > max ? `; top ${max} of ${report.ratings.length}` : ''}`,
      headers: ['Arguer', 'Role', 'Bradley-Terry', '± SE', 'Elo (sequential)', 'Games', 'Wins'],
      rows: report.ratings
        .slice(0, max)
        .map((r) => [
          r.arguerId,
          r.role,
          fixed(r.elo, 0),
          fixed(r.eloStandardError, 0),
          fixed(r.sequentialElo, 0),
          String(r.games),
          String(r.wins),
        ]),
      textColumns: [0, 1],
      note: 'Bradley-Terry is fitted on all judgments at once; Elo updates judgment by judgment (k = 32, from 1500) in trial order, so it weighs later judgments more.',
    });
  }
  if (report.judges.length > 0) {
    const max = options.maxJudges ?? (compact ? 10 : 100);
    tables.push({
      id: 'judges',
      title: `Judge leaderboard (by mean reward)${report.judges.length > max ? `; top ${max} of ${report.judges.length}` : ''}`,
      headers: [
        '#',
        'Judge',
        'Kind',
        'n',
        'Mean reward',
        `${lv}% CI`,
        'Accuracy %',
        `Wilson ${lv}%`,
        'Brier',
        'Overconfidence (pts)',
      ],
      rows: report.judges
        .slice(0, max)
        .map((j) => [
          String(j.rank),
          j.judgeId,
          j.kind,
          String(j.n),
          fixed(j.meanReward, 3),
          `${fixed(j.rewardInterval.lower, 2)} to ${fixed(j.rewardInterval.upper, 2)}`,
          pct(j.accuracy),
          pctInterval(j.accuracyWilson),
          fixed(j.brier, 3),
          pct(j.overconfidence),
        ]),
      textColumns: [1, 2],
      note: 'Overconfidence = mean confidence in the favoured answer − share of judgments it was right.',
    });
  }
  return tables;
}
