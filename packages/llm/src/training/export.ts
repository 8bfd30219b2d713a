import type { ExperimentConfig, Question, TrialCreated, TrialEvent } from '@oversight/core';
import type { ChatMessage } from '../chat.ts';
import { PromptLibrary } from '../prompts.ts';
import { ManifestBuilder, ruleText, type TrainingFormat, type TrainingManifest } from './manifest.ts';
import {
  bestOfNPair,
  compareIds,
  outcomePairs,
  type PairableSpeech,
  type PreferencePair,
  pairSource,
  preferenceRow,
} from './preference.ts';
import { sftRow, sftSource } from './sft.ts';
import { type ArguerSpeech, type Side, sideSpeeches, speechReading } from './speeches.ts';
import { type Split, type SplitRule, storySplit } from './split.ts';

/**
 * Training data from finished trials: supervised rows (`sft`) or preference pairs (`preference`)
 * for one side's arguer, with the manifest that accounts for every row. Experiments are read in the
 * order of their ids and trials in the order of theirs, so the same inputs give the same bytes.
 */

export interface TrainingTrial {
  log: readonly TrialEvent[];
  question: Question;
}

export interface TrainingExperiment {
  id: string;
  configHash: string;
  config: ExperimentConfig;
  /** The experiment's stored participants (people under their pseudonyms), by id. */
  participants: ReadonlyMap<string, { kind: string; label: string }>;
  /** Finished trials, in the order of their ids. */
  trials(): AsyncIterable<TrainingTrial>;
}

export interface TrainingExportOptions {
  format: TrainingFormat;
  side: Side;
  /** The outcome rule: the judge's final probability on the speaker's answer must exceed this. */
  minBelief: number;
  split: SplitRule;
  /** Write only this split's rows (the manifest still gives every story's split). */
  only?: Split | undefined;
  /** Folder relative `prompts` folders of the configs resolve against (their config file's folder). */
  baseDir?: string | undefined;
  /** The output's file name, recorded in the manifest. */
  file: string;
}

/** Writes the rows with `write` (one JSON line each, no newline) and returns the manifest. */
export async function exportTrainingData(
  experiments: readonly TrainingExperiment[],
  options: TrainingExportOptions,
  write: (line: string) => void | Promise<void>,
): Promise<TrainingManifest> {
  const manifest = new ManifestBuilder();
  const prompts = new PromptLibrary(undefined, options.baseDir);
  const groups = new Map<string, { prompt: ChatMessage[]; speeches: PairableSpeech[] }>();
  const sorted = [...experiments].sort((a, b) => compareIds(a.id, b.id));

  const emit = async (line: string, storyId: string, source: unknown, kind: string, unsent: boolean) => {
    const split = storySplit(options.split, storyId);
    if (options.only && split !== options.only) {
      manifest.skipped.otherSplit += 1;
      return;
    }
    await write(line);
    manifest.add(line, { split, storyId, source }, kind, unsent);
  };
  const emitPair = (pair: PreferencePair) =>
    emit(preferenceRow(pair), pair.storyId, pairSource(pair), pair.kind, pair.promptCheck === 'unsent');

  for (const experiment of sorted) {
    const context = speechReading({
      experimentId: experiment.id,
      config: experiment.config,
      participants: experiment.participants,
      prompts,
    });
    const peopleAllowed = experiment.config.export?.includeHumanText === true;
    const practiceArm = experiment.config.qualification?.arm;
    for await (const trial of experiment.trials()) {
      const created = trial.log[0] as TrialCreated;
      if (created.arm === practiceArm) {
        manifest.skipped.practiceTrials += 1;
        continue;
      }
      const { speeches, refused } = sideSpeeches(trial.log, trial.question, options.side, context);
      manifest.refused.push(...refused);
      manifest.speeches += speeches.length + refused.length;
      if (speeches.length + refused.length > 0) {
        const split = storySplit(options.split, created.storyId);
        manifest.stories.set(created.storyId, split);
        manifest.questions.set(created.questionId, split);
      }
      for (const speech of speeches) {
        if (!peopleAllowed && speech.author.kind === 'person') {
          manifest.skipped.personSpeech += 1;
          continue;
        }
        if (!peopleAllowed && speech.personInPrompt) {
          manifest.skipped.personInPrompt += 1;
          continue;
        }
        if (options.format === 'sft') {
          if (speech.judgeBelief > options.minBelief)
            await emit(
              sftRow(speech),
              speech.storyId,
              sftSource(speech),
              'speech',
              speech.promptCheck === 'unsent',
            );
          else manifest.skipped.belowThreshold += 1;
          continue;
        }
        const pair = bestOfNPair(speech);
        if (pair) await emitPair(pair);
        group(groups, speech);
      }
    }
  }
  if (options.format === 'preference') {
    // Groups in the order their first speech was read: deterministic, as reading is.
    for (const { prompt, speeches } of groups.values())
      for (const pair of outcomePairs(prompt, speeches, options.minBelief)) await emitPair(pair);
  }
  return manifest.build({
    format: options.format,
    file: options.file,
    experiments: sorted.map((e) => ({
      id: e.id,
      configHash: e.configHash,
      includeHumanText: e.config.export?.includeHumanText === true,
    })),
    filters: {
      side: options.side,
      minBelief: options.minBelief,
      rule: ruleText(options.format, options.side, options.minBelief),
      onlySplit: options.only ?? null,
    },
    split: options.split,
  });
}

function group(
  groups: Map<string, { prompt: ChatMessage[]; speeches: PairableSpeech[] }>,
  speech: ArguerSpeech,
): void {
  const { prompt, ...rest } = speech;
  const entry = groups.get(speech.promptDigest);
  if (entry) entry.speeches.push(rest);
  else groups.set(speech.promptDigest, { prompt, speeches: [rest] });
}
