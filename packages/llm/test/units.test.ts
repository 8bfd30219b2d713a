import { quotedLength, visibleLength } from '@oversight/core';
import { APIConnectionTimeoutError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import {
  cacheEnabled,
  cacheKey,
  canonicalJson,
  classifyError,
  costUsd,
  endpointIdentity,
  fitSpeech,
  isLoopback,
  LlmConfigError,
  parseJudgement,
  parseRetryAfter,
  redactSecrets,
  renderTemplate,
  repairProbabilities,
  resolveApiKey,
  Semaphore,
  TemplateError,
  TokenBucket,
  toMessages,
  withRetries,
} from '../src/index.ts';

describe('templates', () => {
  it('fills variables, keeps or drops sections, and never re-scans inserted values', () => {
    const template = '{{! note }}Hello {{name}}.{{#loud}} LOUD{{/loud}}{{^loud}} quiet{{/loud}} {{story}}';
    expect(renderTemplate(template, { name: 'Ada', loud: false, story: '{{name}} stays' })).toBe(
      'Hello Ada. quiet {{name}} stays',
    );
    expect(renderTemplate(template, { name: 'Ada', loud: true, story: '' })).toBe('Hello Ada. LOUD ');
  });

  it('removes lines that hold only section tags', () => {
    const template = 'a\n{{#x}}\nb\n{{/x}}\nc\n';
    expect(renderTemplate(template, { x: true })).toBe('a\nb\nc\n');
    expect(renderTemplate(template, { x: false })).toBe('a\nc\n');
  });

  it('fails on an unknown variable, naming it', () => {
    expect(() => renderTemplate('{{nmae}}', { name: 'x' }, 'judge.md')).toThrow(TemplateError);
    expect(() => renderTemplate('{{nmae}}', { name: 'x' }, 'judge.md')).toThrow(/judge\.md.*nmae/);
  });

  it('splits a rendered template into chat messages', () => {
    expect(toMessages('=== system ===\nbe brief\n=== user ===\nhi\n')).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
    ]);
    expect(toMessages('just text')).toEqual([{ role: 'user', content: 'just text' }]);
  });
});

describe('fitting speeches to the limits', () => {
  it('leaves a speech that fits alone', () => {
    expect(fitSpeech(' Short. <quote>abc def</quote> ', 100, 50)).toBe('Short. <quote>abc def</quote>');
  });

  it('cuts at a sentence end within the limit, without counting tags and without breaking a quote', () => {
    const text = `First point is here. <quote>${'word '.repeat(20).trim()}</quote> Second point follows here. ${'x'.repeat(200)}`;
    const out = fitSpeech(text, 160, null);
    expect(visibleLength(out)).toBeLessThanOrEqual(160);
    expect(out).toMatch(/Second point follows here\.$/);
    expect(out.match(/<quote>/g)?.length).toBe(out.match(/<\/quote>/g)?.length);
  });

  it('shortens quotes beyond the quote budget to a verbatim prefix, or drops them', () => {
    const text =
      'A <quote>one two three four five six seven eight</quote> and <quote>nine ten eleven twelve</quote>.';
    const out = fitSpeech(text, 1000, 20);
    expect(quotedLength(out)).toBeLessThanOrEqual(20);
    expect(out).toContain('<quote>one two three four</quote>');
    expect(out).not.toContain('nine');
  });
});

