import path from 'node:path';
import { persistPlan, planExperiment, runTrials } from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { loadExperimentConfig } from '../config-file.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import { participantFactories } from '../participants.ts';
import { startProgress } from '../progress.ts';

export interface RunResult {
  experimentId: string;
  counts: Record<string, number>;
}

/** Plans (idempotently) and drives an experiment; shared by `run` and `demo`. */
export async function runExperimentFromConfig(
  configPath: string,
  dataDir: string | undefined,
  concurrency?: number,
): Promise<RunResult> {
  // Everything that can be wrong with the input is found before the database is touched.
  const loaded = await loadExperimentConfig(configPath);
  const plan = planExperiment(loaded.config, loaded.questions);
  return withDatabase(dataDir, async (db) => {
    await persistPlan(db, plan, loaded.datasetName);
    const before = await db.trials.countByStatus(plan.experimentId);
    const total = plan.trials.length;
    const remaining = before.active ?? 0;
    console.error(
      `${plan.experimentId}: ${total} trials in ${plan.config.arms.length} arms; ${remaining} to run (database: ${db.location})`,
    );
    const progress = startProgress(plan.experimentId, total, total - remaining);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    try {
      await runTrials(db, plan, {
        factories: participantFactories(db, plan.experimentId, plan.config, path.dirname(loaded.file)),
        ...(concurrency ? { concurrency } : {}),
        onTrial: () => progress.tick(),
        signal: stop.signal,
      });
    } finally {
      progress.stop();
      process.off('SIGINT', onSignal);
    }
    const counts = await db.trials.countByStatus(plan.experimentId);
    return { experimentId: plan.experimentId, counts };
  });
}

export function describeCounts(counts: Record<string, number>): string {
  const order = ['finished', 'aborted', 'waiting', 'active'];
  return order
    .filter((s) => counts[s])
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

export const runCommand: Command = {
  name: 'run',
  usage: 'run <config.json> [--concurrency N]',
  summary: 'plan and run an experiment; safe to stop and run again (it resumes)',
  options: { ...DATA_DIR_OPTION, concurrency: { type: 'string' } },
  async run(input) {
    const [config] = input.positionals;
    if (!config) throw new UsageError('run needs a config file: oversight run experiments/demo/config.json');
    const concurrency = stringOption(input, 'concurrency');
    const n = concurrency === undefined ? undefined : Number(concurrency);
    if (n !== undefined && !(Number.isInteger(n) && n > 0))
      throw new UsageError('--concurrency must be a positive integer');
    const result = await runExperimentFromConfig(config, stringOption(input, 'data-dir'), n);
    console.log(`${result.experimentId}: ${describeCounts(result.counts)}`);
    if (result.counts.waiting) {
      console.log(
        `${result.counts.waiting} trials wait for people: judge them with  pnpm oversight judge ${result.experimentId} --as <judge-id>`,
      );
    }
    return 0;
  },
};
