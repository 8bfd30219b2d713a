import { createRng, type Rng } from '@oversight/core';
import { ParticipantFailure } from '@oversight/runner';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';

/**
 * Retries with exponential backoff and seeded jitter on the failures that pass: 429, 408, 409,
 * 5xx, timeouts, connection errors and unreadable responses. A `retry-after-ms` or `retry-after`
 * header is honoured (capped). When the attempts run out the call fails with a ParticipantFailure
 * whose message the runner records as the trial's abort reason.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (the endpoint's `maxRetries`). */
  maxRetries: number;
  /** Backoff before retry k is up to baseDelayMs * 2^(k-1), capped at maxDelayMs, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest `retry-after` honoured; a server asking for longer is waited on this long. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_TIMING: Omit<RetryPolicy, 'maxRetries'> = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

/** What went wrong with one attempt, in words fit for an abort reason. */
export interface AttemptFailure {
  /** e.g. `429 rate limited`, `503 server error`, `timeout after 60000 ms`, `connection error`. */
  reason: string;
  retryable: boolean;
  /** From retry-after-ms / retry-after, when the server said. */
  retryAfterMs?: number;
}

/** A completion that arrived but cannot be read (no choices, no message). */
export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError';
}

/** Removes anything that looks like an API key from a message before it is logged or stored. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(sk|rk|pk)-[A-Za-z0-9_*-]{6,}/g, '$1-[redacted]')
    .replace(/(bearer\s+)[A-Za-z0-9._~+/-]{8,}=*/gi, '$1[redacted]');
}

function short(text: string, max = 160): string {
  const oneLine = redactSecrets(text).replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined,
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers.get('retry-after');
  if (after !== null && after.trim() !== '') {
    const seconds = Number(after);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return undefined;
}

const STATUS_WORDS: Record<number, string> = {
  400: 'bad request',
  401: 'unauthorized (check the API key)',
  403: 'forbidden',
  404: 'not found (check the model name and the endpoint baseURL)',
  408: 'request timeout',
  409: 'conflict',
  422: 'unprocessable request',
  429: 'rate limited',
};

export function classifyError(error: unknown, timeoutMs?: number): AttemptFailure {
  if (error instanceof APIConnectionTimeoutError) {
    return { reason: timeoutMs ? `timeout after ${timeoutMs} ms` : 'timeout', retryable: true };
  }
  if (error instanceof APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${short(cause.message, 80)}` : '';
    return { reason: `connection error${detail}`, retryable: true };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const words = STATUS_WORDS[status] ?? (status >= 500 ? 'server error' : 'error');
    const shouldRetry = error.headers?.get('x-should-retry');
    let retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    if (shouldRetry === 'true') retryable = true;
    if (shouldRetry === 'false') retryable = false;
    const message = (error.error as { message?: unknown } | undefined)?.message;
    const detail = !retryable && typeof message === 'string' ? `: ${short(message)}` : '';
    const retryAfterMs = parseRetryAfter(error.headers);
    return {
      reason: `${status} ${words}${detail}`,
      retryable,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  if (error instanceof SyntaxError || error instanceof MalformedResponseError) {
    return { reason: `malformed response (${short(error.message, 80)})`, retryable: true };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { reason: `unexpected error: ${short(message)}`, retryable: false };
}

/** Delay before retry number `retry` (1-based), with jitter drawn from `rng`. */
export function backoffDelay(retry: number, policy: RetryPolicy, rng: Rng, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) {
    const wanted = Math.min(retryAfterMs, policy.maxRetryAfterMs);
    // A little spread so that every caller told "1 second" does not come back in the same millisecond.
    return wanted * (1 + 0.2 * rng.next());
  }
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return cap * (0.5 + 0.5 * rng.next());
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  policy: RetryPolicy;
  /** Seeds the jitter, so a replayed run waits the same (modulo server behaviour). */
  seed: string;
  /** `model gpt-4o at endpoint default`: the subject of the failure message. */
  describe: string;
  timeoutMs?: number;
  /** Called after each failed attempt (for the call log). */
  onFailedAttempt?: (failure: AttemptFailure, attempt: number) => void | Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

export async function withRetries<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy } = options;
  const attempts = policy.maxRetries + 1;
  let rng: Rng | undefined;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (error instanceof ParticipantFailure) throw error;
      const failure = classifyError(error, options.timeoutMs);
      await options.onFailedAttempt?.(failure, n);
      if (!failure.retryable) {
        throw new ParticipantFailure(`${options.describe}: ${failure.reason} (not retried)`);
      }
      if (n >= attempts) {
        throw new ParticipantFailure(`${options.describe}: ${failure.reason} after ${n} attempts`);
      }
      rng ??= createRng(`${options.seed}/retry`);
      await (options.sleep ?? sleep)(backoffDelay(n, policy, rng, failure.retryAfterMs));
    }
  }
}
