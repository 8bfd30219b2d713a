/**
 * The TypeScript half of the benchmark, run in its own process so that its peak RSS covers only
 * parsing and analysis: parse the CSV, analyse, print timings and a RESULT line.
 *   tsx bench/analyze-csv.ts JUDGMENTS.csv [RESAMPLES]
 */
import { readFileSync } from 'node:fs';
import { analyzeExperiment, fitArmGlmm, formatReportText, parseJudgmentsCsvTable } from '../src/index.ts';

const [csvPath, resamplesArg] = process.argv.slice(2);
if (!csvPath) throw new Error('usage: analyze-csv.ts JUDGMENTS.csv [RESAMPLES]');
const resamples = Number(resamplesArg ?? 2000);
// CPU seconds (user + system, every thread of the process) beside wall-clock time: on a machine
// shared with other work the wall clock measures the load as much as the program.
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
let t = performance.now();
let c = cpu();
// straight into columns (typed arrays and codes), as NumPy's side reads into arrays
const table = parseJudgmentsCsvTable(readFileSync(csvPath, 'utf8'), csvPath);
const parseMs = performance.now() - t;
const parseCpu = cpu() - c;
t = performance.now();
c = cpu();
const report = analyzeExperiment(table, {
  bootstrapResamples: resamples,
  bootstrapClusters: ['judge', 'question'],
  seed: 7,
});
const analysisMs = performance.now() - t;
const analysisCpu = cpu() - c;
const judgeModel = report.models.find((m) => m.id === 'judge-all-arms');
// The judge GLMM alone, on the same per-(judge, arm) cells R's glmer gets, for a like-for-like ratio.
t = performance.now();
c = cpu();
type Cell = { cluster: string; arm: string; successes: number; trials: number };
const slot = new Int32Array(table.judgeNames.length * table.armNames.length).fill(-1);
const cells: Cell[] = [];
for (let i = 0; i < table.n; i++) {
  const key = table.judge[i]! * table.armNames.length + table.arm[i]!;
  let k = slot[key]!;
  if (k === -1) {
    k = cells.length;
    slot[key] = k;
    cells.push({
      cluster: table.judgeNames[table.judge[i]!]!,
      arm: table.armNames[table.arm[i]!]!,
      successes: 0,
      trials: 0,
    });
  }
  const c = cells[k]!;
  c.trials++;
  c.successes += table.correct[i]!;
}
const aggregateMs = performance.now() - t;
const aggregateCpu = cpu() - c;
t = performance.now();
c = cpu();
const fit = fitArmGlmm(cells, report.options.armOrder, { quadraturePoints: 25 });
const glmmMs = performance.now() - t;
const glmmCpu = cpu() - c;
const json = JSON.stringify(report);
const maxRssMb = process.resourceUsage().maxRSS / 1024;
console.log(formatReportText(report, { maxRatings: 8 }).split('\nVERDICTS')[0]);
console.log('');
console.log(`TypeScript (Node ${process.version}):`);
console.log(
  `  parse CSV      ${(parseMs / 1000).toFixed(2)} s   (CPU ${parseCpu.toFixed(2)} s; ${table.n.toLocaleString('en-US')} rows, into columns)`,
);
console.log(
  `  analysis       ${(analysisMs / 1000).toFixed(2)} s   (CPU ${analysisCpu.toFixed(2)} s; ${report.arms.length} arms, ${report.byInduction.length} induction groups, ${report.comparisons.length} comparisons; ${resamples}-resample judge- and question-clustered bootstraps; judge GLMM on ${judgeModel?.randomEffects[0]?.levels} judges (${judgeModel?.method}); Bradley-Terry on ${report.ratings.length} players)`,
);
console.log(
  `  judge GLMM     ${(glmmMs / 1000).toFixed(2)} s   (${cells.length.toLocaleString('en-US')} judge × arm cells, aggregated in ${(aggregateMs / 1000).toFixed(2)} s; judge SD ${fit.randomInterceptSd.toFixed(3)})`,
);
console.log(`  report JSON    ${(json.length / 1024).toFixed(0)} KB`);
console.log(
  `  memory         peak RSS ${maxRssMb.toFixed(0)} MB, heap used at end ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(0)} MB`,
);
console.log(
  `  check (TS)     ${report.arms.map((a) => `${a.arm}:${a.wins}/${a.n}`).join(' ')}; judge SD ${judgeModel?.randomEffects[0]?.sd.toFixed(3)}`,
);
console.log(
  `RESULT ${JSON.stringify({ parse: parseMs / 1000, analysis: analysisMs / 1000, parse_cpu: parseCpu, analysis_cpu: analysisCpu, aggregate: aggregateMs / 1000, glmm: glmmMs / 1000, aggregate_cpu: aggregateCpu, glmm_cpu: glmmCpu, sd: fit.randomInterceptSd, maxrss_mb: maxRssMb })}`,
);
