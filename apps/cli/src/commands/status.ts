import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { describeCounts } from './run.ts';

export const statusCommand: Command = {
  name: 'status',
  usage: 'status [experiment]',
  summary: 'trials by status, and model tokens and cost, per experiment',
  options: { ...DATA_DIR_OPTION },
  async run(input) {
    const [only] = input.positionals;
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      const experiments = (await db.experiments.list()).filter((e) => !only || e.id === only);
      if (only && experiments.length === 0) {
        console.error(`no experiment "${only}" in ${db.location}`);
        return 2;
      }
      if (experiments.length === 0)
        console.log(`no experiments yet in ${db.location}; start one with  pnpm oversight run <config>`);
      for (const experiment of experiments) {
        const counts = await db.trials.countByStatus(experiment.id);
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        console.log(`${experiment.id}: ${total} trials: ${describeCounts(counts) || 'none'}`);
        const cost = await db.llm.costSummary(experiment.id);
        if (cost.total.calls > 0) {
          const line = (name: string, c: typeof cost.total) =>
            `  ${name.padEnd(24)} ${String(c.calls).padStart(7)} calls (${c.cachedCalls} cached)  ${String(c.promptTokens).padStart(9)} in  ${String(c.completionTokens).padStart(9)} out  $${c.costUsd.toFixed(4)}`;
          console.log('  model usage:');
          for (const [arm, c] of Object.entries(cost.byArm)) console.log(line(arm, c));
          console.log(line('total', cost.total));
        }
      }
      return 0;
    });
  },
};
