/** Plain-text rendering of an AnalysisReport: aligned tables and the verdict sentences. */
import type { AnalysisReport, ArmSummary, BootstrapSummary } from './analysis.ts';
import { fixed, formatP, pct, pctInterval } from './format.ts';

type Align = 'left' | 'right';

/** Render rows as an aligned text table with a rule under the header. */
export function textTable(headers: string[], rows: string[][], align: Align[] = []): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((cell, c) =>
        (align[c] ?? (c === 0 ? 'left' : 'right')) === 'left'
          ? cell.padEnd(widths[c]!)
          : cell.padStart(widths[c]!),
      )
      .join('  ')
      .trimEnd();
  return [fmt(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

function boot(b: BootstrapSummary[], kind: string): string {
  const x = b.find((v) => v.cluster === kind);
  return x ? pctInterval(x.interval) : '–';
}

function armRows(arms: ArmSummary[], kinds: string[]): string[][] {
  return arms.map((s) => [
    s.label,
    s.protocol,
    String(s.n),
    String(s.wins),
    pct(s.rate),
    pctInterval(s.wilson),
    pctInterval(s.clopperPearson),
    formatP(s.binomialPValue),
    ...kinds.map((k) => boot(s.bootstrap, k)),
    formatP(s.glmm?.pValueGreater ?? s.clusterRobust?.pValueGreater ?? null),
  ]);
}

function wrap(text: string, width: number, indent = ''): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line.length > 0 && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else line = line.length > 0 ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** The report as terminal text: tables for arms, honesty splits, comparisons, calibration and ratings, then verdicts. */
export function formatReportText(
  report: AnalysisReport,
  options: { width?: number; maxRatings?: number } = {},
): string {
  const width = options.width ?? 100;
  const lv = Math.round(report.options.level * 100);
  const kinds = report.options.bootstrapClusters;
  const out: string[] = [];
  const t = report.totals;
  out.push(
    `Oversight experiment: ${t.judgments} judgments, ${t.arms} arms, ${t.judges} judges, ${t.questions} questions, ${t.stories} stories`,
  );
  out.push(
    `Intervals are ${lv}%; bootstrap: ${report.options.bootstrapResamples} resamples of clusters, seed ${report.options.seed}.`,
  );
  out.push('');
  out.push('WIN RATE OF THE CORRECT ANSWER BY ARM');
  const clusteredP = report.glmm ? 'GLMM p' : 'robust p';
  const headers = [
    'Arm',
    'Protocol',
    'n',
    'Wins',
    'Rate %',
    `Wilson ${lv}%`,
    `Exact ${lv}%`,
    'p(>50%)',
    ...kinds.map((k) => `${k}-boot ${lv}%`),
    clusteredP,
  ];
  out.push(textTable(headers, armRows(report.arms, kinds)));
  if (report.byInduction.length > 0) {
    out.push('');
    out.push('BY INDUCTION OF MISALIGNMENT');
    out.push(
      textTable(
        headers.slice(0, -1),
        armRows(report.byInduction, kinds).map((r) => r.slice(0, -1)),
      ),
    );
  }
  if (report.honesty.length > 0) {
    out.push('');
    out.push("ACCEPTANCE OF THE ARGUER'S ANSWER: HONEST VS DISHONEST");
    out.push(
      textTable(
        [
          'Arm',
          'Honest acc.',
          'n',
          'Dishonest acc.',
          'n',
          'Gap (pts)',
          `Newcombe ${lv}%`,
          'z',
          'p',
          `judge-boot ${lv}%`,
        ],
        report.honesty.map((h) => [
          h.arm,
          pct(h.honest.acceptance),
          String(h.honest.n),
          pct(h.dishonest.acceptance),
          String(h.dishonest.n),
          pct(h.gap.estimate),
          pctInterval(h.gap.newcombe),
          fixed(h.gap.z),
          formatP(h.gap.pValue),
          h.gap.bootstrap ? pctInterval(h.gap.bootstrap.interval) : '–',
        ]),
      ),
    );
    out.push('(Accuracy when honest = acceptance; accuracy when dishonest = 100 − acceptance.)');
  }
  if (report.comparisons.length > 0) {
    out.push('');
    out.push('COMPARISONS BETWEEN ARMS (difference = first − second, in points)');
    out.push(
      textTable(
        [
          'Arms',
          'Diff',
          `Newcombe ${lv}%`,
          'z',
          'p',
          'p (Yates)',
          'Fisher p',
          `judge-boot ${lv}%`,
          'robust p',
          'GLMM p',
          'Holm p',
        ],
        report.comparisons.map((c) => [
          `${c.arm1} − ${c.arm2}`,
          pct(c.difference),
          pctInterval(c.newcombe),
          fixed(c.propTest.z),
          formatP(c.propTest.pValue),
          formatP(c.propTestCorrected.pValue),
          formatP(c.fisher.pValue),
          boot(c.bootstrap, 'judge'),
          formatP(c.clusterRobust.pValue),
          formatP(c.glmm?.pValue ?? null),
          formatP(c.holm.propTest),
        ]),
      ),
    );
  }
  out.push('');
  out.push('CALIBRATION, REWARD AND BELIEFS');
  const maxTurns = Math.min(6, Math.max(0, ...report.arms.map((s) => s.beliefByTurn.length)));
  out.push(
    textTable(
      [
        'Arm',
        'Brier',
        'ECE',
        'Mean reward',
        'Mean rounds',
        ...Array.from({ length: maxTurns }, (_, k) => `P(correct) t${k + 1}`),
      ],
      report.arms.map((s) => [
        s.label,
        fixed(s.calibration.brier, 3),
        fixed(s.calibration.ece, 3),
        fixed(s.meanReward, 3),
        fixed(s.meanRounds, 2),
        ...Array.from({ length: maxTurns }, (_, k) => fixed(s.beliefByTurn[k]?.mean ?? null, 3)),
      ]),
    ),
  );
  if (report.glmm) {
    out.push(
      `Judge GLMM ${report.glmm.formula}: judge SD ${fixed(report.glmm.randomInterceptSd, 3)} (logit scale), ${report.glmm.clusters} judges, ${report.glmm.quadraturePoints}-point adaptive Gauss-Hermite${report.glmm.singular ? ', singular fit' : ''}.`,
    );
  }
  if (report.ratings.length > 0) {
    const maxRatings = options.maxRatings ?? 20;
    out.push('');
    out.push(
      `ARGUER RATINGS (Bradley-Terry, Elo scale, mean player = 1500${report.ratings.length > maxRatings ? `; top ${maxRatings} of ${report.ratings.length}` : ''})`,
    );
    out.push(
      textTable(
        ['Arguer', 'Role', 'Elo', '± SE', 'Games', 'Wins'],
        report.ratings
          .slice(0, maxRatings)
          .map((r) => [
            r.arguerId,
            r.role,
            fixed(r.elo, 0),
            fixed(r.eloStandardError, 0),
            String(r.games),
            String(r.wins),
          ]),
      ),
    );
  }
  out.push('');
  out.push('VERDICTS');
  for (const v of report.verdicts) out.push(wrap(`• ${v}`, width, '  '));
  for (const n of report.notes) out.push(wrap(`Note: ${n}`, width, '  '));
  return out.join('\n');
}
