import { createHash, randomUUID } from 'node:crypto';
import type { LlmConfig } from '@oversight/core';
import type OpenAI from 'openai';
import type { ResponseFormatJSONSchema } from 'openai/resources/shared';
import { cacheEnabled, cacheKey, endpointIdentity } from './cache.ts';
import { createClient, endpointConfig, type LlmEndpoint } from './client.ts';
import { costUsd, estimatePromptTokens, type TokenUsage } from './cost.ts';
import { type EndpointLimits, endpointLimits } from './limits.ts';
import { DEFAULT_RETRY_TIMING, MalformedResponseError, type RetryPolicy, withRetries } from './retry.ts';
import type { LlmCallRecord, LlmStore } from './store.ts';
import { nodeHttpFetch } from './transport.ts';

/**
 * Every model call goes through `ChatService.complete`: cache lookup, tokens-per-minute and
 * concurrency limits, the call with retries, then the cache write and the call log with its cost.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatCall {
  /** Endpoint name in the config's `llm.endpoints`. */
  endpoint: string;
  model: string;
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
  responseFormat?: ResponseFormatJSONSchema | undefined;
  /** The move's seed (from the runner); the API `seed` and the retry jitter derive from it. */
  seed: string;
  /** What this call is within the move: `speech`, `candidate-3`, `score-3`, `order-2`, `repair-1`... */
  variant: string;
  trialId: string | null;
  /** The role the call serves, for the call log. */
  role: string;
  /** Logs the call under this experiment instead of the service's. */
  experimentId?: string | undefined;
}

/** A completion as cached and returned. */
export interface Completion {
  content: string;
  refusal: string | null;
  finishReason: string | null;
  usage: TokenUsage;
}

export interface ChatResult extends Completion {
  cached: boolean;
  /** The cache key (also a stable id of the request). */
  key: string;
}

export interface ChatServiceOptions {
  store: LlmStore;
  config: LlmConfig;
  experimentId: string | null;
  /** The HTTP client under the openai SDK (default: `nodeHttpFetch()`, see transport.ts). */
  fetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
  /** Backoff timing (the number of retries comes from each endpoint's `maxRetries`). */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  sleep?: (ms: number) => Promise<void>;
}

interface Endpoint {
  name: string;
  config: LlmEndpoint;
  client: OpenAI;
  limits: EndpointLimits;
  identity: string;
  /** OpenAI's own API wants max_completion_tokens (newer models reject max_tokens); others max_tokens. */
  tokenField: 'max_tokens' | 'max_completion_tokens';
}

/** A 31-bit integer for the API's `seed`, from the move seed and the call variant. */
export function apiSeed(seed: string, variant: string): number {
  return createHash('sha256').update(`${seed}#${variant}`).digest().readUInt32BE(0) & 0x7fffffff;
}

function isCompletion(value: unknown): value is Completion {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Completion>;
  return typeof v.content === 'string' && typeof v.usage === 'object' && v.usage !== null;
}

function readCompletion(response: OpenAI.Chat.Completions.ChatCompletion, estimate: number): Completion {
  const choice = response?.choices?.[0];
  const message = choice?.message;
  if (!message || typeof message !== 'object')
    throw new MalformedResponseError('the completion has no message');
  const content = typeof message.content === 'string' ? message.content : '';
  const usage = response.usage;
  return {
    content,
    refusal: typeof message.refusal === 'string' && message.refusal ? message.refusal : null,
    finishReason: choice?.finish_reason ?? null,
    usage: {
      promptTokens: usage?.prompt_tokens ?? estimate,
      completionTokens: usage?.completion_tokens ?? Math.ceil(content.length / 4),
    },
  };
}

