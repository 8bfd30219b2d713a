import {
  designWarnings,
  discordSetupProblems,
  InputError,
  type LlmConfig,
  type ParticipantSpec,
} from '@oversight/core';
import { endpointConfig, resolveApiKey } from '@oversight/llm';
import type { LoadedConfig } from './config-file.ts';
import { didYouMean, listSome } from './suggest.ts';

/**
 * What `run` checks after the config and dataset parse and before the database is opened, so a
 * run that cannot work writes nothing: the questions it selects, and every model endpoint it names
 * with its API key (otherwise the first trial would find out, after the plan was stored).
 */

function checkQuestions({ file, config, questions }: LoadedConfig): void {
  if (questions.length === 0)
    throw new InputError(
      `${file}: the dataset holds no questions; add questions to it (see experiments/datasets/README.md) or use { "bundled": "nyu-2023-quality" }`,
      file,
    );
  checkCatchQuestions(file, config.qualityControl?.catchQuestions, questions);
  const { ids } = config.questions;
  if (!ids) return;
  if (ids.length === 0)
    throw new InputError(
      `${file}: questions.ids is empty; list question ids, or remove it to use the whole dataset`,
      file,
    );
  const known = new Set(questions.map((q) => q.id));
  const unknown = ids.flatMap((id, i) => (known.has(id) ? [] : [{ id, i }]));
  if (unknown.length === 0) return;
  const lines = unknown
    .slice(0, 10)
    .map(
      ({ id, i }) => `  - questions.ids[${i}]: no question "${id}" in the dataset${didYouMean(id, known)}`,
    );
  throw new InputError(
    `${file}: invalid input\n${lines.join('\n')}${unknown.length > 10 ? `\n  - and ${unknown.length - 10} more` : ''}\n` +
      `  The dataset's question ids include: ${listSome([...known].sort(), 8)}`,
    file,
  );
}

/**
 * Catch questions must be questions of the dataset: a misspelt id would make no trial a catch trial,
 * and the catch-accuracy rule would then exclude nobody, silently.
 */
function checkCatchQuestions(
  file: string,
  catchQuestions: readonly string[] | undefined,
  questions: LoadedConfig['questions'],
): void {
  if (!catchQuestions) return;
  const known = new Set(questions.map((q) => q.id));
  const unknown = catchQuestions.flatMap((id, i) => (known.has(id) ? [] : [{ id, i }]));
  if (unknown.length === 0) return;
  const lines = unknown
    .slice(0, 10)
    .map(
      ({ id, i }) =>
        `  - qualityControl.catchQuestions[${i}]: no question "${id}" in the dataset${didYouMean(id, known)}`,
    );
  throw new InputError(
    `${file}: invalid input\n${lines.join('\n')}${unknown.length > 10 ? `\n  - and ${unknown.length - 10} more` : ''}\n` +
      `  The dataset's question ids include: ${listSome([...known].sort(), 8)}`,
    file,
  );
}

/** Every (field, endpoint name) a model participant of the config will call. */
function modelEndpoints(config: LoadedConfig['config']): Array<{ field: string; endpoint: string }> {
  const uses: Array<{ field: string; endpoint: string }> = [];
  const add = (field: string, spec: ParticipantSpec | undefined) => {
    if (spec?.kind !== 'llm') return;
    uses.push({ field: `${field}.endpoint`, endpoint: spec.endpoint });
    const { induction } = spec;
    if (induction.method === 'model')
      uses.push({ field: `${field}.induction.endpoint`, endpoint: induction.endpoint ?? spec.endpoint });
    if (induction.method === 'best-of-n')
      uses.push({
        field: `${field}.induction.judgeEndpoint`,
        endpoint: induction.judgeEndpoint ?? spec.endpoint,
      });
  };
  config.judges.forEach((pool, i) => {
    add(`judges[${i}].participant`, pool.participant);
  });
  config.arms.forEach((arm, i) => {
    add(`arms[${i}].arguer`, arm.arguer);
    add(`arms[${i}].dishonestArguer`, arm.dishonestArguer);
  });
  return uses;
}

/** Throws, naming the config file and field, when an endpoint is undefined or its API key unset. */
export function checkModelEndpoints(
  llm: LlmConfig,
  uses: Array<{ field: string; endpoint: string }>,
  where: string,
) {
  for (const { field, endpoint } of uses) {
    try {
      resolveApiKey(endpoint, endpointConfig(llm, endpoint));
    } catch (error) {
      if ((error as Error).name !== 'LlmConfigError') throw error;
      throw new InputError(`${where}: ${field}: ${(error as Error).message}`, where);
    }
  }
}

export function preflight(loaded: LoadedConfig): void {
  checkQuestions(loaded);
  // Refused here, where the config is written, rather than only when the Discord bot starts.
  const discord = discordSetupProblems(loaded.config.chat);
  if (discord.length > 0)
    throw new InputError(
      `${loaded.file}: invalid input\n${discord.map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`,
      loaded.file,
    );
  checkModelEndpoints(loaded.config.llm, modelEndpoints(loaded.config), loaded.file);
}

/** The design warnings of a config, printed to stderr; the run goes ahead. */
export function printDesignWarnings(loaded: LoadedConfig): void {
  for (const warning of designWarnings(loaded.input, loaded.questions.length))
    console.error(`warning: ${loaded.file}: ${warning.field}: ${warning.message}`);
}
