/**
 * Write a sample report (HTML, JSON, text) from simulated data or the NYU fixture.
 *   pnpm --filter @oversight/stats exec tsx scripts/sample-report.ts [--nyu] [--out DIR]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  analyzeExperiment,
  createRng,
  DEMO_ARMS,
  formatReportText,
  type JudgmentRow,
  renderReportHtml,
  simulateExperiment,
} from '../src/index.ts';

const args = process.argv.slice(2);
const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1]! : '/tmp/oversight-report';
mkdirSync(outDir, { recursive: true });
let rows: JudgmentRow[];
let title: string;
if (args.includes('--nyu')) {
  rows = JSON.parse(
    readFileSync(new URL('../fixtures/nyu-human-judgments.json', import.meta.url), 'utf8'),
  ) as JudgmentRow[];
  title = 'NYU 2023 human debate vs consultancy (Michael et al., CC-BY 4.0)';
} else {
  rows = simulateExperiment(
    { arms: DEMO_ARMS, judgments: 1200, judges: 40, questions: 160, arguers: 8 },
    createRng(2024),
  );
  title = 'Simulated oversight experiment (demo)';
}
const report = analyzeExperiment(rows);
writeFileSync(join(outDir, 'report.html'), renderReportHtml(report, { title }));
writeFileSync(join(outDir, 'report.json'), JSON.stringify(report, null, 1));
writeFileSync(join(outDir, 'report.txt'), formatReportText(report));
console.log(formatReportText(report));
console.log(`\nwrote ${outDir}/report.{html,json,txt}`);
