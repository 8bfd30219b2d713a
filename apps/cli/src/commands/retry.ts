import { existsSync } from 'node:fs';
import { type ExperimentConfig, parseStoredConfig } from '@oversight/core';
import type { Database } from '@oversight/db';
import { abortedTrials, participantRecords, retryAbortedTrials, runTrials } from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { resolveUserPath } from '../config-file.ts';
import { withDatabase } from '../database.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { catchInterrupt } from '../interrupt.ts';
import { participantFactories } from '../participants.ts';
import { startProgress } from '../progress.ts';
import { describeCounts, prepareRun, runPrepared } from './run.ts';

/**
 * A new attempt at each aborted trial of an experiment, kept beside the aborted one (which stays, with
 * its reason). Given the experiment's config file, that config is checked and stored first: a fix to
 * how it runs (an endpoint, a key, a timeout) is taken; a change to its design is refused.
 */
export const retryCommand: Command = {
  name: 'retry',
  usage: 'retry <experiment | config.json> [--reason TEXT]',
  summary: 'try the aborted trials of an experiment again (each as a new attempt; the aborted ones are kept)',
  options: {
    ...DATA_DIR_OPTION,
    reason: {
      type: 'string',
      valueName: 'TEXT',
      description: 'only trials whose abort reason contains TEXT',
    },
  },
  async run(input) {
    const [target, extra] = input.positionals;
    if (!target)
      throw new UsageError('retry needs an experiment or its config file: oversight retry <experiment>');
    if (extra) throw new UsageError(`retry takes one experiment, not also "${extra}"`);
    const reason = stringOption(input, 'reason');
    const isFile = /\.jsonc?$/i.test(target) && existsSync(resolveUserPath(target));
    const prepared = isFile ? await prepareRun(target, stringOption(input, 'data-dir')) : null;
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      let experimentId = target;
      let config: ExperimentConfig;
      if (prepared) {
        experimentId = prepared.plan.experimentId;
        config = prepared.plan.config;
        // Stores the (fixed) config, refusing a changed design, and plans anything not planned yet.
        await runPrepared(db, prepared, { resumeCommand: `oversight retry ${target}` });
      } else {
        const row = await db.experiments.get(target);
        if (!row) throw new UsageError(`no experiment "${target}" in ${db.location}; see  oversight list`);
        config = parseStoredConfig(row.config);
      }
      const aborted = await abortedTrials(db, experimentId);
      const created = await retryAbortedTrials(
        db,
        experimentId,
        isPersonIn(config),
        reason ? { reasonContains: reason } : {},
      );
      if (created.length === 0) {
        const matching = aborted.filter((t) => !reason || t.reason.includes(reason));
        if (aborted.length === 0) console.log(`${experimentId} has no aborted trials.`);
        else if (matching.length === 0)
          // --reason is a filter that matched nothing: most likely its text, so show what there is.
          throw new UsageError(
            `no aborted trial of ${experimentId} has a reason containing "${reason}" (nothing was tried again); their reasons are: ${commonReasons(aborted)}`,
          );
        else
          console.log(
            `every aborted trial of ${experimentId}${reason ? ` whose reason contains "${reason}"` : ''} has been tried again already (${matching.length} of them; see  oversight status ${experimentId}).`,
          );
        return EXIT.ok;
      }
      console.error(
        `${experimentId}: trying ${created.length} aborted trials again (the aborted ones are kept)`,
      );
      await drive(db, experimentId, config, created.length);
      const counts = await db.trials.countByStatus(experimentId);
      console.log(`${experimentId}: ${describeCounts(counts)}`);
      return EXIT.ok;
    });
  },
};

/** The distinct abort reasons, most common first, each with its count (at most five). */
function commonReasons(trials: ReadonlyArray<{ reason: string }>): string {
  const counts = new Map<string, number>();
  for (const t of trials) counts.set(t.reason, (counts.get(t.reason) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, 5).map(([r, n]) => `"${r}" (${n})`);
  return `${shown.join('; ')}${sorted.length > 5 ? `; and ${sorted.length - 5} more` : ''}`;
}

function isPersonIn(config: ExperimentConfig) {
  const automatic = new Set(
    participantRecords(config)
      .filter((p) => p.spec.kind !== 'human')
      .map((p) => p.id),
  );
  return (id: string | null) => id === null || !automatic.has(id);
}

async function drive(
  db: Database,
  experimentId: string,
  config: ExperimentConfig,
  total: number,
): Promise<void> {
  const progress = startProgress(`${experimentId} (retries)`, total);
  const interrupt = catchInterrupt(`run  oversight retry ${experimentId}  to go on`);
  try {
    await runTrials(
      db,
      { experimentId, config, participants: participantRecords(config), questions: [], trials: [] },
      {
        factories: participantFactories(db, experimentId, config),
        onTrial: () => progress.tick(),
        signal: interrupt.signal,
      },
    );
  } finally {
    progress.stop();
    interrupt.dispose();
  }
}
