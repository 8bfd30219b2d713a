/**
 * One self-contained HTML page for an AnalysisReport: inline CSS, inline SVG charts, no scripts,
 * no fonts or images fetched from anywhere.
 */
import type { AnalysisReport, ArmSummary } from './analysis.ts';
import { type DesignAuditBlock, designAuditTable } from './design-audit-report.ts';
import { pct } from './format.ts';
import type { ReportTable } from './report-tables.ts';
import { reportTables } from './report-tables.ts';
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
import { verdictGroups } from './verdicts.ts';

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

function table(headers: string[], rows: string[][], textColumns: readonly number[] = [0]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${textColumns.includes(i) && i > 0 ? ' class="text"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<div class="scroll"><table><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${escapeXml(caption)}</figcaption></figure>`;
}

/** Render the report as one self-contained HTML document. */
export function renderReportHtml(
  report: AnalysisReport,
  options: {
    title?: string;
    maxRatingRows?: number;
    designAudit?: DesignAuditBlock;
    /** Tables computed beside the report (accuracy by the judge's questions, say), before the audit. */
    extraTables?: readonly ReportTable[];
  } = {},
): string {
  const title = options.title ?? 'Oversight experiment report';
  const lv = Math.round(report.options.level * 100);
  const colour = (i: number) => PALETTE[i % PALETTE.length]!;
  const arms = report.arms.filter((a) => a.n > 0);
  const t = report.totals;
  const parts: string[] = [];
  parts.push(`<h1>${escapeXml(title)}</h1>`);
  parts.push(
    `<p class="meta">${t.judgments.toLocaleString('en-US')} judgments · ${t.arms} arms · ${t.judges.toLocaleString('en-US')} judges · ${t.questions.toLocaleString('en-US')} questions · ${t.stories.toLocaleString('en-US')} stories. Intervals are ${lv}%; cluster bootstrap with at least ${report.options.bootstrapResamples.toLocaleString('en-US')} resamples, more until each interval end's Monte Carlo error is at most ${(report.options.bootstrapMcse * 100).toFixed(2)} points (seed ${report.options.seed}).</p>`,
  );
  parts.push(
    `<p class="${report.participants.anySimulated ? 'notes' : 'meta'}">${escapeXml(report.participants.headline)}</p>`,
  );
  parts.push('<h2>Verdicts</h2>');
  const groups = verdictGroups(report);
  const verdictBlock = (heading: string, items: string[]) =>
    items.length === 0
      ? ''
      : `<h3>${escapeXml(heading)}</h3><ul>${items.map((v) => `<li>${escapeXml(v)}</li>`).join('')}</ul>`;
  parts.push(
    `<div class="verdicts">${verdictBlock('Does the correct answer win?', groups.arms)}${verdictBlock('By induction of misalignment', groups.induction)}${verdictBlock('Honest vs dishonest arguers', groups.honesty)}${verdictBlock('Sandwiching: does assistance help more than it misleads?', groups.sandwiching)}${verdictBlock('Which protocol is better?', groups.comparisons)}${verdictBlock('Watched as it runs (anytime-valid)', groups.anytime)}${verdictBlock('The same transcripts judged more than once', groups.agreement)}</div>`,
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
  const withPaths = arms.filter((a) => a.anytime && a.anytime.path.length > 1);
  if (withPaths.length > 0) {
    const alpha = withPaths[0]!.anytime!.alpha;
    const maxN = Math.max(...withPaths.map((a) => a.n));
    charts.push(
      figure(
        lineChart({
          title: 'Anytime-valid confidence sequences over the judgments',
          series: withPaths.map((a) => ({
            name: a.label,
            color: colour(arms.indexOf(a)),
            points: a.anytime!.path.map((p) => ({
              x: p.n,
              y: p.rate,
              lower: p.lower,
              upper: p.upper,
              tooltip: `${a.label} after ${p.n}: ${pct(p.rate)}% (sequence ${pct(p.lower)}–${pct(p.upper)}%)`,
            })),
          })),
          xLabel: 'Judgments in the arm',
          yLabel: 'Win rate of the correct answer',
          xDomain: [0, Math.max(1, maxN)],
          yDomain: [0, 1],
          yFormat: (v) => `${Math.round(v * 100)}%`,
          referenceLine: { value: 0.5, label: 'chance' },
          // a point per few judgments: markers would hide the line
          markers: false,
        }),
        `Each arm's win rate so far (line) and its ${Math.round((1 - alpha) * 100)}% confidence sequence (band), after each number of judgments in the order they were read. The bands hold at every point at once, so a study may be watched and stopped the first time a band leaves 50% without inflating the error rate above α = ${alpha} (checking a fixed-n interval that way would). Counts deflated by the judge design effect; nothing is declared before 10 judges.`,
      ),
    );
  }
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
            .filter((b) => b.count > 0 && b.meanPredicted !== null && b.observedFrequency !== null)
            .map((b) => ({
              x: b.meanPredicted!,
              y: b.observedFrequency!,
              size: b.count,
              tooltip: `${a.label}: stated ${pct(b.meanPredicted)}%, right ${pct(b.observedFrequency)}% (${b.count} forecasts)`,
            })),
        })),
        xLabel: 'Confidence in the favoured answer (bin mean)',
        yLabel: 'Share of judgments correct',
        xDomain: [0.5, 1],
        yDomain: [0, 1],
        xFormat: (v) => `${Math.round(v * 100)}%`,
        yFormat: (v) => `${Math.round(v * 100)}%`,
        diagonal: true,
      }),
      `Confidence max(p, 1 − p) against accuracy, ${report.options.calibrationBins} equal-width confidence bins over 0–100% (a judgment at exactly 50% counts as half right). Marker area ∝ judgments in the bin; points below the diagonal mean overconfidence.`,
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
  const minN = (a: ArmSummary) => Math.max(5, a.n * 0.02);
  const continuesMax = Math.max(
    1,
    ...arms.flatMap((a) => a.byContinues.filter((p) => p.n >= minN(a)).map((p) => p.continues)),
  );
  if (arms.some((a) => a.byContinues.some((p) => p.n >= minN(a)))) {
    charts.push(
      figure(
        lineChart({
          title: 'Accuracy by rounds continued before the verdict',
          series: arms.map((a, i) => ({
            name: a.label,
            color: colour(i),
            points: a.byContinues
              .filter((p) => p.n >= minN(a))
              .map((p) => ({
                x: p.continues,
                y: p.accuracy,
                lower: p.wilson.lower ?? p.accuracy,
                upper: p.wilson.upper ?? p.accuracy,
                size: p.n,
                tooltip: `${a.label}, ${p.continues} continues: ${pct(p.accuracy)}% correct (n = ${p.n}), mean reward ${p.meanReward.toFixed(2)}`,
              })),
          })),
          xLabel: 'Rounds the judge chose to continue',
          yLabel: 'Share of judgments correct',
          xDomain: [0, Math.max(1, continuesMax)],
          yDomain: [0, 1],
          xTicks: Array.from({ length: continuesMax + 1 }, (_, k) => k),
          yFormat: (v) => `${Math.round(v * 100)}%`,
          referenceLine: { value: 0.5, label: 'chance' },
          markers: true,
        }),
        `Accuracy of judgments grouped by how many rounds the judge continued before deciding, with ${lv}% Wilson bands (groups with n ≥ max(5, 2% of the arm)); the tables give the mean judge reward per group. Longer debates are not a random sample: judges continue when unsure.`,
      ),
    );
  }
  const infoTurns = Math.max(
    1,
    ...arms.map((a) => a.information.perTurn.filter((p) => p.n >= minN(a)).length),
  );
  const infoPoints = arms.flatMap((a) => a.information.perTurn.filter((p) => p.n >= minN(a)));
  if (infoPoints.length > 0) {
    const lo = Math.min(0, ...infoPoints.map((p) => p.lower));
    const hi = Math.max(0.5, ...infoPoints.map((p) => p.upper));
    charts.push(
      figure(
        lineChart({
          title: 'Information gained per judge turn',
          series: arms.map((a, i) => ({
            name: a.label,
            color: colour(i),
            points: a.information.perTurn
              .filter((p) => p.n >= minN(a))
              .map((p) => ({
                x: p.turn,
                y: p.meanBits,
                lower: p.lower,
                upper: p.upper,
                tooltip: `${a.label}, turn ${p.turn}: ${p.meanBits.toFixed(3)} bits (n = ${p.n})`,
              })),
          })),
          xLabel: 'Judge turn',
          yLabel: 'Mean bits gained about the correct answer',
          xDomain: [1, Math.max(2, infoTurns)],
          yDomain: [Math.floor(lo * 4) / 4, Math.ceil(hi * 4) / 4],
          xTicks: Array.from({ length: Math.max(2, infoTurns) }, (_, k) => k + 1),
          yFormat: (v) => v.toFixed(2),
          referenceLine: { value: 0, label: 'no information' },
        }),
        `Mean of log2 p_t(correct) − log2 p_(t−1)(correct) per judge turn, from 50/50 before the first turn (probabilities floored at 1%), with ${lv}% intervals. Positive: the judge moved towards the truth.`,
      ),
    );
  }
  if (report.sandwiching.length > 0) {
    charts.push(
      figure(
        barChart({
          title: 'Sandwiching: help from an honest assistant vs harm from a misleading one',
          categories: report.sandwiching.map((m) => `${m.arm} (vs ${m.baselineArm ?? 'chance'})`),
          series: [
            {
              name: 'Rise in accuracy, honest assistant',
              color: HONEST_COLOUR,
              values: report.sandwiching.map((m) => m.riseHonest),
              lower: report.sandwiching.map((m) => m.riseHonestInterval.lower),
              upper: report.sandwiching.map((m) => m.riseHonestInterval.upper),
            },
            {
              name: 'Rise in wrong answers, misleading assistant',
              color: DISHONEST_COLOUR,
              values: report.sandwiching.map((m) => m.riseWrong),
              lower: report.sandwiching.map((m) => m.riseWrongInterval.lower),
              upper: report.sandwiching.map((m) => m.riseWrongInterval.upper),
            },
            {
              name: 'Measure (help − harm)',
              color: NEUTRAL_COLOUR,
              values: report.sandwiching.map((m) => m.measure),
              lower: report.sandwiching.map(
                (m) => m.measureBootstrap?.interval.lower ?? m.measureInterval.lower,
              ),
              upper: report.sandwiching.map(
                (m) => m.measureBootstrap?.interval.upper ?? m.measureInterval.upper,
              ),
            },
          ],
          yLabel: 'Change against people alone (points)',
          yDomain: [
            Math.min(
              0,
              ...report.sandwiching.flatMap((m) => [
                m.riseWrongInterval.lower ?? 0,
                m.measureInterval.lower ?? 0,
              ]),
            ) - 0.05,
            Math.max(
              0.2,
              ...report.sandwiching.flatMap((m) => [
                m.riseHonestInterval.upper ?? 0,
                m.measureInterval.upper ?? 0,
              ]),
            ) + 0.05,
          ],
          yFormat: (v) => `${Math.round(v * 100)}`,
          referenceLine: { value: 0, label: 'no change' },
          valueFormat: (v) => pct(v),
        }),
        `Blue: accuracy with an honest assistant minus accuracy alone; orange: wrong answers with a misleading assistant minus wrong answers alone; grey: their difference, the sandwiching measure (judge-clustered bootstrap interval). ${lv}% intervals. A good assistance strategy has a tall blue bar, a short orange one and a grey bar above zero.`,
      ),
    );
  }
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

  // tables: the same ones the text report prints (report-tables.ts), with every column
  for (const t of reportTables(
    report,
    options.maxRatingRows !== undefined ? { maxRatings: options.maxRatingRows } : {},
  )) {
    parts.push(`<h2>${escapeXml(t.title)}</h2>`);
    parts.push(table(t.headers, t.rows, t.textColumns));
    if (t.note) parts.push(`<p class="small">${escapeXml(t.note)}</p>`);
  }
  for (const t of options.extraTables ?? []) {
    parts.push(`<h2 id="${escapeXml(t.id)}">${escapeXml(t.title)}</h2>`);
    parts.push(table(t.headers, t.rows, t.textColumns));
    if (t.note) parts.push(`<p class="small">${escapeXml(t.note)}</p>`);
  }
  if (options.designAudit) {
    const t = designAuditTable(options.designAudit);
    parts.push(`<h2 id="design-audit">${escapeXml(t.title)}</h2>`);
    parts.push(table(t.headers, t.rows, t.textColumns));
    if (t.note) parts.push(`<p class="small">${escapeXml(t.note)}</p>`);
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
