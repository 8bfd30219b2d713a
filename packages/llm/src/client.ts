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
}

export function createClient(name: string, endpoint: LlmEndpoint, options: ClientOptions = {}): OpenAI {
  return new OpenAI({
    baseURL: endpoint.baseURL,
    apiKey: resolveApiKey(name, endpoint, options.env),
    maxRetries: 0,
    timeout: endpoint.timeoutMs,
    // Not read from the environment: a config names everything an experiment talks to.
    organization: null,
    project: null,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
