import { APIError } from 'openai';
import { createClient, type LlmEndpoint } from './client.ts';
import { classifyError } from './retry.ts';
import { nodeHttpFetch } from './transport.ts';

/**
 * One cheap request to an endpoint before an experiment is planned (its models list, which costs
 * nothing), so a server that is not running, a wrong baseURL or a refused key is said once, up front,
 * instead of by every trial after the plan was stored and each call had used up its retries.
 */

export interface ProbeOptions {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Longest wait for the answer (default: the endpoint's timeout, at most 15 s). */
  timeoutMs?: number;
}

export type ProbeResult =
  /** `models`: what the endpoint lists, or null when it has no models list (some servers do not). */
  { ok: true; models: string[] | null } | { ok: false; reason: string };

export async function probeEndpoint(
  name: string,
  endpoint: LlmEndpoint,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? Math.min(endpoint.timeoutMs, 15_000);
  const client = createClient(
    name,
    { ...endpoint, timeoutMs },
    { fetch: options.fetch ?? nodeHttpFetch(), ...(options.env ? { env: options.env } : {}) },
  );
  try {
    const page = await client.models.list();
    return { ok: true, models: page.data.map((m) => m.id) };
  } catch (error) {
    // The server answered, but keeps no list of models (or not at this path): it is there.
    if (error instanceof APIError && [404, 405, 501].includes(error.status as number))
      return { ok: true, models: null };
    const { reason } = classifyError(error, timeoutMs);
    if (error instanceof APIError && (error.status === 401 || error.status === 403))
      return { ok: false, reason: `it refused the key in ${endpoint.apiKeyEnv} (${reason})` };
    return { ok: false, reason };
  }
}
