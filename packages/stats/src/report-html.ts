/**
 * One self-contained HTML page for an AnalysisReport: inline CSS, inline SVG charts, no scripts,
 * no fonts or images fetched from anywhere.
 */
import { type AnalysisReport, type ArmSummary, type BootstrapSummary, verdictGroups } from './analysis.ts';
import { fixed, formatP, pct, pctInterval } from './format.ts';
import {
  barChart,
  DISHONEST_COLOUR,
  dotPlot,
  escapeXml,
  HONEST_COLOUR,
  lineChart,
  NEUTRAL_COLOUR,
  PALETTE,
} from './svg-charts.ts';

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fafafa; color: #1d1d1f; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 28px 32px 60px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #e4e4e4; }
h3 { font-size: 15px; margin: 0 0 8px; color: #333; }
.meta { color: #555; margin: 0 0 18px; }
.verdicts { background: #fff; border-left: 4px solid #0072B2; padding: 12px 18px; margin: 0; border-radius: 4px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
.verdicts li { margin: 5px 0; }
.verdicts h3 { margin: 10px 0 2px; }
.verdicts ul { margin: 0; padding-left: 20px; }
.notes { color: #6a4b00; background: #fff8e6; border-left: 4px solid #E69F00; padding: 8px 14px; border-radius: 4px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 18px; }
figure { margin: 0; background: #fff; padding: 14px 14px 8px; border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.06); overflow-x: auto; }
figcaption { color: #555; font-size: 13px; margin-top: 6px; }
svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; background: #fff; font-size: 13px; box-shadow: 0 1px 2px rgba(0,0,0,.06); margin: 6px 0 4px; }
th, td { padding: 4px 7px; border-bottom: 1px solid #ececec; text-align: right; white-space: nowrap; }
th { background: #f1f3f5; font-weight: 600; white-space: normal; vertical-align: bottom; min-width: 48px; }
th:first-child, td:first-child, td.text { text-align: left; }
tbody tr:hover { background: #f7fbff; }
.scroll { overflow-x: auto; }
.small { color: #666; font-size: 13px; }
`;

function table(headers: string[], rows: string[][], textColumns: number[] = [0]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${textColumns.includes(i) && i > 0 ? ' class="text"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<div class="scroll"><table><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

function boot(b: BootstrapSummary[], kind: string): string {
  const x = b.find((v) => v.cluster === kind);
  return x ? pctInterval(x.interval) : '–';
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${escapeXml(caption)}</figcaption></figure>`;
}

/** Column headers matching `armRows`. */
function armHeaders(first: string, lv: number, kinds: readonly string[]): string[] {
  return [
    first,
    'Protocol',
    'n',
    'Wins',
    'Rate %',
    `Wilson ${lv}%`,
    `Exact ${lv}%`,
    'Binomial p (>50%)',
    ...kinds.map((k) => `${k}-bootstrap ${lv}%`),
    'Judge-robust p',
    'GLMM p',
  ];
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
    formatP(s.clusterRobust?.pValueGreater ?? null),
    formatP(s.glmm?.pValueGreater ?? null),
  ]);
}

/** Render the report as one self-contained HTML document. */
export function renderReportHtml(
  report: AnalysisReport,
  options: { title?: string; maxRatingRows?: number } = {},
): string {
  const title = options.title ?? 'Oversight experiment report';
  const lv = Math.round(report.options.level * 100);
  const kinds = report.options.bootstrapClusters;
  const colour = (i: number) => PALETTE[i % PALETTE.length]!;
  const arms = report.arms.filter((a) => a.n > 0);
  const t = report.totals;
  const parts: string[] = [];
  parts.push(`<h1>${escapeXml(title)}</h1>`);
  parts.push(
    `<p class="meta">${t.judgments.toLocaleString('en-US')} judgments · ${t.arms} arms · ${t.judges.toLocaleString('en-US')} judges · ${t.questions.toLocaleString('en-US')} questions · ${t.stories.toLocaleString('en-US')} stories. Intervals are ${lv}%; cluster bootstrap with ${report.options.bootstrapResamples.toLocaleString('en-US')} resamples (seed ${report.options.seed}).</p>`,
  );
  parts.push('<h2>Verdicts</h2>');
  const groups = verdictGroups(report);
  const verdictBlock = (heading: string, items: string[]) =>
    items.length === 0
      ? ''
      : `<h3>${escapeXml(heading)}</h3><ul>${items.map((v) => `<li>${escapeXml(v)}</li>`).join('')}</ul>`;
  parts.push(
    `<div class="verdicts">${verdictBlock('Does the correct answer win?', groups.arms)}${verdictBlock('By induction of misalignment', groups.induction)}${verdictBlock('Honest vs dishonest arguers', groups.honesty)}${verdictBlock('Which protocol is better?', groups.comparisons)}</div>`,
  );
  if (report.notes.length > 0) parts.push(`<p class="notes">${report.notes.map(escapeXml).join('<br>')}</p>`);

  // charts
  const charts: string[] = [];
  const judgeBoot = (s: ArmSummary) => s.bootstrap.find((b) => b.cluster === 'judge');
  const anyBoot = arms.some((a) => judgeBoot(a));
  charts.push(
    figure(
      barChart({
        title: 'Win rate of the correct answer by arm',
        categories: arms.map((a) => a.label),
        series: [
          {
            name: 'Win rate',
            color: PALETTE[0]!,
            values: arms.map((a) => a.rate),
            lower: arms.map((a) => a.wilson.lower),
            upper: arms.map((a) => a.wilson.upper),
            intervalName: `Wilson ${lv}% CI`,
            ...(anyBoot
              ? {
                  secondary: {
                    name: `judge-clustered bootstrap ${lv}% CI`,
                    color: PALETTE[5]!,
                    lower: arms.map((a) => judgeBoot(a)?.interval.lower ?? null),
                    upper: arms.map((a) => judgeBoot(a)?.interval.upper ?? null),
                  },
                }
              : {}),
          },
        ],
        yLabel: 'Won by the correct answer',
        referenceLine: { value: 0.5, label: 'chance' },
        valueFormat: (v) => `${pct(v)}%`,
      }),
      `Share of judgments in which the judge's final probability on the correct answer exceeded 0.5. Black whiskers: ${lv}% Wilson interval (judgments independent); red whiskers: judge-clustered bootstrap interval.`,
    ),
  );
  if (report.honesty.length > 0) {
    const noun = (p: string) => (p === 'sandwiching' ? 'assistant' : 'consultant');
    charts.push(
      figure(
        barChart({
          title: "Acceptance of the arguer's answer, honest vs dishonest",
          categories: report.honesty.map((h) => h.arm),
          series: [
            {
              name: 'Honest arguer',
              color: HONEST_COLOUR,
              values: report.honesty.map((h) => h.honest.acceptance),
              lower: report.honesty.map((h) => h.honest.acceptanceWilson.lower),
              upper: report.honesty.map((h) => h.honest.acceptanceWilson.upper),
            },
            {
              name: 'Dishonest arguer',
              color: DISHONEST_COLOUR,
              values: report.honesty.map((h) => h.dishonest.acceptance),
              lower: report.honesty.map((h) => h.dishonest.acceptanceWilson.lower),
              upper: report.honesty.map((h) => h.dishonest.acceptanceWilson.upper),
            },
          ],
          yLabel: "Judge adopted arguer's answer",
          valueFormat: (v) => `${pct(v)}%`,
        }),
        `Share of judgments in which the judge ended on the answer the ${report.honesty
          .map((h) => noun(h.protocol))
          .filter((v, i, a) => a.indexOf(v) === i)
          .join(
            '/',
          )} argued for; whiskers are ${lv}% Wilson intervals. A good protocol keeps the blue bar high and the orange bar low.`,
      ),
    );
  }
  charts.push(
    figure(
      lineChart({
        title: 'Reliability diagram',
        series: arms.map((a, i) => ({
          name: a.label,
          color: colour(i),
          points: a.calibration.bins
            .filter(
              (b) =>
                b.count > 0 && b.meanPredicted !== null && b.observedFrequency !== null && b.lower >= 0.5,
            )
            .map((b) => ({
              x: b.meanPredicted!,
              y: b.observedFrequency!,
              size: b.count,
              tooltip: `${a.label}: stated ${pct(b.meanPredicted)}%, right ${pct(b.observedFrequency)}% (${b.count} forecasts)`,
            })),
        })),
        xLabel: 'Probability on the chosen answer (bin mean)',
        yLabel: 'Share of judgments correct',
        xDomain: [0.5, 1],
        yDomain: [0, 1],
        xFormat: (v) => `${Math.round(v * 100)}%`,
        yFormat: (v) => `${Math.round(v * 100)}%`,
        diagonal: true,
      }),
      `Confidence in the chosen answer against accuracy (the upper half of the symmetric two-answer diagram; ${report.options.calibrationBins} equal-width bins over 0–100%). Marker area ∝ judgments in the bin; points below the diagonal mean overconfidence.`,
    ),
  );
  const beliefLow = Math.min(
    0.3,
    ...arms.flatMap((a) => a.beliefByTurn.filter((p) => p.n >= Math.max(5, a.n * 0.02)).map((p) => p.lower)),
  );
  const beliefMin = Math.max(0, Math.floor(beliefLow * 10) / 10);
  const maxTurn = Math.max(
    1,
    ...arms.map((a) => a.beliefByTurn.filter((p) => p.n >= Math.max(5, a.n * 0.02)).length),
  );
  charts.push(
    figure(
      lineChart({
        title: 'Judge belief over rounds',
        series: arms.map((a, i) => ({
          name: a.label,
          color: colour(i),
          points: a.beliefByTurn
            .filter((p) => p.turn <= maxTurn && p.n >= Math.max(5, a.n * 0.02))
            .map((p) => ({
              x: p.turn,
              y: p.mean,
              lower: p.lower,
              upper: p.upper,
              tooltip: `${a.label}, turn ${p.turn}: ${pct(p.mean)}% (n = ${p.n})`,
            })),
        })),
        xLabel: 'Judge turn',
        yLabel: 'Mean probability on the correct answer',
        xDomain: [1, Math.max(2, maxTurn)],
        yDomain: [beliefMin, 1],
        xTicks: Array.from({ length: Math.max(2, maxTurn) }, (_, k) => k + 1),
        yFormat: (v) => `${Math.round(v * 100)}%`,
        referenceLine: { value: 0.5, label: 'undecided' },
      }),
      `Mean probability the judge put on the correct answer after each of their turns, with ${lv}% intervals; later turns include only judgments that lasted that long (turns shown while n ≥ max(5, 2% of the arm)).`,
    ),
  );
  if (report.ratings.length > 0) {
    const maxRows = options.maxRatingRows ?? 30;
    const byArguer = new Map<
      string,
      {
        honest?: (typeof report.ratings)[number];
        dishonest?: (typeof report.ratings)[number];
        baseline?: (typeof report.ratings)[number];
      }
    >();
    for (const r of report.ratings) {
      const e = byArguer.get(r.arguerId) ?? {};
      e[r.role] = r;
      byArguer.set(r.arguerId, e);
    }
    const entries = [...byArguer.entries()].sort(
      (a, b) =>
        (b[1].honest?.elo ?? b[1].baseline?.elo ?? b[1].dishonest?.elo ?? 0) -
        (a[1].honest?.elo ?? a[1].baseline?.elo ?? a[1].dishonest?.elo ?? 0),
    );
    const shown = entries.slice(0, maxRows);
    const rows = shown.map(([id, e]) => ({
      label: e.baseline ? `${id} (baseline)` : id,
      points: (['honest', 'dishonest', 'baseline'] as const)
        .filter((role) => e[role])
        .map((role) => {
          const r = e[role]!;
          const se = r.eloStandardError;
          return {
            name: role,
            color:
              role === 'honest' ? HONEST_COLOUR : role === 'dishonest' ? DISHONEST_COLOUR : NEUTRAL_COLOUR,
            value: r.elo,
            ...(se !== null ? { lower: r.elo - se, upper: r.elo + se } : {}),
          };
        }),
    }));
    charts.push(
      figure(
        dotPlot({
          title: 'Arguer ratings (Bradley-Terry)',
          rows,
          xLabel: 'Elo-scale rating (mean player = 1500), ±1 SE',
          legend: [
            { name: 'arguing the correct answer', color: HONEST_COLOUR },
            { name: 'arguing a wrong answer', color: DISHONEST_COLOUR },
            { name: 'baseline', color: NEUTRAL_COLOUR },
          ],
          referenceLine: { value: 1500, label: 'average' },
        }),
        `Each arguer is rated separately when honest and when dishonest; debate judgments are honest-vs-dishonest matches, consultancy judgments are matches against a per-protocol baseline.${entries.length > maxRows ? ` Top ${maxRows} of ${entries.length} arguers by honest rating.` : ''}`,
      ),
    );
  }
  parts.push('<h2>Charts</h2>');
  parts.push(`<div class="grid">${charts.join('')}</div>`);

  // tables
  parts.push('<h2>Win rate by arm</h2>');
  parts.push(table(armHeaders('Arm', lv, kinds), armRows(report.arms, kinds), [0, 1]));
  parts.push(
    '<p class="small">p-values per arm are one-sided (win rate above 50%). GLMM: logit win rate of a typical judge from a judge random-intercept model.</p>',
  );
  if (report.byInduction.length > 0) {
    parts.push('<h2>By induction of misalignment</h2>');
    parts.push(table(armHeaders('Group', lv, kinds), armRows(report.byInduction, kinds), [0, 1]));
  }
  if (report.honesty.length > 0) {
    parts.push('<h2>Honest vs dishonest arguer</h2>');
    parts.push(
      table(
        [
          'Arm',
          'Accuracy honest %',
          'Accuracy dishonest %',
          'Accept honest %',
          'n',
          'Accept dishonest %',
          'n',
          'Gap (pts)',
          `Newcombe ${lv}%`,
          'z',
          'p',
          `Judge-bootstrap ${lv}%`,
          'Judge-robust p',
        ],
        report.honesty.map((h) => [
          h.arm,
          pct(h.honest.accuracy),
          pct(h.dishonest.accuracy),
          pct(h.honest.acceptance),
          String(h.honest.n),
          pct(h.dishonest.acceptance),
          String(h.dishonest.n),
          pct(h.gap.estimate),
          pctInterval(h.gap.newcombe),
          fixed(h.gap.z),
          formatP(h.gap.pValue),
          h.gap.bootstrap ? pctInterval(h.gap.bootstrap.interval) : '–',
          formatP(h.gap.clusterRobustPValue),
        ]),
      ),
    );
  }
  if (report.comparisons.length > 0) {
    parts.push('<h2>Comparisons between arms</h2>');
    parts.push(
      table(
        [
          'First − second',
          'Rates %',
          'Diff (pts)',
          `Newcombe ${lv}%`,
          'z',
          'p',
          'p (Yates)',
          'Fisher p',
          ...kinds.map((k) => `${k}-bootstrap ${lv}%`),
          'Judge-robust p',
          'GLMM p',
          'Holm p (z)',
          'Holm p (GLMM)',
        ],
        report.comparisons.map((c) => [
          `${c.arm1} − ${c.arm2}`,
          `${pct(c.rate1)} vs ${pct(c.rate2)}`,
          pct(c.difference),
          pctInterval(c.newcombe),
          fixed(c.propTest.z),
          formatP(c.propTest.pValue),
          formatP(c.propTestCorrected.pValue),
          formatP(c.fisher.pValue),
          ...kinds.map((k) => boot(c.bootstrap, k)),
          formatP(c.clusterRobust.pValue),
          formatP(c.glmm?.pValue ?? null),
          formatP(c.holm.propTest),
          formatP(c.holm.glmm),
        ]),
      ),
    );
    parts.push(
      '<p class="small">z-test: R prop.test(correct = FALSE); Yates: with continuity correction; Holm adjusts across all arm comparisons.</p>',
    );
  }
  parts.push('<h2>Calibration, reward and rounds</h2>');
  parts.push(
    table(
      ['Arm', 'Brier', `ECE (${report.options.calibrationBins} bins)`, 'Mean judge reward', 'Mean continues'],
      report.arms.map((s) => [
        s.label,
        fixed(s.calibration.brier, 3),
        fixed(s.calibration.ece, 3),
        fixed(s.meanReward, 3),
        fixed(s.meanRounds, 2),
      ]),
    ),
  );
  if (report.glmm) {
    parts.push(
      `<p class="small">Judge GLMM <code>${escapeXml(report.glmm.formula)}</code>: judge SD ${fixed(report.glmm.randomInterceptSd, 3)} on the logit scale, ${report.glmm.clusters} judges, ${report.glmm.quadraturePoints}-point adaptive Gauss-Hermite quadrature${report.glmm.singular ? ' (singular fit)' : ''}${report.glmm.converged ? '' : ' — did not converge'}.</p>`,
    );
  }
  if (report.ratings.length > 0) {
    parts.push('<h2>Arguer ratings</h2>');
    parts.push(
      table(
        ['Arguer', 'Role', 'Elo', '± SE', 'Games', 'Wins'],
        report.ratings
          .slice(0, 60)
          .map((r) => [
            r.arguerId,
            r.role,
            fixed(r.elo, 0),
            fixed(r.eloStandardError, 0),
            String(r.games),
            String(r.wins),
          ]),
        [0, 1],
      ),
    );
    if (report.ratings.length > 60)
      parts.push(`<p class="small">Top 60 of ${report.ratings.length} ratings; the JSON report has all.</p>`);
  }
  parts.push(`<p class="small">Generated by ${escapeXml(report.generator)}.</p>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${parts.join('\n')}
</main>
</body>
</html>
`;
}
