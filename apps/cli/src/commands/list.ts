import type { Database, ExperimentRow } from '@oversight/db';
import { type Command, type CommandInput, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import { count, describeCounts } from '../words.ts';
import { experimentOrExplain } from './db.ts';

const TRIAL_STATUSES = ['active', 'waiting', 'finished', 'aborted'];

/** Arm names with their protocols, as the stored config declares them. */
function configArms(experiment: ExperimentRow): Map<string, string> {
  const arms = (experiment.config as { arms?: Array<{ name?: unknown; protocol?: unknown }> }).arms ?? [];
  return new Map(arms.map((a) => [String(a.name), String(a.protocol)]));
}

async function listExperiments(db: Database): Promise<void> {
  const experiments = await db.experiments.list();
  if (experiments.length === 0) {
    console.log(`no experiments in ${db.location} yet; start one with  oversight run <config>`);
    return;
  }
  for (const experiment of experiments) {
    const [byStatus, byArm, judgments, [example]] = await Promise.all([
      db.trials.countByStatus(experiment.id),
      db.trials.countByArm(experiment.id),
      db.judgments.count(experiment.id),
      db.trials.list(experiment.id, { limit: 1 }),
    ]);
    const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
    console.log(
      `${experiment.id}: ${count(total, 'trial')} (${describeCounts(byStatus) || 'none'}), ${count(judgments, 'judgment')}`,
    );
    const protocols = configArms(experiment);
    const arms = [...new Set([...protocols.keys(), ...Object.keys(byArm)])];
    const width = Math.max(...arms.map((a) => a.length));
    for (const arm of arms) {
      // A re-judged arm ("debate+ai-judge") keeps the protocol of the arm it came from.
      const protocol = protocols.get(arm) ?? protocols.get(arm.split('+')[0]!) ?? '';
      console.log(
        `  ${arm.padEnd(width)}  ${protocol.padEnd(18)} ${String(byArm[arm] ?? 0).padStart(7)} ${(byArm[arm] ?? 0) === 1 ? 'trial' : 'trials'}`,
      );
    }
    if (example)
      console.log(`  trials: oversight list ${experiment.id}; one of them: oversight show ${example.id}`);
  }
}

async function listTrials(db: Database, experimentId: string, input: CommandInput): Promise<void> {
  await experimentOrExplain(db, experimentId);
  const status = stringOption(input, 'status');
  if (status !== undefined && !TRIAL_STATUSES.includes(status))
    throw new UsageError(`--status must be one of ${TRIAL_STATUSES.join(', ')} (got "${status}")`);
  const limitText = stringOption(input, 'limit') ?? '50';
  const limit = Number(limitText);
  if (!(Number.isInteger(limit) && limit > 0))
    throw new UsageError(`--limit must be a positive whole number (got "${limitText}")`);
  const after = stringOption(input, 'after');
  const trials = await db.trials.list(experimentId, {
    limit: limit + 1,
    ...(status ? { status: [status] } : {}),
    ...(after ? { afterId: after } : {}),
  });
  const shown = trials.slice(0, limit);
  if (shown.length === 0) {
    console.log(`no${status ? ` ${status}` : ''} trials in ${experimentId}${after ? ` after ${after}` : ''}`);
    return;
  }
  const width = Math.max(...shown.map((t) => t.id.length));
  console.log(`${'trial'.padEnd(width)}  ${'status'.padEnd(8)}  judge`);
  for (const t of shown)
    console.log(`${t.id.padEnd(width)}  ${t.status.padEnd(8)}  ${t.judgeId ?? '(open seat)'}`);
  if (trials.length > limit)
    console.log(
      `… more: oversight list ${experimentId} --after ${shown.at(-1)!.id}${status ? ` --status ${status}` : ''}`,
    );
  console.log(`see one with  oversight show <trial>`);
}

export const listCommand: Command = {
  name: 'list',
  usage: 'list [experiment] [--status S] [--limit N] [--after TRIAL]',
  summary: "the experiments with their arms and counts; or one experiment's trials, to pick one for `show`",
  options: {
    ...DATA_DIR_OPTION,
    status: {
      type: 'string',
      valueName: 'S',
      description: `with an experiment: only trials in this status (${TRIAL_STATUSES.join(', ')})`,
      defaultText: 'all',
    },
    limit: {
      type: 'string',
      valueName: 'N',
      description: 'with an experiment: trials to show',
      defaultText: '50',
    },
    after: {
      type: 'string',
      valueName: 'TRIAL',
      description: 'with an experiment: start after this trial id (the next page)',
    },
  },
  async run(input) {
    const [experimentId, extra] = input.positionals;
    if (extra) throw new UsageError(`list takes at most one experiment, not also "${extra}"`);
    const trialOption = ['status', 'limit', 'after'].find((name) => input.values[name] !== undefined);
    if (!experimentId && trialOption)
      throw new UsageError(
        `--${trialOption} is about one experiment's trials: oversight list <experiment> --${trialOption} …`,
      );
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      if (experimentId) await listTrials(db, experimentId, input);
      else await listExperiments(db);
      return 0;
    });
  },
};
