import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatReportText } from '@oversight/stats';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { analyzeStored } from './analyze.ts';
import { describeCounts, runExperimentFromConfig } from './run.ts';

const DEMO_CONFIG = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../experiments/demo/config.json',
);

export const demoCommand: Command = {
  name: 'demo',
  usage: 'demo',
  summary:
    'run the demo experiment (simulated judges and arguers, debate vs consultancy) and print win rates',
  options: { ...DATA_DIR_OPTION },
  async run(input) {
    const dataDir = stringOption(input, 'data-dir');
    console.error(
      'Demo: simulated arguers and simulated judges (labelled as simulation) on the bundled NYU 2023 / QuALITY questions.',
    );
    const result = await runExperimentFromConfig(DEMO_CONFIG, dataDir);
    console.log(`${result.experimentId}: ${describeCounts(result.counts)}\n`);
    await withDatabase(dataDir, async (db) => {
      const experiment = await db.experiments.get(result.experimentId);
      const report = await analyzeStored(db, [result.experimentId], experiment?.seed ?? 'demo');
      console.log(formatReportText(report));
    });
    console.log(
      `\nNext: pnpm oversight analyze ${result.experimentId}  (HTML report), pnpm oversight export ${result.experimentId} --format csv`,
    );
    return 0;
  },
};
