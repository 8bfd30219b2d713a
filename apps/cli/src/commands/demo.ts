import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatReportText } from '@oversight/stats';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { EXIT } from '../exit-codes.ts';
import { analyzeStored } from './analyze.ts';
import { describeCounts, interruptedMessage, prepareRun, runPrepared } from './run.ts';

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
    const resumeCommand = `oversight demo${dataDir ? ` --data-dir ${dataDir}` : ''}`;
    const prepared = await prepareRun(DEMO_CONFIG);
    const code = await withDatabase(
      dataDir,
      async (db) => {
        const result = await runPrepared(db, prepared, { resumeCommand });
        if (result.interrupted) {
          console.error(interruptedMessage(result, resumeCommand));
          return EXIT.interrupted;
        }
        console.log(`${result.experimentId}: ${describeCounts(result.counts)}\n`);
        const report = await analyzeStored(db, [result.experimentId], prepared.plan.config.seed);
        console.log(formatReportText(report));
        return EXIT.ok;
      },
      { create: true },
    );
    if (code !== EXIT.ok) return code;
    console.log(
      `\nNext: oversight analyze ${prepared.plan.experimentId}  (HTML report), oversight export ${prepared.plan.experimentId} --format csv`,
    );
    return 0;
  },
};
