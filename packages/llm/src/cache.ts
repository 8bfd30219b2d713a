import { createHash } from 'node:crypto';
import type { LlmConfig } from '@oversight/core';

/**
 * Content-addressed response cache. The key is a sha256 over the canonical JSON of everything that
 * determines a completion: the endpoint's base URL (without credentials), model, messages (by their
 * sha256, see `messagesDigest`), temperature, max_tokens, response_format, the seed and a variant
 * label (candidate index, judge order, repair step). The seed derives from the runner's per-move seed, so the same move in a
 * re-run or a replay finds the same entry and makes no model call.
 */

/** JSON with object keys sorted at every depth and `undefined` fields dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const SECRET_PARAM = /key|token|secret|signature|password|auth/i;

/** The base URL as part of a cache key: no user, password or credential-like query parameters. */
export function endpointIdentity(baseURL: string): string {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return baseURL;
  }
  url.username = '';
  url.password = '';
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAM.test(name)) url.searchParams.delete(name);
  return url.toString().replace(/\/+$/, '');
}

type Messages = ReadonlyArray<{ role: string; content: string }>;
const digests = new WeakMap<Messages, string>();

/**
 * sha256 (hex) of a conversation: each message's role and content, NUL-separated, hashed without
 * building a JSON copy of the (story-sized) text. Memoised per array, so the prompt hash recorded in
 * a move and the cache key share one pass over the text.
 */
export function messagesDigest(messages: Messages): string {
  let digest = digests.get(messages);
  if (digest === undefined) {
    const hash = createHash('sha256');
    for (const m of messages) hash.update(m.role).update('\0').update(m.content).update('\0');
    digest = hash.digest('hex');
    digests.set(messages, digest);
  }
  return digest;
}

/** The part of a chat request that decides its completion (what the key is computed from). */
export interface CacheKeyInput {
  endpoint: string;
  model: string;
  messages: Messages;
  temperature: number;
  max_tokens: number;
  response_format: unknown;
  seed: number;
  /** Distinguishes calls that share everything else: `candidate-2`, `order-2`, `repair-1`. */
  variant: string;
}

const canonicalFormats = new WeakMap<object, string>();

/** Canonical JSON of a response format; the few format objects are reused for every call, so memoised. */
function formatJson(format: unknown): string {
  if (format === null || typeof format !== 'object') return canonicalJson(format ?? null);
  let json = canonicalFormats.get(format);
  if (json === undefined) {
    json = canonicalJson(format);
    canonicalFormats.set(format, json);
  }
  return json;
}

/**
 * The key: sha256 of `<canonical JSON of the fields, messages replaced by their digest and
 * response_format left out>\n<canonical JSON of response_format>`.
 */
export function cacheKey(input: CacheKeyInput): string {
  const { messages, response_format: format, ...rest } = input;
  return sha256Hex(
    `${canonicalJson({ ...rest, messages: messagesDigest(messages) })}\n${formatJson(format)}`,
  );
}

/** The cache is on unless the config says `llm.cache: false` or `OVERSIGHT_LLM_CACHE=off`. */
export function cacheEnabled(
  config: Pick<LlmConfig, 'cache'>,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const flag = env.OVERSIGHT_LLM_CACHE?.trim().toLowerCase();
  if (flag === 'off' || flag === '0' || flag === 'false' || flag === 'no') return false;
  return config.cache;
}
