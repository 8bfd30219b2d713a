import {
  designWarnings,
  discordSetupProblems,
  InputError,
  type LlmConfig,
  type ParticipantSpec,
} from '@oversight/core';
import { endpointConfig, probeEndpoint, resolveApiKey } from '@oversight/llm';
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

/** A model participant's use of an endpoint: the config field, the endpoint's name, the model asked for. */
export interface EndpointUse {
  field: string;
  endpoint: string;
  model?: string;
}

/** Every (field, endpoint name, model) a model participant of the config will call. */
function modelEndpoints(config: LoadedConfig['config']): EndpointUse[] {
  const uses: EndpointUse[] = [];
  const add = (field: string, spec: ParticipantSpec | undefined) => {
    if (spec?.kind !== 'llm') return;
    uses.push({ field: `${field}.endpoint`, endpoint: spec.endpoint, model: spec.model });
    const { induction } = spec;
    if (induction.method === 'model')
      uses.push({
        field: `${field}.induction.endpoint`,
        endpoint: induction.endpoint ?? spec.endpoint,
        model: induction.model,
      });
    if (induction.method === 'best-of-n')
      uses.push({
        field: `${field}.induction.judgeEndpoint`,
        endpoint: induction.judgeEndpoint ?? spec.endpoint,
        ...(induction.judgeModel ? { model: induction.judgeModel } : { model: spec.model }),
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
export function checkModelEndpoints(llm: LlmConfig, uses: EndpointUse[], where: string) {
  for (const { field, endpoint } of uses) {
    try {
      resolveApiKey(endpoint, endpointConfig(llm, endpoint));
    } catch (error) {
      if ((error as Error).name !== 'LlmConfigError') throw error;
      throw new InputError(`${where}: ${field}: ${(error as Error).message}`, where);
    }
  }
}

/**
 * Asks every endpoint the config's model participants use for its models list, once each, before
 * anything is planned: throws an InputError naming the endpoint, who uses it and what to do when one
 * does not answer or refuses the key; warns when it answers but does not list a model asked of it.
 */
export async function probeModelEndpoints(
  llm: LlmConfig,
  uses: EndpointUse[],
  where: string,
  options: { baseUrlField?: string; probe?: typeof probeEndpoint } = {},
): Promise<void> {
  const probe = options.probe ?? probeEndpoint;
  const byEndpoint = new Map<string, EndpointUse[]>();
  for (const use of uses) byEndpoint.set(use.endpoint, [...(byEndpoint.get(use.endpoint) ?? []), use]);
  const failures: string[] = [];
  await Promise.all(
    [...byEndpoint].map(async ([name, used]) => {
      const endpoint = endpointConfig(llm, name);
      const result = await probe(name, endpoint);
      const who = listSome(
        used.map((u) => u.field),
        3,
      );
      if (!result.ok) {
        const field =
          options.baseUrlField ??
          (llm.endpoints[name] ? `llm.endpoints.${name}.baseURL` : `llm.endpoints.${name}`);
        failures.push(
          `  - endpoint "${name}" at ${endpoint.baseURL} (used by ${who}): ${result.reason}. ` +
            (/refused the key/.test(result.reason)
              ? `Check the key in ${endpoint.apiKeyEnv}.`
              : `Start the server there, or correct ${field}.`),
        );
        return;
      }
      if (!result.models) return;
      const listed = result.models;
      for (const model of new Set(used.flatMap((u) => (u.model ? [u.model] : []))))
        if (!listed.includes(model))
          console.error(
            `warning: ${where}: endpoint "${name}" at ${endpoint.baseURL} does not list model "${model}"${didYouMean(model, listed)} ` +
              `(it lists ${listSome(listed, 6)}); if it does not serve it, every call to it will fail`,
          );
    }),
  );
  if (failures.length > 0)
    throw new InputError(
      `${where}: ${failures.length === 1 ? 'a model endpoint does' : 'model endpoints do'} not answer, so nothing was planned:\n${failures.sort().join('\n')}`,
      where,
    );
}

/** The endpoints (and models) the config's participants use, for probeModelEndpoints. */
export function endpointUses(loaded: LoadedConfig): EndpointUse[] {
  return modelEndpoints(loaded.config);
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