describe('judge output', () => {
  const turn = {
    kind: 'judge',
    round: 1,
    final: false,
    mayEnd: true,
    mayComment: true,
    mustComment: false,
    beliefsRequired: true,
  } as const;

  it('accepts a well-formed reply', () => {
    const parsed = parseJudgement(
      '{"rationale":"r","probabilities":[0.25,0.75],"end":false,"comment":"why?"}',
      2,
      turn,
    );
    expect(parsed).toEqual({
      ok: true,
      value: { probabilities: [0.25, 0.75], rationale: 'r', end: false, comment: 'why?' },
    });
  });

  it('repairs what is safe to repair', () => {
    expect(repairProbabilities([70, 30], 2)).toEqual([0.7, 0.3]);
    expect(repairProbabilities([0.62, 0.4], 2)).toEqual([0.62 / 1.02, 0.4 / 1.02]);
    expect(repairProbabilities(0.8, 2)).toEqual([0.8, 0.19999999999999996]);
    expect(repairProbabilities({ A: 0.4, B: 0.6 }, 2)).toEqual([0.4, 0.6]);
    expect(repairProbabilities([1.02, -0.02], 2)).toEqual([1, 0]);
    const fenced = parseJudgement('Sure! ```json\n{"rationale":"r","probabilities":[0.5,0.5]}\n```', 2, turn);
    expect(fenced.ok).toBe(true);
    expect(parseJudgement('Here: {"rationale":"r","probabilities":[0.5,0.5]} done', 2, turn).ok).toBe(true);
  });

  it('refuses what is not', () => {
    expect(repairProbabilities([0.9, 0.9], 2)).toMatch(/sum to 1/);
    expect(repairProbabilities([0.5, 0.3, 0.2], 2)).toMatch(/expected 2/);
    expect(repairProbabilities(['a', 1], 2)).toMatch(/numbers/);
    expect(parseJudgement('{"rationale":"r","probab', 2, turn)).toEqual({
      ok: false,
      error: 'the reply is not valid JSON',
    });
    expect(parseJudgement('{"error":"I cannot decide"}', 2, turn).ok).toBe(false);
    expect(
      parseJudgement('{"rationale":"r","probabilities":[0.5,0.5],"end":false}', 2, {
        ...turn,
        mustComment: true,
      }),
    ).toEqual({ ok: false, error: 'write your message to the assistant in "comment"' });
  });

  it('ignores end and comment when the turn does not allow them, and ends on the final turn', () => {
    const final = { ...turn, final: true };
    const parsed = parseJudgement(
      '{"rationale":"r","probabilities":[0.5,0.5],"end":false,"comment":"x"}',
      2,
      final,
    );
    expect(parsed).toMatchObject({ ok: true, value: { end: true, comment: null } });
    const noEnd = { ...turn, mayEnd: false, mayComment: false };
    expect(
      parseJudgement('{"rationale":"r","probabilities":[0.5,0.5],"end":true,"comment":"x"}', 2, noEnd),
    ).toMatchObject({
      ok: true,
      value: { end: false, comment: null },
    });
  });
});

describe('cache keys', () => {
  const base = {
    endpoint: 'http://127.0.0.1:1/v1',
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    temperature: 0.7,
    max_tokens: 100,
    response_format: null,
    seed: 42,
    variant: 'speech',
  };

  it('does not depend on key order, and changes with anything that changes the completion', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('{"a":[1,{"d":2}],"b":1}');
    const shuffled = Object.fromEntries(Object.entries(base).reverse()) as typeof base;
    expect(cacheKey(shuffled)).toBe(cacheKey(base));
    for (const change of [
      { seed: 43 },
      { variant: 'candidate-1' },
      { temperature: 0 },
      { model: 'n' },
      { max_tokens: 99 },
    ]) {
      expect(cacheKey({ ...base, ...change })).not.toBe(cacheKey(base));
    }
  });

  it('keeps credentials out of the endpoint part', () => {
    expect(endpointIdentity('https://user:secret@host.example/v1/?api-key=abc&api-version=2024')).toBe(
      'https://host.example/v1/?api-version=2024',
    );
    expect(endpointIdentity('http://127.0.0.1:8000/v1/')).toBe('http://127.0.0.1:8000/v1');
  });

  it('is switched off by the config or OVERSIGHT_LLM_CACHE=off', () => {
    expect(cacheEnabled({ cache: true }, {})).toBe(true);
    expect(cacheEnabled({ cache: false }, {})).toBe(false);
    expect(cacheEnabled({ cache: true }, { OVERSIGHT_LLM_CACHE: 'off' })).toBe(false);
  });
});

describe('API keys', () => {
  const endpoint = {
    baseURL: 'https://api.example.com/v1',
    apiKeyEnv: 'EXAMPLE_API_KEY',
    maxConcurrent: 4,
    timeoutMs: 1000,
    maxRetries: 1,
  };

  it('reads the key from the named variable', () => {
    expect(resolveApiKey('main', endpoint, { EXAMPLE_API_KEY: 'k-123' })).toBe('k-123');
  });

  it('needs none for a loopback server', () => {
    for (const url of ['http://127.0.0.1:8000/v1', 'http://localhost:11434/v1', 'http://[::1]:8080/v1']) {
      expect(isLoopback(url)).toBe(true);
      expect(resolveApiKey('local', { ...endpoint, baseURL: url }, {})).toBe('not-needed');
    }
    expect(isLoopback('https://api.openai.com/v1')).toBe(false);
  });

  it('names the variable when the key is missing', () => {
    expect(() => resolveApiKey('main', endpoint, {})).toThrow(LlmConfigError);
    expect(() => resolveApiKey('main', endpoint, {})).toThrow(/EXAMPLE_API_KEY/);
  });

  it('redacts key-like strings from messages', () => {
    expect(redactSecrets('Incorrect API key provided: sk-proj-abcdefghijkl1234.')).toBe(
      'Incorrect API key provided: sk-[redacted].',
    );
  });
});

