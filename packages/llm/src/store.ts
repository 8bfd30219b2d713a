/**
 * Where the LLM layer keeps its cache and its call log: a port, so unit tests use `MemoryLlmStore`
 * and the CLI the database's own repository (`databaseLlmStore(db)`).
 */
import type { Database, LlmCallInput } from '@oversight/db';

export interface LlmCacheEntry {
  /** Content address of the request (see cache.ts). */
  key: string;
  model: string;
  /** The request as sent, without credentials. */
  request: unknown;
  /** The completion as received (see `CachedCompletion` in chat.ts). */
  response: unknown;
}

/**
 * One model call, or one attempt at it that failed: the database's call row, with every field set.
 * `role` is the role the call served (`judge`, `debater-a`, …, suffixed for induction steps);
 * `endpoint` is the endpoint's name from the config, never its key.
 */
export type LlmCallRecord = Required<Omit<LlmCallInput, 'createdAt'>>;

export interface LlmStore {
  cacheGet(key: string): Promise<{ response: unknown } | null>;
  /** A second put of the same key keeps the first. */
  cachePut(entry: LlmCacheEntry): Promise<void>;
  recordCall(call: LlmCallRecord): Promise<void>;
}

export interface LlmTotals {
  calls: number;
  cachedCalls: number;
  failedCalls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** A store in memory, for tests, dry runs and benchmarks. */
export class MemoryLlmStore implements LlmStore {
  readonly cache = new Map<string, LlmCacheEntry>();
  readonly calls: LlmCallRecord[] = [];

  async cacheGet(key: string): Promise<{ response: unknown } | null> {
    return this.cache.get(key) ?? null;
  }

  async cachePut(entry: LlmCacheEntry): Promise<void> {
    if (!this.cache.has(entry.key)) this.cache.set(entry.key, entry);
  }

  async recordCall(call: LlmCallRecord): Promise<void> {
    this.calls.push(call);
  }

  totals(filter: (call: LlmCallRecord) => boolean = () => true): LlmTotals {
    const totals: LlmTotals = {
      calls: 0,
      cachedCalls: 0,
      failedCalls: 0,
      promptTokens: 0,
      completionTokens: 0,
      costUsd: 0,
    };
    for (const call of this.calls) {
      if (!filter(call)) continue;
      totals.calls += 1;
      if (call.cached) totals.cachedCalls += 1;
      if (!call.ok) totals.failedCalls += 1;
      totals.promptTokens += call.promptTokens;
      totals.completionTokens += call.completionTokens;
      totals.costUsd += call.costUsd;
    }
    return totals;
  }
}

/** The store over the project database: `db.llm` (tables LlmCache and LlmCall) is already one. */
export function databaseLlmStore(db: Pick<Database, 'llm'>): LlmStore {
  return db.llm;
}
