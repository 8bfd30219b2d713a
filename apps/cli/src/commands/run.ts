import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, newExperimentNameIssues } from '@oversight/core';
import type { Database } from '@oversight/db';
import {
  loadOfflineSources,
  persistPlan,
  resolveBlinding,
  runTrials,
  type StreamedPlan,
  streamExperiment,
} from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { type LoadedConfig, loadExperimentConfig } from '../config-file.ts';
import { resolveDataFolder, withDatabase } from '../database.ts';
import { env } from '../env.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { catchInterrupt, type Interrupt } from '../interrupt.ts';
import { limitHeapGrowth } from '../memory.ts';
import { participantFactories } from '../participants.ts';
import { endpointUses, preflight, printDesignWarnings, probeModelEndpoints } from '../preflight.ts';
import { startProgress } from '../progress.ts';
import { count, describeCounts } from '../words.ts';

export { describeCounts };

export interface RunResult {
  experimentId: string;
  counts: Record<string, number>;
  /** Stopped with Ctrl-C before every trial that could run had run. */
  interrupted: boolean;
  /** What stopped it: SIGTERM (a service manager) ends with exit 0, Ctrl-C with 130. */
  stoppedBy?: 'SIGINT' | 'SIGTERM' | null;
}

export interface PreparedRun {
  loaded: LoadedConfig;
  /** Made as it is written, so a million trials are never all in memory. */
  plan: StreamedPlan;
}

/**
 * Everything that can be wrong with the input, found before anything is written: the config, its
 * dataset and questions, the design, and every model endpoint it names (each asked for its models list).
 * `run` passes `forRun`: a run again of an experiment with nothing left to run needs no endpoint.
 */
export async function prepareRun(
  configPath: string,
  dataDir?: string,
  options: { forRun?: boolean } = {},
): Promise<PreparedRun> {
  const loaded = await loadExperimentConfig(configPath, (name) => storedQuestions(dataDir, name));
  preflight(loaded);
  await refuseNewDottedNames(loaded, dataDir);
  printDesignWarnings(loaded);
  const plan = streamExperiment(loaded.config, loaded.questions, loaded.datasetName);
  plan.check();
  const dropped = plan.questions.filter((q) => q.answers.length > 2).length;
  if (dropped > 0)
    console.error(
      `note: ${dropped} of the ${plan.questions.length} questions have more than two answers; each trial shows the correct answer and one wrong one, the same in every arm (the dataset's distractorIndex where it gives one, else one drawn per question), and the judge never sees the others`,
    );
  const uses = endpointUses(loaded);
  if (uses.length > 0)
    await probeModelEndpoints(loaded.config.llm, uses, loaded.file).catch(async (error: unknown) => {
      if (
        !(
          options.forRun &&
          error instanceof InputError &&
          (await nothingLeftToRun(dataDir, plan.experimentId))
        )
      )
        throw error;
      console.error(
        `warning: ${(error as Error).message.split('\n').join(' ')} (every trial of ${plan.experimentId} has run, so none is needed now)`,
      );
    });
  return { loaded, plan };
}

/**
 * A new experiment whose name or arm names hold "." is refused before the database is created or
 * written (see newExperimentNameIssues); one stored before this rule goes on under its names, so the
 * database is asked, and only when a name has a dot.
 */
async function refuseNewDottedNames(loaded: LoadedConfig, dataDir: string | undefined): Promise<void> {
  const issues = newExperimentNameIssues(loaded.config);
  if (issues.length === 0) return;
  const hasDatabase =
    Boolean(env.DATABASE_URL) || existsSync(path.join(resolveDataFolder(dataDir).dir, 'pgdata'));
  const stored =
    hasDatabase && (await withDatabase(dataDir, (db) => db.experiments.get(loaded.config.name))) !== null;
  if (stored) return;
  throw new InputError(
    `${loaded.file}: invalid input (a new experiment)\n${issues.map((i) => `  - ${i.field}: ${i.message}`).join('\n')}`,
    loaded.file,
  );
}

/** Whether the experiment is stored and has no trial left for run to drive (read only when an endpoint is down). */
async function nothingLeftToRun(dataDir: string | undefined, experimentId: string): Promise<boolean> {
  if (!env.DATABASE_URL && !existsSync(path.join(resolveDataFolder(dataDir).dir, 'pgdata'))) return false;
  return withDatabase(dataDir, async (db) => {
    if (!(await db.experiments.get(experimentId))) return false;
    return ((await db.trials.countByStatus(experimentId)).active ?? 0) === 0;
  });
}