describe('cost', () => {
  it('prices tokens per million, and unpriced models at 0', () => {
    const prices = { 'gpt-x': { input: 2.5, output: 10 } };
    expect(costUsd(prices, 'gpt-x', { promptTokens: 1_000_000, completionTokens: 100_000 })).toBeCloseTo(3.5);
    expect(costUsd(prices, 'other', { promptTokens: 1000, completionTokens: 1000 })).toBe(0);
  });
});

describe('limits', () => {
  it('a semaphore lets `capacity` through and hands slots over in order', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    await semaphore.acquire();
    await semaphore.acquire();
    const waiting = [1, 2, 3].map((i) => semaphore.acquire().then(() => order.push(i)));
    expect(semaphore.queued).toBe(3);
    semaphore.release();
    semaphore.release();
    semaphore.release();
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    expect(semaphore.inFlight).toBe(2);
  });

  it('a token bucket serves within the minute budget and makes the rest wait', async () => {
    let now = 0;
    const bucket = new TokenBucket(600, () => now); // 10 tokens per second
    await bucket.take(500);
    let served = false;
    const pending = bucket.take(200).then(() => {
      served = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(served).toBe(false);
    now = 10_000; // +100 tokens: 200 available
    bucket.refund(0);
    await pending;
    expect(served).toBe(true);
    expect(bucket.available).toBeCloseTo(0);
  });
});

describe('retries', () => {
  const headers = (h: Record<string, string>) => new Headers(h);

  it('classifies failures', () => {
    const rate = APIError.generate(
      429,
      { error: { message: 'slow down' } },
      undefined,
      headers({ 'retry-after': '2' }),
    );
    expect(classifyError(rate)).toEqual({ reason: '429 rate limited', retryable: true, retryAfterMs: 2000 });
    expect(classifyError(APIError.generate(503, undefined, undefined, headers({})))).toMatchObject({
      reason: '503 server error',
      retryable: true,
    });
    expect(
      classifyError(APIError.generate(400, { error: { message: 'bad field' } }, undefined, headers({}))),
    ).toEqual({
      reason: '400 bad request: bad field',
      retryable: false,
    });
    expect(classifyError(new APIConnectionTimeoutError(), 300)).toEqual({
      reason: 'timeout after 300 ms',
      retryable: true,
    });
    expect(classifyError(new SyntaxError('Unexpected end of JSON input')).retryable).toBe(true);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '150', 'retry-after': '1' }))).toBe(150);
  });

  it('waits as the server says, then gives up with a reason naming model, endpoint and attempts', async () => {
    const waits: number[] = [];
    const rate = APIError.generate(429, undefined, undefined, headers({ 'retry-after-ms': '1000' }));
    await expect(
      withRetries(
        async () => {
          throw rate;
        },
        {
          policy: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 100, maxRetryAfterMs: 5000 },
          seed: 's',
          describe: 'model gpt-x at endpoint default',
          sleep: async (ms) => {
            waits.push(ms);
          },
        },
      ),
    ).rejects.toThrow('model gpt-x at endpoint default: 429 rate limited after 3 attempts');
    expect(waits).toHaveLength(2);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(1000);
  });

  it('backs off exponentially with jitter that the seed fixes', async () => {
    const run = async (seed: string) => {
      const waits: number[] = [];
      let n = 0;
      await withRetries(
        async () => {
          if (++n < 4) throw APIError.generate(500, undefined, undefined, headers({}));
          return 'ok';
        },
        {
          policy: { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 10_000, maxRetryAfterMs: 5000 },
          seed,
          describe: 'm',
          sleep: async (ms) => {
            waits.push(ms);
          },
        },
      );
      return waits;
    };
    const waits = await run('a');
    expect(waits).toHaveLength(3);
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(50 * 2 ** i);
      expect(w).toBeLessThanOrEqual(100 * 2 ** i);
    });
    expect(await run('a')).toEqual(waits);
    expect(await run('b')).not.toEqual(waits);
  });
});
