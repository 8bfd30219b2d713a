import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '@oversight/core';
import type { Database } from '@oversight/db';
import { importNyuDataset, loadQuestionFile } from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { resolveUserPath } from '../config-file.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import { type Progress, startProgress } from '../progress.ts';
import { count } from '../words.ts';

/**
 * The database as the NYU importer sees it, counting as it goes: it creates each experiment's
 * trials in one call (which tells the total so far) and then appends each trial's events.
 */
function counting(db: Database, progress: Progress): Database {
  let total = 0;
  return {
    ...db,
    trials: {
      ...db.trials,
      createMany: (rows) => {
        total += rows.length;
        progress.setTotal(total);
        return db.trials.createMany(rows);
      },
    },
    events: {
      ...db.events,
      append: async (input) => {
        const result = await db.events.append(input);
        progress.tick();
        return result;
      },
    },
  };
}

async function importNyu(folder: string, experimentId: string, dataDir: string | undefined): Promise<number> {
  return withDatabase(
    dataDir,
    async (db) => {
      const progress = startProgress('importing the NYU 2023 debates', 0);
      let result: Awaited<ReturnType<typeof importNyuDataset>>;
      try {
        result = await importNyuDataset(counting(db, progress), folder, { experimentId });
      } finally {
        progress.stop();
      }
      const describe = (r: Omit<typeof result, 'offline'>) =>
        `experiment "${r.experimentId}": ${r.trials} new trials (${r.completed} with their transcripts written now; ` +
        `by arm: ${Object.entries(r.byArm)
          .map(([arm, n]) => `${arm} ${n}`)
          .join(', ')})`;
      console.log(
        `imported the NYU 2023 debates as ${describe(result)}, ${result.questions} questions, ` +
          `${result.participants} new participants`,
      );
      if (result.offline) console.log(`and their offline judgments as ${describe(result.offline)}`);
      console.log(`analyse them with  oversight analyze ${experimentId}`);
      return 0;
    },
    { create: true },
  );
}

export const importCommand: Command = {
  name: 'import',
  usage: 'import <questions.jsonl|questions.csv|nyu-debate-dir> [--dataset NAME] [--experiment ID]',
  summary: 'import questions in the generic format, or the NYU 2023 debates as experiment "nyu-2023"',
  options: {
    ...DATA_DIR_OPTION,
    dataset: {
      type: 'string',
      valueName: 'NAME',
      description: 'questions file: the dataset name to store the questions under',
      defaultText: 'the file name without its extension',
    },
    experiment: {
      type: 'string',
      valueName: 'ID',
      description: 'NYU folder: the experiment id to import the debates as',
      default: 'nyu-2023',
    },
  },
  async run(input) {
    const [target, extra] = input.positionals;
    if (!target) throw new UsageError('import needs a questions file or the NYU 2023 dataset folder');
    if (extra) throw new UsageError(`import takes one file or folder at a time, not also "${extra}"`);
    const file = resolveUserPath(target);
    if (!existsSync(file))
      throw new UsageError(
        `${file} does not exist; check the path (relative paths start where you typed the command)`,
      );
    const dataDir = stringOption(input, 'data-dir');
    if (statSync(file).isDirectory()) {
      if (!existsSync(path.join(file, 'debates-metadata.jsonl'))) {
        throw new UsageError(
          `${file} is a folder without debates-metadata.jsonl; give a questions file or the NYU 2023 dataset folder`,
        );
      }
      return importNyu(file, stringOption(input, 'experiment') ?? 'nyu-2023', dataDir);
    }
    // Parse everything first: one bad line means nothing is written.
    const questions = await loadQuestionFile(file);
    if (questions.length === 0)
      throw new InputError(
        `${file}: holds no questions, so nothing was imported; each line of a .jsonl file is one question ` +
          '(a .csv file needs its header and at least one row; see experiments/datasets/README.md)',
        file,
      );
    const dataset =
      stringOption(input, 'dataset') ?? path.basename(file).replace(/\.(jsonl|csv)(\.gz)?$/, '');
    return withDatabase(
      dataDir,
      async (db) => {
        // One call: the database checks the whole file against what is stored before writing any of it.
        console.error(`storing ${questions.length} questions as dataset "${dataset}"…`);
        await db.questions.upsertMany(dataset, questions, file);
        console.log(
          `imported ${count(questions.length, 'question')} into dataset "${dataset}" (${db.location})`,
        );
        console.log(`use them in an experiment config as  "dataset": { "name": "${dataset}" }`);
        return 0;
      },
      { create: true },
    );
  },
};
