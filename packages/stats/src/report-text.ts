/** Plain-text rendering of an AnalysisReport: the shared tables (report-tables.ts) aligned, then the verdicts. */
import type { AnalysisReport } from './analysis.ts';
import type { ReportTable } from './report-tables.ts';
import { reportTables } from './report-tables.ts';

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

export function wrap(text: string, width: number, indent = ''): string {
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

/** The report as terminal text: a header saying who took part, the tables, then verdicts and notes. */
export function formatReportText(
  report: AnalysisReport,
  options: { width?: number; maxRatings?: number; maxJudges?: number } = {},
): string {
  const width = options.width ?? 100;
  const lv = Math.round(report.options.level * 100);
  const t = report.totals;
  const o = report.options;
  const out: string[] = [
    `Oversight experiment: ${t.judgments} judgments, ${t.arms} arms, ${t.judges} judges, ${t.questions} questions, ${t.stories} stories`,
    wrap(report.participants.headline, width),
    `Intervals are ${lv}%; cluster bootstrap: at least ${o.bootstrapResamples} resamples, more until each end's Monte Carlo error is ≤ ${(o.bootstrapMcse * 100).toFixed(2)} points (seed ${o.seed}).`,
  ];
  for (const table of reportTables(report, { compact: true, ...options })) {
    out.push('', table.title.toUpperCase());
    out.push(
      textTable(
        table.headers,
        table.rows,
        table.headers.map((_, i) => (i === 0 || table.textColumns.includes(i) ? 'left' : 'right')),
      ),
    );
    if (table.note) out.push(wrap(`(${table.note})`, width));
  }
  out.push('', 'VERDICTS');
  for (const v of report.verdicts) out.push(wrap(`• ${v}`, width, '  '));
  for (const n of report.notes) out.push(wrap(`Note: ${n}`, width, '  '));
  return out.join('\n');
}

/** A table a report adds beside its own (an interjection table, say), as the text report prints tables. */
export function formatTableText(table: ReportTable, width = 100): string {
  return [
    table.title.toUpperCase(),
    textTable(
      table.headers,
      table.rows,
      table.headers.map((_, i) => (i === 0 || table.textColumns.includes(i) ? 'left' : 'right')),
    ),
    ...(table.note ? [wrap(`(${table.note})`, width)] : []),
  ].join('\n');
}
