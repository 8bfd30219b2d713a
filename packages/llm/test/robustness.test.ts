import { LlmConfigSchema, LlmSpecSchema } from '@oversight/core';
import { ParticipantFailure } from '@oversight/runner';
import { type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatService, LlmConfigError, llmParticipantFactory, MemoryLlmStore } from '../src/index.ts';

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function service(
  baseURL: string,
  endpoint: Record<string, unknown> = {},
  extra: { env?: NodeJS.ProcessEnv } = {},
) {
  const store = new MemoryLlmStore();
  const config = LlmConfigSchema.parse({
    endpoints: { default: { baseURL, maxRetries: 2, timeoutMs: 2000, ...endpoint } },
    prices: { m: { input: 3, output: 15 } },
  });
  const chat = new ChatService({
    store,
    config,
    experimentId: 'e',
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    env: {},
    ...extra,
  });
  return { chat, store };
}

const call = (variant = 'speech') => ({
  endpoint: 'default',
  model: 'm',
  messages: [{ role: 'user' as const, content: 'Say something.' }],
  temperature: 0,
  maxTokens: 50,
  seed: 'seed',
  variant,
  trialId: 't1',
  role: 'debater-a',
});

describe('calls against a faulty server', () => {
  it('waits as long as a 429 says before trying again', async () => {
    server = await startFakeOpenAI({ faultScript: ['429', 'ok'], faults: { retryAfterSeconds: 0.3 } });
    const { chat, store } = service(server.url);
    const result = await chat.complete(call());
    expect(result.content).toBeTruthy();
    const [first, second] = server.requests;
    expect(second!.receivedAt - first!.respondedAt!).toBeGreaterThanOrEqual(290);
    expect(store.calls.map((c) => [c.ok, c.error])).toEqual([
      [false, '429 rate limited'],
      [true, null],
    ]);
  });

  it('gives up on a server that hangs, after the timeout of each attempt', async () => {
    server = await startFakeOpenAI({ faultScript: ['hang', 'hang', 'hang'] });
    const { chat } = service(server.url, { timeoutMs: 150 });
    const started = Date.now();
    const failure = await chat.complete(call()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ParticipantFailure);
    expect((failure as Error).message).toBe(
      'model m at endpoint default: timeout after 150 ms after 3 attempts',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(server.stats().outcomes.hang).toBe(3);
  });

  it('retries a truncated response body and a 500', async () => {
    server = await startFakeOpenAI({ faultScript: ['malformed', '500', 'ok'] });
    const { chat, store } = service(server.url);
    const result = await chat.complete(call());
    expect(result.content).toBeTruthy();
    expect(store.calls.map((c) => c.error)).toEqual([
      expect.stringMatching(/^malformed response/),
      '500 server error',
      null,
    ]);
  });

  it('does not retry a request the server rejects as bad', async () => {
    server = await startFakeOpenAI({ script: [] }); // an exhausted script answers 500 with x-should-retry: false
    const { chat } = service(server.url);
    await expect(chat.complete(call())).rejects.toThrow(
      /^model m at endpoint default: 500 server error: .*\(not retried\)$/,
    );
    expect(server.stats().chatCompletions).toBe(1);
  });

  it('records tokens and cost, and caches: the second identical call makes no request', async () => {
    server = await startFakeOpenAI({ reply: () => 'hello there' });
    const { chat, store } = service(server.url);
    const first = await chat.complete(call());
    const second = await chat.complete(call());
    expect(second).toMatchObject({ content: first.content, cached: true });
    expect(server.stats().chatCompletions).toBe(1);
    const [paid, cached] = store.calls;
    const usage = server.stats();
    expect(paid).toMatchObject({
      ok: true,
      cached: false,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
    });
    expect(paid!.costUsd).toBeCloseTo((usage.promptTokens * 3 + usage.completionTokens * 15) / 1e6);
    expect(cached).toMatchObject({ cached: true, costUsd: 0 });
    // A different variant (another candidate, say) is another request.
    await chat.complete(call('candidate-2'));
    expect(server.stats().chatCompletions).toBe(2);
  });

  it('sends the key from the named variable and stores it nowhere', async () => {
    server = await startFakeOpenAI();
    const { chat, store } = service(
      server.url,
      { apiKeyEnv: 'TEST_LLM_API_KEY' },
      { env: { TEST_LLM_API_KEY: 'sk-test-secret-123456' } },
    );
    await chat.complete(call());
    const everything = JSON.stringify([[...store.cache.values()], store.calls]);
    expect(everything).not.toContain('sk-test-secret');
    // The fake never records authorization headers; the request reached it, so the key was accepted.
    expect(server.requests).toHaveLength(1);
  });
});

describe('where a key goes', () => {
  it('names the host a key is sent to, before the first request to it, once per process', async () => {
    const happened: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      happened.push(`said: ${String(chunk).trim()}`);
      return true;
    });
    // No traffic leaves the machine: the HTTP client is replaced, and records when it was asked.
    const fetch = (async (url: string | URL | Request) => {
      happened.push(`request: ${new URL(String(url instanceof Request ? url.url : url)).host}`);
      return new Response(
        JSON.stringify({
          id: 'c',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      );
    }) as typeof globalThis.fetch;
    try {
      const store = new MemoryLlmStore();
      const config = LlmConfigSchema.parse({
        endpoints: { hosted: { baseURL: 'https://models.example.org/v1', apiKeyEnv: 'EXAMPLE_ORG_API_KEY' } },
      });
      const chat = new ChatService({
        store,
        config,
        experimentId: 'e',
        env: { EXAMPLE_ORG_API_KEY: 'sk-example-secret' },
        fetch,
      });
      await chat.complete({ ...call(), endpoint: 'hosted' });
      await chat.complete({ ...call('second'), endpoint: 'hosted' });
    } finally {
      stderr.mockRestore();
    }
    expect(happened).toEqual([
      'said: model endpoint "hosted": the API key in EXAMPLE_ORG_API_KEY will be sent to models.example.org (https://models.example.org/v1)',
      'request: models.example.org',
      'request: models.example.org',
    ]);
    expect(happened.join('\n')).not.toContain('sk-example-secret');
  });

  it('a config may name only model API key variables, never the project’s own secrets', () => {
    const endpoint = (apiKeyEnv: string) =>
      LlmConfigSchema.safeParse({ endpoints: { x: { baseURL: 'https://evil.example/v1', apiKeyEnv } } });
    for (const own of [
      'DISCORD_TOKEN',
      'SLACK_BOT_TOKEN',
      'DATABASE_URL',
      'SLACK_API_KEY',
      'OVERSIGHT_API_KEY',
    ])
      expect(endpoint(own).error?.issues[0]?.message, own).toMatch(/one of the project's own settings/);
    for (const other of ['HOME', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'openai_api_key'])
      expect(endpoint(other).error?.issues[0]?.message, other).toMatch(/only names ending in _API_KEY/);
    for (const fine of ['OPENAI_API_KEY', 'VLLM_API_KEY', 'TOGETHER_API_KEY', 'MY_LAB_2_API_KEY'])
      expect(endpoint(fine).success, fine).toBe(true);
  });
});

describe('set-up errors', () => {
  const record = (spec: Record<string, unknown>) => ({
    id: 'judge-1',
    label: 'judge',
    spec: LlmSpecSchema.parse({ kind: 'llm', model: 'gpt-x', ...spec }),
  });
  const context = { experimentId: 'e', config: undefined as never };

  it('names the missing key variable when a participant is created', () => {
    const factory = llmParticipantFactory({
      store: new MemoryLlmStore(),
      experimentId: 'e',
      env: {},
      config: LlmConfigSchema.parse({
        endpoints: { remote: { baseURL: 'https://api.example.com/v1', apiKeyEnv: 'REMOTE_API_KEY' } },
      }),
    });
    expect(() => factory(record({ endpoint: 'remote' }), context)).toThrow(LlmConfigError);
    expect(() => factory(record({ endpoint: 'remote' }), context)).toThrow(
      /set the environment variable REMOTE_API_KEY/,
    );
    expect(() => factory(record({ endpoint: 'nowhere' }), context)).toThrow(
      /no LLM endpoint named "nowhere"/,
    );
    expect(() => factory(record({ endpoint: 'default' }), context)).toThrow(/OPENAI_API_KEY/);
  });

  it('needs no key for a server on loopback', () => {
    const factory = llmParticipantFactory({
      store: new MemoryLlmStore(),
      experimentId: 'e',
      env: {},
      config: LlmConfigSchema.parse({ endpoints: { default: { baseURL: 'http://127.0.0.1:9/v1' } } }),
    });
    expect(factory(record({}), context).record.id).toBe('judge-1');
  });
});
