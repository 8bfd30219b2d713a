import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/fake-openai/prng.ts';
import {
  type ChatRequest,
  countAnswerOptions,
  createDefaultReplier,
  defaultReplier,
  drawFault,
  type FakeOpenAIOptions,
  type FakeOpenAIServer,
  fakeReply,
  makeDistribution,
  sampleJsonSchema,
  splitSentences,
  startFakeOpenAI,
} from '../src/index.ts';

const STORY =
  'Captain Reyes had never trusted the ship computer. When the alarms rang at midnight, she ran to the bridge alone. ' +
  'The navigator was already there, staring at a blank screen! Nobody had seen the cargo since the storm began.';

const JUDGE_SCHEMA = {
  type: 'object',
  properties: {
    probabilities: { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, minItems: 2 },
    answer: { type: 'integer', minimum: 0 },
    action: { type: 'string', enum: ['continue', 'end'] },
    rationale: { type: 'string' },
  },
  required: ['probabilities', 'answer', 'action', 'rationale'],
  additionalProperties: false,
} as const;

const judgeFormat = {
  type: 'json_schema',
  json_schema: { name: 'judge_decision', strict: true, schema: JUDGE_SCHEMA },
} as const;

const judgePrompt = `Question: Why did Reyes run to the bridge?
(A) The alarms rang
(B) She was hungry
(C) The navigator called her
(D) The storm ended
<story>${STORY}</story>
Give a probability for each answer.`;

let servers: FakeOpenAIServer[] = [];

async function start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAIServer> {
  const server = await startFakeOpenAI(options);
  servers.push(server);
  return server;
}

function client(server: FakeOpenAIServer, options: { maxRetries?: number; timeout?: number } = {}): OpenAI {
  return new OpenAI({
    baseURL: server.url,
    apiKey: 'test-key',
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeout ?? 5000,
  });
}

