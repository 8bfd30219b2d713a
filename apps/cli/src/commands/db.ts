import { createInterface } from 'node:readline/promises';
import type { Database } from '@oversight/db';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import { didYouMean, listSome } from '../suggest.ts';
import { count } from '../words.ts';

/** The experiment by id, or a UsageError that lists what exists and suggests the nearest. */
export async function experimentOrExplain(db: Database, id: string) {
  const experiment = await db.experiments.get(id);
  if (experiment) return experiment;
  const ids = (await db.experiments.list()).map((e) => e.id);
  throw new UsageError(
    `no experiment "${id}" in ${db.location}${didYouMean(id, ids)}; ${
      ids.length ? `the experiments are: ${listSome(ids)}` : 'it holds no experiments yet'
    } (oversight list)`,
  );
}

async function confirmed(question: string, answer: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === answer;
  } finally {
    rl.close();
  }
}

async function dropExperiment(dataDir: string | undefined, id: string, yes: boolean): Promise<number> {
  const what = await withDatabase(dataDir, async (db) => {
    await experimentOrExplain(db, id);
    const counts = await db.trials.countByStatus(id);
    const trials = Object.values(counts).reduce((a, b) => a + b, 0);
    const bonuses = (await db.payments.list(id)).length;
    // Bonuses are money sent: say so, since their record goes too.
    const paid = bonuses
      ? `, and the record of ${count(bonuses, 'bonus', 'bonuses')} paid (keep the bonus files: they are the only record left)`
      : '';
    return `experiment "${id}" in ${db.location}: ${count(trials, 'trial')} with their events, ${count(await db.judgments.count(id), 'judgment')}, its participants and model calls${paid}`;
  });
  if (!yes) {
    if (!process.stdin.isTTY)
      throw new UsageError(
        `this would delete ${what}; to confirm, run again with --yes (nothing was deleted)`,
      );
    // Asked with the database closed: a person deciding must not lock everyone else out.
    if (
      !(await confirmed(
        `This deletes ${what}. It cannot be undone.\nType the experiment id to confirm: `,
        id,
      ))
    ) {
      console.error('not confirmed; nothing was deleted');
      return 2;
    }
  }
  return withDatabase(dataDir, async (db) => {
    if (!(await db.experiments.delete(id))) await experimentOrExplain(db, id);
    console.log(`deleted ${what}`);
    return 0;
  });
}

export const dbCommand: Command = {
  name: 'db',
  usage: 'db migrate | db drop-experiment <id> [--yes]',
  summary: 'apply migrations (also done on every open), or delete an experiment and its data',
  options: {
    ...DATA_DIR_OPTION,
    yes: { type: 'boolean', description: 'drop-experiment: delete without asking for confirmation' },
  },
  async run(input) {
    const [action, id, extra] = input.positionals;
    const dataDir = stringOption(input, 'data-dir');
    if (action === 'migrate') {
      return withDatabase(
        dataDir,
        async (db) => {
          const rows = await db.prisma.$queryRawUnsafe<Array<{ migration_name: string }>>(
            'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
          );
          console.log(`${db.location}: migrations applied: ${rows.map((r) => r.migration_name).join(', ')}`);
          return 0;
        },
        { create: true },
      );
    }
    if (action === 'drop-experiment') {
      if (!id) throw new UsageError('db drop-experiment needs an experiment id (oversight list shows them)');
      if (extra)
        throw new UsageError(`db drop-experiment deletes one experiment at a time, not also "${extra}"`);
      return dropExperiment(dataDir, id, input.values.yes === true);
    }
    throw new UsageError(
      `${action ? `db has no action "${action}"${didYouMean(action, ['migrate', 'drop-experiment'])}` : 'db needs an action'}; usage: oversight ${dbCommand.usage}`,
    );
  },
};
