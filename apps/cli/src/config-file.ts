import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type ExperimentConfig,
  ExperimentConfigSchema,
  InputError,
  parseInput,
  type Question,
} from '@oversight/core';
import { loadBundledQuestions, loadQuestionFile } from '@oversight/runner';
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import { userCwd } from './env.ts';

export interface LoadedConfig {
  file: string;
  config: ExperimentConfig;
  /** Dataset name the questions are stored under. */
  datasetName: string;
  questions: Question[];
}

/** Reads a JSON file, turning a syntax error into a message with the line and column. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(
      `${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      file,
    );
  }
  // jsonc-parser reports where the syntax breaks (Node 20's JSON.parse often does not).
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first) {
    const before = text.slice(0, first.offset);
    const line = before.split('\n').length;
    const column = first.offset - before.lastIndexOf('\n');
    throw new InputError(
      `${file}: not valid JSON at line ${line}, column ${column}: ${printParseErrorCode(first.error)}`,
      file,
    );
  }
  return value;
}

export function resolveUserPath(p: string): string {
  return path.resolve(userCwd, p);
}

/** Loads and checks an experiment config and its dataset; throws InputError naming file and field. */
export async function loadExperimentConfig(configPath: string): Promise<LoadedConfig> {
  const file = resolveUserPath(configPath);
  const config = parseInput(ExperimentConfigSchema, await readJsonFile(file), file);
  if ('bundled' in config.dataset) {
    return { file, config, datasetName: 'nyu-2023', questions: await loadBundledQuestions() };
  }
  const datasetFile = path.resolve(path.dirname(file), config.dataset.path);
  const questions = await loadQuestionFile(datasetFile);
  const datasetName = config.dataset.name ?? path.basename(datasetFile).replace(/\.(jsonl|csv)$/, '');
  return { file, config, datasetName, questions };
}
