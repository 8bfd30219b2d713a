import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  describeIssues,
  type ExperimentConfig,
  type ExperimentConfigInput,
  ExperimentConfigSchema,
  InputError,
  type Question,
} from '@oversight/core';
import { BUNDLED_DATASET_PATH, loadBundledQuestions, loadQuestionFile, randomSeed } from '@oversight/runner';
import { z } from 'zod';
import { userCwd } from './env.ts';
import { parseJsonWithComments } from './json-syntax.ts';

export interface LoadedConfig {
  file: string;
  /** The config as written, before defaults (design warnings tell written settings from defaults). */
  input: ExperimentConfigInput;
  config: ExperimentConfig;
  /**
   * Whether the file gives a seed. When it does not, `config.seed` is a random one (a new experiment
   * keeps it; `run` replaces it with a stored experiment's own), so a published config without a seed
   * cannot be used to rebuild the plan.
   */
  seedGiven: boolean;
  /** Dataset name the questions are stored under, and the file they came from. */
  datasetName: string;
  datasetSource: string;
  questions: Question[];
}

/** Reads a JSON file (comments and trailing commas allowed), naming the line and column of a syntax error. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (code ?? error);
    throw new InputError(`${file}: cannot read the file (${why})`, file);
  }
  return parseJsonWithComments(text, file);
}

export function resolveUserPath(p: string): string {
  return path.resolve(userCwd, p);
}

const DATASET_FORMS =
  'a dataset is { "bundled": "nyu-2023-quality" } (the questions that come with the project), ' +
  '{ "path": "questions.jsonl" } (a .jsonl or .csv file in the generic question format, relative to the ' +
  'config, with an optional "name"; see experiments/datasets/README.md) or { "name": "my-questions" } ' +
  '(questions imported before with  oversight import <file>)';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the questions stored under a dataset name; throws InputError naming the datasets there are. */
export type StoredQuestions = (dataset: string) => Promise<Question[]>;

/** Like core's parseInput, but a dataset that matches neither form says what the forms are. */
function parseConfig(data: unknown, file: string): ExperimentConfig {
  const result = ExperimentConfigSchema.safeParse(data);
  if (result.success) return result.data;
  const isDataset = (issue: z.core.$ZodIssue) =>
    issue.code === 'invalid_union' && issue.path.length === 1 && issue.path[0] === 'dataset';
  const lines = [
    ...result.error.issues.filter(isDataset).map(() => `dataset: ${DATASET_FORMS}`),
    ...describeIssues(
      new z.ZodError(result.error.issues.filter((issue) => !isDataset(issue))),
      ExperimentConfigSchema,
    ),
  ];
  throw new InputError(`${file}: invalid input\n${lines.map((l) => `  - ${l}`).join('\n')}`, file);
}

/**
 * Loads and checks an experiment config and its dataset; throws InputError naming file and field.
 * A dataset named without a path is read from the database through `stored`.
 */
export async function loadExperimentConfig(
  configPath: string,
  stored?: StoredQuestions,
): Promise<LoadedConfig> {
  const file = resolveUserPath(configPath);
  const input = await readJsonFile(file);
  const seedGiven = !isObject(input) || input.seed !== undefined;
  // Filled in the input too, so everything that reads the config as written (design warnings) sees it.
  if (!seedGiven) (input as Record<string, unknown>).seed = randomSeed();
  const config = parseConfig(input, file);
  const loaded = { file, input: input as ExperimentConfigInput, config, seedGiven };
  if (!('bundled' in config.dataset) && !('path' in config.dataset)) {
    const name = config.dataset.name;
    if (!stored)
      throw new InputError(`${file}: dataset: a stored dataset ("${name}") can only be used by run`, file);
    return {
      ...loaded,
      datasetName: name,
      datasetSource: `dataset "${name}" in the database`,
      questions: await stored(name),
    };
  }
  if ('bundled' in config.dataset)
    return {
      ...loaded,
      datasetName: 'nyu-2023',
      datasetSource: BUNDLED_DATASET_PATH,
      questions: await loadBundledQuestions(),
    };
  const datasetFile = path.resolve(path.dirname(file), config.dataset.path);
  const questions = await loadQuestionFile(datasetFile);
  const datasetName = config.dataset.name ?? path.basename(datasetFile).replace(/\.(jsonl|csv)$/, '');
  return { ...loaded, datasetName, datasetSource: datasetFile, questions };
}