const userMessage = (content: string) => [{ role: 'user' as const, content }];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('fake OpenAI server with the openai SDK', () => {
  it('answers a normal completion in the real shape, with a quote from the story', async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const completion = await client(server).chat.completions.create({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'You are a debater.' },
        { role: 'user', content: `<story>${STORY}</story>\nArgue for answer A.` },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-test');
    expect(completion.id).toMatch(/^chatcmpl-/);
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message.role).toBe('assistant');
    expect(choice?.message.refusal).toBeNull();
    const content = choice?.message.content ?? '';
    const quote = /<quote>(.*?)<\/quote>/.exec(content)?.[1];
    expect(quote).toBeDefined();
    expect(STORY.includes(quote ?? '-')).toBe(true);
    expect(completion.usage?.completion_tokens).toBe(Math.ceil(content.length / 4));
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );

    // Logged, without the api key.
    expect(server.requests).toHaveLength(1);
    const logged = server.requests[0];
    expect(logged?.fault).toBe('ok');
    expect(logged?.status).toBe(200);
    expect((logged?.body as ChatRequest | undefined)?.model).toBe('gpt-test');
    expect(logged?.headers.authorization).toBeUndefined();
    expect(JSON.stringify(server.requests)).not.toContain('test-key');
    expect(server.stats().outcomes.ok).toBe(1);
    expect(server.stats().promptTokens).toBe(completion.usage?.prompt_tokens);
  });

  it('gives the same reply to the same request', async () => {
    const server = await start();
    const openai = client(server);
    const ask = () =>
      openai.chat.completions.create({ model: 'm', messages: userMessage(`<story>${STORY}</story> argue`) });
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(a.choices[0]?.message.content).toBe(b.choices[0]?.message.content);
  });

  it('answers a json_schema request with an object matching a judge schema', async () => {
    const server = await start();
    const completion = await client(server).chat.completions.parse({
      model: 'judge',
      messages: userMessage(judgePrompt),
      response_format: judgeFormat,
    });
    const decision = completion.choices[0]?.message.parsed as unknown as {
      probabilities: number[];
      answer: number;
      action: string;
      rationale: string;
    };
    expect(decision.probabilities).toHaveLength(4); // four options listed in the prompt
    expect(decision.probabilities.reduce((a, b) => a + b, 0)).toBe(1);
    for (const p of decision.probabilities) expect(p).toBeGreaterThan(0);
    expect(decision.answer).toBe(decision.probabilities.indexOf(Math.max(...decision.probabilities)));
    expect(['continue', 'end']).toContain(decision.action);
    expect(decision.rationale.length).toBeGreaterThan(10);
  });

  it('serialises an object returned by a reply function', async () => {
    const server = await start({
      reply: (request, ctx) => ({ echo: request.messages.length, call: ctx.callIndex }),
    });
    const completion = await client(server).chat.completions.create({
      model: 'm',
      messages: userMessage('hi'),
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ echo: 1, call: 0 });
  });

  it('sends 429 with retry-after headers, and the SDK retries after the delay', async () => {
    const server = await start({ faultScript: ['429'], faults: { retryAfterSeconds: 0.3 } });

    const started = Date.now();
    const completion = await client(server, { maxRetries: 2 }).chat.completions.create({
      model: 'm',
      messages: userMessage('hello'),
    });
    const elapsed = Date.now() - started;
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(server.requests.map((r) => r.fault)).toEqual(['429', 'ok']);
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1500);

    server.reset();
    const error = await client(server)
      .chat.completions.create({ model: 'm', messages: userMessage('hello') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers?.get('retry-after')).toBe('0.3');
    expect(rateLimit.headers?.get('retry-after-ms')).toBe('300');
    expect(rateLimit.code).toBe('rate_limit_exceeded');
  });

  it('sends 500 with an OpenAI-style error', async () => {
    const server = await start({ faultScript: ['500'] });
    const error = await client(server)
      .chat.completions.create({ model: 'm', messages: userMessage('hello') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');
  });

  it('hangs until the client times out, then frees the request', async () => {
    const server = await start({ faultScript: ['hang'] });
    const started = Date.now();
    const error = await client(server, { timeout: 300 })
      .chat.completions.create({ model: 'm', messages: userMessage('hello') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    await expect.poll(() => server.stats().inFlight).toBe(0);
    expect(server.stats().clientAborted).toBe(1);
    expect(server.requests[0]?.outcome).toBe('hang');
    expect(server.requests[0]?.clientAborted).toBe(true);
  });

  it('close() ends hanging requests', async () => {
    const server = await start({ faults: { rateHang: 1 } });
    const pending = client(server, { timeout: 10_000 })
      .chat.completions.create({ model: 'm', messages: userMessage('hello') })
      .catch((e: unknown) => e);
    await expect.poll(() => server.stats().inFlight).toBe(1);
    const started = Date.now();
    await server.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('returns a truncated body for malformed, which the SDK cannot parse', async () => {
    const server = await start({ faultScript: ['malformed'] });
    const error = await client(server)
      .chat.completions.create({ model: 'm', messages: userMessage('hello') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/JSON/);
    expect(server.requests[0]?.status).toBe(200);
  });

  it('returns valid completions with broken JSON content for badContent', async () => {
    const server = await start({ faultScript: ['badContent', 'badContent'] });
    const openai = client(server);
    const bad = await openai.chat.completions.create({
      model: 'm',
      messages: userMessage(judgePrompt),
      response_format: judgeFormat,
    });
    const content = bad.choices[0]?.message.content ?? '';
    expect(content.length).toBeGreaterThan(0);
    expect(() => JSON.parse(content)).toThrow();
    // Not applied to text requests.
    const text = await openai.chat.completions.create({ model: 'm', messages: userMessage('hello') });
    expect(text.choices[0]?.message.content).toBeTruthy();
    expect(server.requests.map((r) => r.fault)).toEqual(['badContent', 'ok']);
    // The retry gets a good reply.
    const good = await openai.chat.completions.create({
      model: 'm',
      messages: userMessage(judgePrompt),
      response_format: judgeFormat,
    });
    expect(JSON.parse(good.choices[0]?.message.content ?? '').probabilities).toHaveLength(4);
  });

  it.each(['prose', 'fenced', 'schema-mismatch'] as const)('badContent kind %s', async (kind) => {
    const server = await start({ faults: { rateBadContent: 1, badContent: kind } });
    const completion = await client(server).chat.completions.create({
      model: 'm',
      messages: userMessage(judgePrompt),
      response_format: judgeFormat,
    });
    const content = completion.choices[0]?.message.content ?? '';
    if (kind === 'schema-mismatch') expect(JSON.parse(content)).toEqual({ error: 'I cannot decide' });
    else expect(() => JSON.parse(content)).toThrow();
  });

  it('honours latency concurrently (about latency, not latency × n)', async () => {
    const server = await start({ latencyMs: 200 });
    const openai = client(server);
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        openai.chat.completions.create({ model: 'm', messages: userMessage(`request ${i}`) }),
      ),
    );
    const elapsed = Date.now() - started;
    expect(results).toHaveLength(32);
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(800);
    expect(server.stats().maxInFlight).toBe(32);
    expect(server.stats().inFlight).toBe(0);
  });

  it('uses a latency function per request', async () => {
    const server = await start({ latency: ({ callIndex }) => (callIndex === 0 ? 300 : 0) });
    const openai = client(server);
    const started = Date.now();
    await openai.chat.completions.create({ model: 'm', messages: userMessage('slow') });
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
    const second = Date.now();
    await openai.chat.completions.create({ model: 'm', messages: userMessage('fast') });
    expect(Date.now() - second).toBeLessThan(150);
  });

  it('draws the same faults for the same seed', async () => {
    const faults = { rate429: 0.2, rate500: 0.1, rateMalformed: 0.1, seed: 42 };
    const draws = (seed: number) =>
      Array.from({ length: 200 }, (_, i) => drawFault({ ...faults, seed }, i)).join(',');
    expect(draws(42)).toBe(draws(42));
    expect(draws(42)).not.toBe(draws(43));
    const many = Array.from({ length: 20_000 }, (_, i) => drawFault(faults, i));
    const share = (f: string) => many.filter((x) => x === f).length / many.length;
    expect(share('429')).toBeCloseTo(0.2, 1);
    expect(share('500')).toBeCloseTo(0.1, 1);
    expect(share('malformed')).toBeCloseTo(0.1, 1);
    expect(share('ok')).toBeCloseTo(0.6, 1);

    // Two servers with the same seed fault the same call indices.
    const seen: string[] = [];
    for (let run = 0; run < 2; run++) {
      const server = await start({ faults: { rate429: 0.3, rate500: 0.3, seed: 7 } });
      const openai = client(server);
      for (let i = 0; i < 12; i++) {
        await openai.chat.completions
          .create({ model: 'm', messages: userMessage('x') })
          .catch(() => undefined);
      }
      seen.push(server.requests.map((r) => r.fault).join(','));
      const expected = Array.from({ length: 12 }, (_, i) =>
        drawFault({ rate429: 0.3, rate500: 0.3, seed: 7 }, i),
      );
      expect(server.requests.map((r) => r.fault)).toEqual(expected);
    }
    expect(seen[0]).toBe(seen[1]);
  });

  it('consumes a script in order; a faulted call does not consume it', async () => {
    const server = await start({
      script: ['first', { n: 2 }, fakeReply({ content: 'cut', finishReason: 'length' })],
      faultScript: ['ok', '500', 'ok', 'ok'],
    });
    const openai = client(server);
    const ask = () => openai.chat.completions.create({ model: 'm', messages: userMessage('x') });
    expect((await ask()).choices[0]?.message.content).toBe('first');
    await expect(ask()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect((await ask()).choices[0]?.message.content).toBe('{"n":2}');
    const third = await ask();
    expect(third.choices[0]?.finish_reason).toBe('length');
    const exhausted = await ask().catch((e: unknown) => e);
    expect(exhausted).toBeInstanceOf(OpenAI.InternalServerError);
    expect(String(exhausted)).toMatch(/script exhausted/);
    expect(server.stats().outcomes.error).toBe(1);
  });

  it('reports an error thrown by the reply function as a non-retryable 500', async () => {
    const server = await start({
      reply: () => {
        throw new Error('boom');
      },
    });
    const error = await client(server, { maxRetries: 3 })
      .chat.completions.create({ model: 'm', messages: userMessage('x') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(String(error)).toMatch(/boom/);
    expect(server.requests).toHaveLength(1); // x-should-retry: false
    expect(server.requests[0]?.error).toBe('boom');
  });

  it('streams a completion', async () => {
    const server = await start({ script: ['Hello from the fake server, streamed in a few pieces of text.'] });
    const stream = await client(server).chat.completions.create({
      model: 'm',
      messages: userMessage('x'),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage.total_tokens;
    }
    expect(text).toBe('Hello from the fake server, streamed in a few pieces of text.');
    expect(usage).toBeGreaterThan(0);
  });

  it('lists models, and answers unknown routes and bad bodies with OpenAI-style errors', async () => {
    const server = await start({ models: ['judge-small', 'debater-large'] });
    const models = await client(server).models.list();
    expect(models.data.map((m) => m.id)).toEqual(['judge-small', 'debater-large']);
    expect((await client(server).models.retrieve('judge-small')).id).toBe('judge-small');

    const notFound = await fetch(`${server.url}/embeddingz`, { method: 'POST', body: '{}' });
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: { message: string } }).error.message).toMatch(/Invalid URL/);

    const bad = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('reset() clears the log and indices; configure() changes options on the fly', async () => {
    const server = await start({ script: ['a', 'b'] });
    const openai = client(server);
    const ask = () => openai.chat.completions.create({ model: 'm', messages: userMessage('x') });
    expect((await ask()).choices[0]?.message.content).toBe('a');
    server.reset();
    expect(server.requests).toHaveLength(0);
    expect(server.stats().chatCompletions).toBe(0);
    expect((await ask()).choices[0]?.message.content).toBe('a');
    server.configure({ faultScript: ['500'], script: undefined });
    server.reset();
    await expect(ask()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect((await ask()).choices[0]?.message.content).toBeTruthy(); // default replier
  });
});

describe('default replier', () => {
  const request = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
    model: 'm',
    messages: [{ role: 'user', content }],
    ...extra,
  });

  it('quotes verbatim sentences of the story, deterministically', async () => {
    const replier = createDefaultReplier({ quotes: 2 });
    const req = request(`Argue.\n<story>${STORY}</story>`);
    const a = await replier(req, { callIndex: 0, replyIndex: 0 });
    const b = await replier(req, { callIndex: 5, replyIndex: 3 });
    expect(a).toBe(b);
    const quotes = [...String(a).matchAll(/<quote>(.*?)<\/quote>/g)].map((m) => m[1] ?? '');
    expect(quotes).toHaveLength(2);
    for (const q of quotes) expect(STORY).toContain(q);
    expect(await defaultReplier(request('no story here'), { callIndex: 0, replyIndex: 0 })).not.toContain(
      '<quote>',
    );
  });

  it('splits sentences and counts listed answers', () => {
    expect(splitSentences(STORY)).toHaveLength(4);
    expect(countAnswerOptions('Q?\n(A) x\n(B) y\n(C) z')).toBe(3);
    expect(countAnswerOptions('Q?\nA: x\nB: y')).toBe(2);
    expect(countAnswerOptions('Answer 1: x\nAnswer 2: y')).toBe(2);
    expect(countAnswerOptions('no options')).toBeUndefined();
  });

  it('makes distributions that sum to exactly 1', () => {
    const rng = mulberry32(1);
    for (let n = 2; n <= 12; n++) {
      const d = makeDistribution(rng, n);
      expect(d).toHaveLength(n);
      expect(d.reduce((a, b) => a + b, 0)).toBe(1);
      expect(Math.min(...d)).toBeGreaterThan(0);
    }
  });

  it('samples schemas: refs, unions, nullable, records and object distributions', () => {
    const schema = {
      type: 'object',
      $defs: { Belief: { type: 'object', properties: { A: { type: 'number' }, B: { type: 'number' } } } },
      properties: {
        credences: { $ref: '#/$defs/Belief' },
        beliefs: { type: 'object', properties: {}, additionalProperties: { type: 'number' } },
        note: { type: ['string', 'null'] },
        mode: { anyOf: [{ type: 'null' }, { type: 'string', const: 'x' }] },
        count: { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 },
        confidence: { type: 'number', minimum: 0, maximum: 1 },
        scores: {
          type: 'array',
          items: { type: 'integer', minimum: 3, maximum: 5 },
          minItems: 3,
          maxItems: 3,
        },
        answerProbabilities: {
          type: 'array',
          minItems: 3,
          maxItems: 3,
          items: {
            type: 'object',
            properties: { label: { type: 'string' }, probability: { type: 'number' } },
          },
        },
      },
    };
    const value = sampleJsonSchema(schema, { rng: mulberry32(9) }) as Record<string, unknown>;
    const credences = value.credences as Record<string, number>;
    expect(Object.keys(credences)).toEqual(['A', 'B']);
    expect((credences.A ?? 0) + (credences.B ?? 0)).toBe(1);
    expect(typeof value.note).toBe('string');
    expect(value.mode).toBe('x');
    expect(Number.isInteger(value.count)).toBe(true);
    expect(Math.abs(value.count as number)).toBeLessThanOrEqual(10);
    expect(value.confidence as number).toBeGreaterThanOrEqual(0);
    expect(value.confidence as number).toBeLessThanOrEqual(1);
    expect(value.scores).toHaveLength(3);
    for (const s of value.scores as number[]) expect(s >= 3 && s <= 5).toBe(true);
    const list = value.answerProbabilities as Array<{ label: string; probability: number }>;
    expect(list.map((x) => x.label)).toEqual(['A', 'B', 'C']);
    expect(list.reduce((a, x) => a + x.probability, 0)).toBe(1);
    expect(Object.values(value.beliefs as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('answers json_object requests without a schema with probabilities and a rationale', async () => {
    const value = (await defaultReplier(request(judgePrompt, { response_format: { type: 'json_object' } }), {
      callIndex: 0,
      replyIndex: 0,
    })) as { probabilities: number[]; rationale: string };
    expect(value.probabilities).toHaveLength(4);
    expect(value.probabilities.reduce((a, b) => a + b, 0)).toBe(1);
    expect(typeof value.rationale).toBe('string');
  });
});
