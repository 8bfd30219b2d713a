import { createWriteStream, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '@oversight/db';
import {
  DEFAULT_SPLIT,
  databaseTrainingExperiment,
  exportTrainingData,
  parseFractions,
  type Side,
  SPLITS,
  type Split,
  type TrainingExperiment,
  type TrainingFormat,
  type TrainingManifest,
} from '@oversight/llm';
import { type CommandInput, type OptionSpec, stringOption } from '../command.ts';
import { resolveUserPath } from '../config-file.ts';
import { UsageError } from '../exit-codes.ts';
import { didYouMean, listSome } from '../suggest.ts';

/**
 * `export --format sft|preference`: training data for an arguer from what fooled (or convinced) the
 * judges, with its manifest beside it. The work is in @oversight/llm (training/); this file reads
 * the options and writes the files.
 */

export const TRAINING_FORMATS = ['sft', 'preference'] as const;

export const TRAINING_OPTIONS: OptionSpec = {
  side: {
    type: 'string',
    valueName: 'dishonest|honest',
    defaultText: 'dishonest',
    description: '(sft, preference) whose speeches: the arguer assigned the wrong answer, or the correct one',
  },
  'min-belief': {
    type: 'string',
    valueName: 'P',
    defaultText: '0.5',
    description:
      "(sft, preference) the outcome rule: a speech counts as a success when its trial's judge ended with more than P on the answer it argued for (for the dishonest side: fooled)",
  },
  split: {
    type: 'string',
    valueName: 'train|validation|test',
    defaultText: "every split, each row's split in the manifest",
    description: "(sft, preference) write only this split's rows",
  },
  'split-seed': {
    type: 'string',
    valueName: 'TEXT',
    defaultText: DEFAULT_SPLIT.seed,
    description:
      '(sft, preference) seed of the split by story (the same seed gives every story the same split)',
  },
  'split-fractions': {
    type: 'string',
    valueName: 'TRAIN,VAL,TEST',
    defaultText: '0.8,0.1,0.1',
    description: '(sft, preference) fractions of stories in train, validation and test',
  },
  'config-dir': {
    type: 'string',
    valueName: 'DIR',
    defaultText: 'where you run the command',
    description:
      '(sft, preference) the folder of the experiment\'s config file, against which an arm\'s own "prompts" folder resolves',
  },
};

const given = (input: CommandInput, name: string) => input.values[name] !== undefined;

/** Refuses training options with a format that does not take them. */
export function refuseTrainingOptions(input: CommandInput, format: string): void {
  for (const name of Object.keys(TRAINING_OPTIONS))
    if (given(input, name))
      throw new UsageError(`--${name} is for --format sft or preference, not ${format}`);
}

interface TrainingRequest {
  format: TrainingFormat;
  experimentIds: string[];
  out: string;
  side: Side;
  minBelief: number;
  only: Split | undefined;
  seed: string;
  fractions: Record<Split, number>;
  configDir: string;
}

/** Every option checked before the database is opened, so bad input writes nothing. */
export function trainingRequest(input: CommandInput, format: TrainingFormat): TrainingRequest {
  if (input.values.aborted === true) throw new UsageError(`--aborted writes csv or jsonl, not ${format}`);
  const out = stringOption(input, 'out');
  if (!out)
    throw new UsageError(
      `--format ${format} needs --out FILE.jsonl: the manifest (each story's split, each row's sha256) is written beside it`,
    );
  const side = stringOption(input, 'side') ?? 'dishonest';
  if (side !== 'dishonest' && side !== 'honest')
    throw new UsageError(`--side must be dishonest or honest (got "${side}")`);
  const beliefText = stringOption(input, 'min-belief') ?? '0.5';
  const minBelief = Number(beliefText);
  if (beliefText.trim() === '' || !Number.isFinite(minBelief) || minBelief < 0 || minBelief >= 1)
    throw new UsageError(
      `--min-belief must be a probability from 0 up to (not including) 1 (got "${beliefText}")`,
    );
  const only = stringOption(input, 'split');
  if (only !== undefined && !SPLITS.includes(only as Split))
    throw new UsageError(
      `--split must be one of ${SPLITS.join(', ')} (got "${only}")${didYouMean(only, SPLITS)}`,
    );
  const fractions = parseFractions(stringOption(input, 'split-fractions') ?? '0.8,0.1,0.1');
  if (typeof fractions === 'string') throw new UsageError(`--split-fractions: ${fractions}`);
  const seed = stringOption(input, 'split-seed') ?? DEFAULT_SPLIT.seed;
  if (seed === '') throw new UsageError('--split-seed needs a non-empty value');
  return {
    format,
    experimentIds: [...new Set(input.positionals)],
    out,
    side,
    minBelief,
    only: only as Split | undefined,
    seed,
    fractions,
    configDir: resolveUserPath(stringOption(input, 'config-dir') ?? '.'),
  };
}

/** `data.jsonl` → `data.manifest.json`; any other name gets `.manifest.json` added. */
export function manifestPath(out: string): string {
  return /\.jsonl$/i.test(out) ? out.replace(/\.jsonl$/i, '.manifest.json') : `${out}.manifest.json`;
}

async function experimentsOf(db: Database, ids: readonly string[]): Promise<TrainingExperiment[]> {
  const found: TrainingExperiment[] = [];
  for (const id of ids) {
    const experiment = await databaseTrainingExperiment(db, id);
    if (!experiment) {
      const known = (await db.experiments.list()).map((e) => e.id);
      throw new UsageError(
        `no experiment "${id}" in ${db.location}${didYouMean(id, known)}; the experiments there are ${listSome(known)}`,
      );
    }
    found.push(experiment);
  }
  return found;
}

function whyNothing(manifest: TrainingManifest, request: TrainingRequest): string {
  const s = manifest.counts.skipped;
  const parts = [
    `${manifest.counts.speeches} ${request.side} speeches in the finished trials of ${request.experimentIds.join(', ')}`,
  ];
  if (request.format === 'sft' && s.belowThreshold)
    parts.push(`${s.belowThreshold} whose judge ended at or below ${request.minBelief} (--min-belief)`);
  if (request.format === 'preference')
    parts.push(
      'no best-of-n speech with two differently scored candidates and no prompt shared by a speech that succeeded and one that did not',
    );
  if (s.personSpeech || s.personInPrompt)
    parts.push(
      `${s.personSpeech + s.personInPrompt} by people or with a person's words in the prompt (allowed only by the config's "export": { "includeHumanText": true })`,
    );
  if (s.refused) parts.push(`${s.refused} whose prompt could not be rebuilt`);
  if (s.otherSplit) parts.push(`${s.otherSplit} rows in splits other than ${request.only}`);
  if (s.practiceTrials) parts.push(`${s.practiceTrials} practice trials left out`);
  return `no training rows: ${parts.join('; ')}`;
}

/** Writes the rows to a temporary file renamed into place, then the manifest; nothing when no row matches. */
export async function exportTraining(db: Database, request: TrainingRequest): Promise<number> {
  const experiments = await experimentsOf(db, request.experimentIds);
  const target = resolveUserPath(request.out);
  const partial = `${target}.partial-${process.pid}`;
  const stream = createWriteStream(partial);
  let manifest: TrainingManifest;
  try {
    manifest = await exportTrainingData(
      experiments,
      {
        format: request.format,
        side: request.side,
        minBelief: request.minBelief,
        split: { seed: request.seed, fractions: request.fractions },
        only: request.only,
        baseDir: request.configDir,
        file: path.basename(target),
      },
      (line) => {
        if (!stream.write(`${line}\n`)) return new Promise((resolve) => stream.once('drain', resolve));
      },
    );
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  } catch (error) {
    stream.destroy();
    rmSync(partial, { force: true });
    throw error;
  }
  if (manifest.counts.rows === 0) {
    rmSync(partial, { force: true });
    throw new UsageError(whyNothing(manifest, request));
  }
  renameSync(partial, target);
  const manifestFile = manifestPath(target);
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  report(manifest, request);
  return 0;
}

function report(manifest: TrainingManifest, request: TrainingRequest): void {
  const { bySplit, byKind, unsentPrompts, skipped } = manifest.counts;
  const kinds =
    request.format === 'preference'
      ? `${Object.entries(byKind)
          .map(([kind, n]) => `${n} ${kind}`)
          .join(', ')} pairs; `
      : '';
  console.error(
    `wrote ${manifest.counts.rows} ${request.format} rows (${kinds}train ${bySplit.train}, validation ${bySplit.validation}, test ${bySplit.test}) to ${request.out}; manifest ${manifestPath(request.out)}`,
  );
  if (unsentPrompts)
    console.error(
      `${unsentPrompts} rows are from simulated arguers or people, who were sent no prompt: theirs is the one a model in the seat would have been given ("prompt": "unsent" in the manifest). Simulated speeches are for trying the pipeline, not for training.`,
    );
  if (skipped.refused)
    console.error(
      `${skipped.refused} speeches left out because their rebuilt prompt does not match the hash recorded when they were written (each with its reason under "refused" in the manifest)`,
    );
}
