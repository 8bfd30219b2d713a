import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';

export const dbCommand: Command = {
  name: 'db',
  usage: 'db migrate | db drop-experiment <id>',
  summary: 'apply migrations (also done on every open), or delete an experiment and its data',
  options: { ...DATA_DIR_OPTION },
  async run(input) {
    const [action, id] = input.positionals;
    if (action === 'migrate') {
      return withDatabase(stringOption(input, 'data-dir'), async (db) => {
        const rows = await db.prisma.$queryRawUnsafe<Array<{ migration_name: string }>>(
          'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
        );
        console.log(`${db.location}: migrations applied: ${rows.map((r) => r.migration_name).join(', ')}`);
        return 0;
      });
    }
    if (action === 'drop-experiment') {
      if (!id) throw new UsageError('db drop-experiment needs an experiment id');
      return withDatabase(stringOption(input, 'data-dir'), async (db) => {
        await db.experiments.delete(id);
        console.log(`deleted experiment ${id} and its trials, events and judgments`);
        return 0;
      });
    }
    throw new UsageError('usage: oversight db migrate | oversight db drop-experiment <id>');
  },
};