export class ChatService {
  private readonly endpoints = new Map<string, Endpoint>();
  readonly cacheOn: boolean;
  private readonly timing: Omit<RetryPolicy, 'maxRetries'>;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ChatServiceOptions) {
    this.cacheOn = cacheEnabled(options.config, options.env ?? process.env);
    this.timing = { ...DEFAULT_RETRY_TIMING, ...options.retry };
    this.fetch = options.fetch ?? nodeHttpFetch();
  }

  /** The endpoint by name, its client and limits created on first use (throws LlmConfigError). */
  endpoint(name: string): Endpoint {
    let endpoint = this.endpoints.get(name);
    if (!endpoint) {
      const config = endpointConfig(this.options.config, name);
      const clientOptions = { fetch: this.fetch, ...(this.options.env ? { env: this.options.env } : {}) };
      const identity = endpointIdentity(config.baseURL);
      endpoint = {
        name,
        config,
        client: createClient(name, config, clientOptions),
        limits: endpointLimits(config),
        identity,
        tokenField: /^https:\/\/api\.openai\.com\//.test(identity) ? 'max_completion_tokens' : 'max_tokens',
      };
      this.endpoints.set(name, endpoint);
    }
    return endpoint;
  }

  async complete(call: ChatCall): Promise<ChatResult> {
    const endpoint = this.endpoint(call.endpoint);
    const seed = apiSeed(call.seed, call.variant);
    const key = cacheKey({
      endpoint: endpoint.identity,
      model: call.model,
      messages: call.messages,
      temperature: call.temperature,
      max_tokens: call.maxTokens,
      response_format: call.responseFormat ?? null,
      seed,
      variant: call.variant,
    });
    const { store } = this.options;
    if (this.cacheOn) {
      const hit = await store.cacheGet(key);
      if (hit && isCompletion(hit.response)) {
        await store.recordCall(this.callRecord(call, { promptTokens: 0, completionTokens: 0 }, true, null));
        return { ...hit.response, cached: true, key };
      }
    }

    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming = {
      model: call.model,
      messages: call.messages,
      temperature: call.temperature,
      [endpoint.tokenField]: call.maxTokens,
      seed,
      ...(call.responseFormat ? { response_format: call.responseFormat } : {}),
    };
    const promptEstimate = estimatePromptTokens(call.messages);
    const estimate = promptEstimate + call.maxTokens;
    const { concurrency, tokens } = endpoint.limits;
    const completion = await withRetries(
      async () => {
        if (tokens) await tokens.take(estimate);
        let spent = 0;
        await concurrency.acquire();
        try {
          const result = readCompletion(await endpoint.client.chat.completions.create(body), promptEstimate);
          spent = result.usage.promptTokens + result.usage.completionTokens;
          return result;
        } finally {
          concurrency.release();
          // Failed attempts give their tokens back; successful ones correct the estimate.
          tokens?.refund(estimate - spent);
        }
      },
      {
        policy: { maxRetries: endpoint.config.maxRetries, ...this.timing },
        seed: `${call.seed}#${call.variant}`,
        describe: `model ${call.model} at endpoint ${endpoint.name}`,
        timeoutMs: endpoint.config.timeoutMs,
        onFailedAttempt: (failure) =>
          store.recordCall(
            this.callRecord(call, { promptTokens: 0, completionTokens: 0 }, false, failure.reason),
          ),
        ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
      },
    );

    await Promise.all([
      this.cacheOn
        ? store.cachePut({
            key,
            model: call.model,
            request: { endpoint: endpoint.identity, ...body, variant: call.variant },
            response: completion,
          })
        : undefined,
      store.recordCall(this.callRecord(call, completion.usage, false, null)),
    ]);
    return { ...completion, cached: false, key };
  }

  private callRecord(
    call: ChatCall,
    usage: TokenUsage,
    cached: boolean,
    error: string | null,
  ): LlmCallRecord {
    return {
      id: randomUUID(),
      experimentId: call.experimentId ?? this.options.experimentId,
      trialId: call.trialId,
      role: call.role,
      model: call.model,
      endpoint: call.endpoint,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: cached || error !== null ? 0 : costUsd(this.options.config.prices, call.model, usage),
      cached,
      ok: error === null,
      error,
    };
  }
}
