import type { ReportTable } from './report-tables.ts';

/**
 * The design audit as a report shows it (computed from the database by @oversight/runner's
 * auditDesign; its shape is repeated here so the statistics stay free of the database): one row per
 * check of the run itself, passed, failed with the trials concerned, or not checked with the reason.
 */
export interface DesignAuditBlock {
  experiments: string[];
  checks: Array<{
    id: string;
    title: string;
    status: 'passed' | 'failed' | 'not checked';
    detail: string;
    trials: string[];
  }>;
}

export function designAuditTable(audit: DesignAuditBlock): ReportTable {
  const failed = audit.checks.filter((c) => c.status === 'failed').length;
  return {
    id: 'design-audit',
    title: 'Design audit: checks of the run itself',
    headers: ['Check', 'Result', 'What was found', 'Trials concerned'],
    rows: audit.checks.map((c) => [
      c.title,
      c.status,
      c.detail,
      c.trials.length
        ? `${c.trials.slice(0, 5).join(', ')}${c.trials.length > 5 ? ` and ${c.trials.length - 5} more (in report.json)` : ''}`
        : '',
    ]),
    textColumns: [0, 1, 2, 3],
    note:
      failed > 0
        ? `${failed} check(s) failed: read the results with that in mind.`
        : 'Each check reads the stored plan, seats, chat threads and move times, not the code that made them.',
  };
}

/** The audit as plain text, for the terminal. */
export function designAuditText(audit: DesignAuditBlock): string {
  const width = Math.max(...audit.checks.map((c) => c.title.length));
  return [
    'Design audit (checks of the run itself):',
    ...audit.checks.map(
      (c) => `  ${c.title.padEnd(width)}  ${c.status.toUpperCase().padEnd(11)}  ${c.detail}`,
    ),
  ].join('\n');
}
