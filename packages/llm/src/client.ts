import { type LlmConfig, LlmEndpointSchema } from '@oversight/core';
import OpenAI from 'openai';
import type { z } from 'zod';

/**
 * One `openai` client per named endpoint. The key is read from the environment variable the
 * endpoint names (`apiKeyEnv`); it is never logged or stored. A local server on a loopback address
 * needs no key (the SDK still wants one, so a dummy is passed). The SDK's own retries are off: the
 * retry loop in retry.ts decides, with backoff and a call log.
 */

export type LlmEndpoint = z.infer<typeof LlmEndpointSchema>;

/** Used when a spec names `default` and the config defines no endpoint of that name. */
export const OPENAI_DEFAULT_ENDPOINT: LlmEndpoint = LlmEndpointSchema.parse({
  baseURL: 'https://api.openai.com/v1',
});

export class LlmConfigError extends Error {
  override name = 'LlmConfigError';
}

export function isLoopback(baseURL: string): boolean {
  let host: string;
  try {
    host = new URL(baseURL).hostname.toLowerCase();
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

/** The key for an endpoint, or a dummy for a loopback server; throws naming the variable when missing. */
export function resolveApiKey(
  name: string,
  endpoint: LlmEndpoint,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const key = env[endpoint.apiKeyEnv]?.trim();
  if (key) return key;
  if (isLoopback(endpoint.baseURL)) return 'not-needed';
  throw new LlmConfigError(
    `LLM endpoint "${name}" (${endpoint.baseURL}) needs an API key: set the environment variable ${endpoint.apiKeyEnv}` +
      ` (or change llm.endpoints.${name}.apiKeyEnv in the experiment config)`,
  );
}

export function endpointConfig(config: LlmConfig, name: string): LlmEndpoint {
  const endpoint = config.endpoints[name];
  if (endpoint) return endpoint;
  if (name === 'default') return OPENAI_DEFAULT_ENDPOINT;
  const known = Object.keys(config.endpoints);
  throw new LlmConfigError(
    `no LLM endpoint named "${name}": define llm.endpoints.${name} { "baseURL": ... } in the experiment config` +
      (known.length > 0 ? ` (defined: ${known.join(', ')})` : ''),
  );
}

export interface ClientOptions {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Where the line naming a key's destination goes (default stderr). */
  announce?: (line: string) => void;
}

/** (variable, host) pairs already announced by this process. */
const announced = new Set<string>();

/**
 * Says on stderr, once per process, which host the key in a variable is about to be sent to, when that
 * host is not this machine: the config chose both, and the person running it should see where their
 * key goes before it goes there. Loopback servers get no key (see resolveApiKey).
 */
export function announceKeyDestination(
  name: string,
  endpoint: LlmEndpoint,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): void {
  if (isLoopback(endpoint.baseURL)) return;
  let host: string;
  try {
    host = new URL(endpoint.baseURL).host;
  } catch {
    return;
  }
  const seen = `${endpoint.apiKeyEnv} ${host}`;
  if (announced.has(seen)) return;
  announced.add(seen);
  write(
    `model endpoint "${name}": the API key in ${endpoint.apiKeyEnv} will be sent to ${host} (${endpoint.baseURL})`,
  );
}

export function createClient(name: string, endpoint: LlmEndpoint, options: ClientOptions = {}): OpenAI {
  const apiKey = resolveApiKey(name, endpoint, options.env);
  announceKeyDestination(name, endpoint, options.announce);
  return new OpenAI({
    baseURL: endpoint.baseURL,
    apiKey,
    maxRetries: 0,
    timeout: endpoint.timeoutMs,
    // Not read from the environment: a config names everything an experiment talks to.
    organization: null,
    project: null,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
