import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { importNyuDataset, loadQuestionFile } from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { resolveUserPath } from '../config-file.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';

export const importCommand: Command = {
  name: 'import',
  usage: 'import <questions.jsonl|questions.csv|nyu-debate-dir> [--dataset NAME]',
  summary: 'import questions in the generic format, or the NYU 2023 debates as experiment "nyu-2023"',
  options: { ...DATA_DIR_OPTION, dataset: { type: 'string' }, experiment: { type: 'string' } },
  async run(input) {
    const [target] = input.positionals;
    if (!target) throw new UsageError('import needs a file or folder');
    const file = resolveUserPath(target);
    if (!existsSync(file)) throw new UsageError(`${file} does not exist`);
    if (statSync(file).isDirectory()) {
      if (!existsSync(path.join(file, 'debates-metadata.jsonl'))) {
        throw new UsageError(
          `${file} is a folder without debates-metadata.jsonl; give a questions file or the NYU 2023 dataset folder`,
        );
      }
      const experimentId = stringOption(input, 'experiment') ?? 'nyu-2023';
      return withDatabase(stringOption(input, 'data-dir'), async (db) => {
        const result = await importNyuDataset(db, file, { experimentId });
        console.log(
          `imported the NYU 2023 debates as experiment "${experimentId}": ${JSON.stringify(result)}`,
        );
        console.log(`analyse them with  pnpm oversight analyze ${experimentId}`);
        return 0;
      });
    }
    // Parse everything first: one bad line means nothing is written.
    const questions = await loadQuestionFile(file);
    const dataset = stringOption(input, 'dataset') ?? path.basename(file).replace(/\.(jsonl|csv)$/, '');
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      await db.questions.upsertMany(dataset, questions);
      console.log(`imported ${questions.length} questions into dataset "${dataset}" (${db.location})`);
      return 0;
    });
  },
};
