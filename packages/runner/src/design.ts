import { createHash } from 'node:crypto';
import type { ExperimentConfig } from '@oversight/core';
import { canonicalJson } from './experiment.ts';

/**
 * What an experiment is, as opposed to how it runs. A config may change how it runs (an endpoint's
 * URL, key variable, timeouts and retries, prices, the cache, concurrency, the description, the chat
 * apps' settings, the consent wording, the survey, what may be exported as training data) and stay
 * the same experiment, so a fixed endpoint lets aborted trials be tried again; anything else (arms,
 * questions, participants and their models, seed, reward) is its design, and changing it needs a new
 * experiment name.
 */
export function designOf(config: ExperimentConfig): unknown {
  const {
    description: _d,
    concurrency: _c,
    chat: _chat,
    consent: _consent,
    survey: _survey,
    export: _export,
    llm,
    ...design
  } = config;
  return { ...design, llmEndpoints: Object.keys(llm.endpoints).sort() };
}

export function designHash(config: ExperimentConfig): string {
  return createHash('sha256')
    .update(canonicalJson(designOf(config)))
    .digest('hex');
}

/** The top-level fields whose design differs between two configs, for the message refusing the change. */
export function designDifferences(a: ExperimentConfig, b: ExperimentConfig): string[] {
  const x = designOf(a) as Record<string, unknown>;
  const y = designOf(b) as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])]
    .filter((k) => canonicalJson(x[k]) !== canonicalJson(y[k]))
    .sort();
}