/** The questions stored under a dataset name (imported before), or an InputError naming those there are. */
function storedQuestions(dataDir: string | undefined, name: string) {
  return withDatabase(dataDir, async (db) => {
    const rows = await db.questions.list({ dataset: name });
    if (rows.length === 0) {
      const known = (await db.questions.datasets()).map((d) => d.name);
      throw new InputError(
        `dataset "${name}" is not in ${db.location}; import it first with  oversight import <file> --dataset ${name}` +
          (known.length ? ` (stored datasets: ${known.join(', ')})` : ''),
        name,
      );
    }
    return rows.map(({ dataset: _dataset, distractorIndex, ...q }) => ({
      ...q,
      ...(distractorIndex === undefined ? {} : { distractorIndex }),
    }));
  });
}

/** Stores the plan (idempotently) and drives its trials; shared by `run` and `demo`. */
export async function runPrepared(
  db: Database,
  { loaded, plan: provisional }: PreparedRun,
  options: { concurrency?: number; resumeCommand: string; interrupt?: Interrupt },
): Promise<RunResult> {
  // The caller's, when it has been listening since before the database was opened.
  const interrupt = options.interrupt ?? catchInterrupt(`run  ${options.resumeCommand}  to go on from there`);
  const dispose = () => {
    if (!options.interrupt) interrupt.dispose();
  };
  let plan = provisional;
  // The seed and blinding key come from the stored experiment when there is one (see resolveBlinding).
  const blinding = await resolveBlinding(db, loaded.config, { seedGiven: loaded.seedGiven });
  if (blinding.seedMade)
    console.error(
      `${loaded.config.name}: the config gives no seed, so a random one was made and kept with the experiment in the database: a copy of this config cannot rebuild who argued what`,
    );
  // Offline arms judge another experiment's finished trials: read them now (what has finished so far;
  // running again later adds the trials finished since).
  const offline = blinding.config.arms.some((a) => a.source)
    ? await loadOfflineSources(db, blinding.config, loaded.datasetName)
    : undefined;
  plan = streamExperiment(blinding.config, loaded.questions, loaded.datasetName, {
    blindingKey: blinding.blindingKey,
    ...(offline ? { offline } : {}),
  });
  if (offline)
    for (const [arm, sources] of offline)
      console.error(`${plan.experimentId}: arm ${arm} judges ${sources.length} finished transcripts again`);
  const total = plan.trialCount;
  let said = Date.now();
  const planned = await persistPlan(db, plan, loaded.datasetName, loaded.datasetSource, {
    signal: interrupt.signal,
    onProgress: (stored) => {
      if (Date.now() - said < 5_000 || stored === total) return;
      said = Date.now();
      console.error(`${plan.experimentId}: planning, ${stored} of ${count(total, 'trial')} stored`);
    },
  }).catch((error: unknown) => {
    dispose();
    throw error;
  });
  if (!planned) {
    dispose();
    const counts = await db.trials.countByStatus(plan.experimentId);
    return { experimentId: plan.experimentId, counts, interrupted: true, stoppedBy: interrupt.by };
  }
  const before = await db.trials.countByStatus(plan.experimentId);
  const remaining = before.active ?? 0;
  console.error(
    `${plan.experimentId}: ${count(total, 'trial')} in ${count(plan.config.arms.length, 'arm')}; ${remaining} to run`,
  );
  const progress = startProgress(plan.experimentId, total, { done: total - remaining });
  try {
    await runTrials(db, plan, {
      factories: participantFactories(db, plan.experimentId, plan.config, path.dirname(loaded.file)),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      onTrial: () => progress.tick(),
      signal: interrupt.signal,
      onStopped: (experimentId, o) =>
        console.error(`\n${experimentId}: ${o.reason}; ${o.stopped} trials not started in ${o.arm} stopped`),
    });
  } finally {
    progress.stop();
    dispose();
  }
  const counts = await db.trials.countByStatus(plan.experimentId);
  // A Ctrl-C that came as the last trial finished stopped nothing.
  const interrupted = interrupt.signal.aborted && (counts.active ?? 0) > 0;
  return { experimentId: plan.experimentId, counts, interrupted, stoppedBy: interrupt.by };
}

