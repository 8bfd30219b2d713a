import type { LlmConfig } from '@oversight/core';

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** USD for one call from the config's price table (USD per million input/output tokens); 0 when unpriced. */
export function costUsd(prices: LlmConfig['prices'], model: string, usage: TokenUsage): number {
  const price = prices[model];
  if (!price) return 0;
  return (usage.promptTokens * price.input + usage.completionTokens * price.output) / 1_000_000;
}

/** Rough token count before a call (4 characters a token), for the tokens-per-minute limiter. */
export function estimatePromptTokens(messages: ReadonlyArray<{ content: string }>): number {
  let chars = 0;
  for (const m of messages) chars += m.content.length + 8;
  return Math.ceil(chars / 4);
}