/** After Ctrl-C: what is stored, and the command that goes on. */
export function interruptedMessage(result: RunResult, resumeCommand: string): string {
  const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
  const left = result.counts.active ?? 0;
  const how = result.stoppedBy === 'SIGTERM' ? 'stopped by SIGTERM' : 'stopped with Ctrl-C';
  return (
    `${how}: ${describeCounts(result.counts).replace(/(\d+) active/, '$1 still to run')} of ${count(total, 'trial')}. ` +
    `Every finished trial and every move made so far is stored; run  ${resumeCommand}  to go on with the ${left} left.`
  );
}

/** The command line that resumes this run, as the user would type it. */
function resumeCommandOf(config: string, dataDir: string | undefined): string {
  return `oversight run ${config}${dataDir ? ` --data-dir ${dataDir}` : ''}`;
}

export const runCommand: Command = {
  name: 'run',
  usage: 'run <config.json> [--concurrency N]',
  summary: 'plan and run an experiment; safe to stop and run again (it resumes)',
  options: {
    ...DATA_DIR_OPTION,
    concurrency: {
      type: 'string',
      valueName: 'N',
      description: 'trials driven at once',
      defaultText: 'the config\'s "concurrency", 32 when it has none',
    },
  },
  async run(input) {
    limitHeapGrowth();
    const [config, extra] = input.positionals;
    if (!config) throw new UsageError('run needs a config file: oversight run experiments/demo/config.json');
    if (extra) throw new UsageError(`run takes one config file, not also "${extra}"`);
    const concurrency = stringOption(input, 'concurrency');
    const n = concurrency === undefined ? undefined : Number(concurrency);
    if (n !== undefined && !(Number.isInteger(n) && n > 0))
      throw new UsageError(`--concurrency must be a positive whole number (got "${concurrency}")`);
    const dataDir = stringOption(input, 'data-dir');
    const resumeCommand = resumeCommandOf(config, dataDir);
    // Listening from the start: a SIGTERM while the config is read or the database opened stops the run
    // before it writes anything, with exit 0, as one later does.
    const interrupt = catchInterrupt(`run  ${resumeCommand}  to go on from there`);
    let result: RunResult;
    let hasStoppingRule = false;
    try {
      const prepared = await prepareRun(config, dataDir, { forRun: true });
      hasStoppingRule = prepared.loaded.config.stopping !== undefined;
      result = await withDatabase(
        dataDir,
        async (db) =>
          interrupt.signal.aborted
            ? {
                experimentId: prepared.plan.experimentId,
                counts: await db.trials.countByStatus(prepared.plan.experimentId),
                interrupted: true,
                stoppedBy: interrupt.by,
              }
            : runPrepared(db, prepared, { ...(n ? { concurrency: n } : {}), resumeCommand, interrupt }),
        { create: true },
      );
    } finally {
      interrupt.dispose();
    }
    if (result.interrupted) {
      console.error(interruptedMessage(result, resumeCommand));
      return result.stoppedBy === 'SIGTERM' ? EXIT.ok : EXIT.interrupted;
    }
    console.log(`${result.experimentId}: ${describeCounts(result.counts)}`);
    if (result.counts.waiting) {
      console.log(
        `${count(result.counts.waiting, 'trial waits', 'trials wait')} for people: judge them with  oversight judge ${result.experimentId} --as <name>`,
      );
    }
    if (result.counts.aborted)
      console.log(
        `${count(result.counts.aborted, 'trial was', 'trials were')} stopped: see why with  oversight status ${result.experimentId}; try them again with  oversight retry ${config}` +
          (hasStoppingRule
            ? ' (retry leaves the ones the stopping rule stopped: their arm’s answer is known)'
            : ''),
      );
    // Nothing finished and nothing waits: a script that goes on to analyze would analyze nothing.
    const { finished = 0, waiting = 0, active = 0, aborted = 0 } = result.counts;
    if (aborted > 0 && finished + waiting + active === 0) {
      console.error(
        `error: every trial of ${result.experimentId} was stopped; none finished (exit ${EXIT.noneSucceeded})`,
      );
      return EXIT.noneSucceeded;
    }
    return EXIT.ok;
  },
};
