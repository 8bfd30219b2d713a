import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { defaultReplier, estimateTokens, promptText } from './default-replier.ts';
import { drawFault, validateFaults } from './faults.ts';
import {
  type BadContentKind,
  type ChatRequest,
  type FakeOpenAIOptions,
  type FakeOpenAIOptionsPatch,
  type FakeOpenAIServer,
  type FakeOpenAIStats,
  FakeReply,
  type Fault,
  type FinishReason,
  type Outcome,
  type RecordedRequest,
  type ReplyContext,
  type ReplyValue,
  type Usage,
} from './types.ts';

/** Headers never recorded (credentials). */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'api-key',
  'x-api-key',
  'openai-api-key',
  'cookie',
  'set-cookie',
]);
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_MAX_RECORDED = 10_000;
const OUTCOMES: readonly Outcome[] = [
  'ok',
  '429',
  '500',
  'hang',
  'malformed',
  'badContent',
  'error',
  'badRequest',
  'notFound',
  'models',
];

type MutableOptions = Omit<FakeOpenAIOptions, 'port' | 'host'>;

interface Completion {
  content: string | null;
  refusal: string | null;
  finishReason: FinishReason;
  usage: Usage;
}

class ReplyError extends Error {}

/**
 * Starts a local OpenAI-compatible server (Chat Completions and Models) for tests and benchmarks.
 * Point the `openai` client at it with `new OpenAI({ baseURL: server.url, apiKey: 'test-key' })`.
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAIServer> {
  validateFaults(options.faults);
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  const fake = new FakeOpenAI(rest);
  await fake.listen(port, host);
  return fake;
}

function emptyStats(inFlight: number): FakeOpenAIStats {
  return {
    requests: 0,
    chatCompletions: 0,
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>,
    clientAborted: 0,
    inFlight,
    maxInFlight: inFlight,
    promptTokens: 0,
    completionTokens: 0,
  };
}

function errorBody(message: string, type: string, code: string | null, param: string | null = null): object {
  return { error: { message, type, param, code } };
}

function wantsJson(request: ChatRequest): boolean {
  const type = request.response_format?.type;
  return type === 'json_schema' || type === 'json_object';
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Breaks the content of a JSON reply the way a misbehaving model would. */
export function corruptContent(content: string, kind: BadContentKind): string {
  switch (kind) {
    case 'prose':
      return `Sure! Here is my decision: ${content}`;
    case 'fenced':
      return `\`\`\`json\n${content}\n\`\`\``;
    case 'schema-mismatch':
      return JSON.stringify({ error: 'I cannot decide' });
    default: {
      const truncated = content.slice(0, Math.max(1, Math.floor(content.length / 2)));
      return isValidJson(truncated) ? `{${truncated}` : truncated;
    }
  }
}

function redactHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || SECRET_HEADERS.has(name.toLowerCase())) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('client closed the request'));
    });
  });
}

/** Checks the fields the fake relies on; returns an error message or undefined. */
function checkChatRequest(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'The body must be a JSON object.';
  const { model, messages, response_format: format } = body as Record<string, unknown>;
  if (typeof model !== 'string' || model === '') return "Missing required parameter: 'model'.";
  if (!Array.isArray(messages) || messages.length === 0) return "Missing required parameter: 'messages'.";
  for (const message of messages) {
    if (
      typeof message !== 'object' ||
      message === null ||
      typeof (message as { role?: unknown }).role !== 'string'
    ) {
      return "Invalid 'messages': each message must be an object with a 'role'.";
    }
  }
  if (format !== undefined && format !== null) {
    const type = (format as { type?: unknown }).type;
    if (type !== 'text' && type !== 'json_object' && type !== 'json_schema') {
      return "Invalid 'response_format.type'.";
    }
    if (type === 'json_schema') {
      const spec = (format as { json_schema?: unknown }).json_schema;
      if (
        typeof spec !== 'object' ||
        spec === null ||
        typeof (spec as { name?: unknown }).name !== 'string'
      ) {
        return "Missing required parameter: 'response_format.json_schema.name'.";
      }
    }
  }
  return undefined;
}

class FakeOpenAI implements FakeOpenAIServer {
  url = '';
  origin = '';
  port = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private log: RecordedRequest[] = [];
  private counters: FakeOpenAIStats = emptyStats(0);
  private seq = 0;
  private callCounter = 0;
  private replyCounter = 0;
  private inFlight = 0;
  private closing: Promise<void> | undefined;

  constructor(private options: MutableOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // Unexpected: answer 500 if still possible rather than leave the request hanging.
        if (!res.headersSent && !res.destroyed) {
          this.sendJson(
            res,
            undefined,
            500,
            errorBody(`fake-openai internal error: ${String(error)}`, 'server_error', null),
          );
        }
      });
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        this.port = address.port;
        const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        this.origin = `http://${hostPart}:${address.port}`;
        this.url = `${this.origin}/v1`;
        resolve();
      });
    });
  }

  get requests(): readonly RecordedRequest[] {
    return this.log;
  }

  stats(): FakeOpenAIStats {
    return {
      ...this.counters,
      outcomes: { ...this.counters.outcomes },
      inFlight: this.inFlight,
    };
  }

  reset(): void {
    this.log = [];
    this.counters = emptyStats(this.inFlight);
    this.seq = 0;
    this.callCounter = 0;
    this.replyCounter = 0;
  }

  configure(patch: FakeOpenAIOptionsPatch): void {
    if ('faults' in patch) validateFaults(patch.faults);
    const next: Record<string, unknown> = { ...this.options };
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'port' || key === 'host') continue;
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    this.options = next as MutableOptions;
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        for (const timer of this.timers) clearTimeout(timer);
        this.timers.clear();
        for (const socket of this.sockets) socket.destroy();
        this.sockets.clear();
      });
    }
    return this.closing;
  }

  // -------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const counters = this.counters;
    const receivedAt = Date.now();
    const record: RecordedRequest = {
      seq: this.seq++,
      callIndex: null,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: redactHeaders(req),
      body: undefined,
      fault: 'ok',
      outcome: 'ok',
      status: null,
      receivedAt,
      respondedAt: null,
      clientAborted: false,
    };
    this.record(record);
    counters.requests++;
    this.inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, this.inFlight);
    res.on('close', () => {
      this.inFlight--;
      if (!res.writableFinished) {
        record.clientAborted = true;
        counters.clientAborted++;
      }
      this.options.onRequestEnd?.(record);
    });

    let bodyText: string;
    try {
      bodyText = await readBody(req);
    } catch {
      if (!res.destroyed) res.destroy();
      return;
    }
    if (bodyText !== '') {
      try {
        record.body = JSON.parse(bodyText);
      } catch {
        record.body = bodyText;
      }
    }

    const pathname = new URL(record.path, 'http://fake').pathname.replace(/\/+$/, '');
    const method = record.method.toUpperCase();
    if (method === 'POST' && pathname === '/v1/chat/completions') {
      await this.chat(res, record, counters, bodyText);
      return;
    }
    if (method === 'GET' && pathname === '/v1/models') {
      this.outcome(record, counters, 'models');
      this.sendJson(res, record, 200, {
        object: 'list',
        data: this.modelIds().map((id) => this.modelObject(id)),
      });
      return;
    }
    const modelMatch = /^\/v1\/models\/(.+)$/.exec(pathname);
    if (method === 'GET' && modelMatch?.[1] !== undefined) {
      const id = decodeURIComponent(modelMatch[1]);
      if (this.modelIds().includes(id)) {
        this.outcome(record, counters, 'models');
        this.sendJson(res, record, 200, this.modelObject(id));
      } else {
        this.outcome(record, counters, 'notFound');
        this.sendJson(
          res,
          record,
          404,
          errorBody(`The model '${id}' does not exist`, 'invalid_request_error', 'model_not_found', 'model'),
        );
      }
      return;
    }
    this.outcome(record, counters, 'notFound');
    this.sendJson(
      res,
      record,
      404,
      errorBody(`Invalid URL (${method} ${pathname})`, 'invalid_request_error', null),
    );
  }

  private async chat(
    res: ServerResponse,
    record: RecordedRequest,
    counters: FakeOpenAIStats,
    bodyText: string,
  ): Promise<void> {
    const options = this.options;
    const callIndex = this.callCounter++;
    record.callIndex = callIndex;
    counters.chatCompletions++;

    let request: ChatRequest | undefined;
    let problem: string | undefined;
    try {
      const parsed: unknown = JSON.parse(bodyText);
      problem = checkChatRequest(parsed);
      if (problem === undefined) request = parsed as ChatRequest;
    } catch {
      problem = 'We could not parse the JSON body of your request.';
    }

    let fault = drawFault(options.faults, callIndex, options.faultScript);
    if (fault === 'badContent' && !(request !== undefined && wantsJson(request))) fault = 'ok';
    record.fault = fault;
    if (fault === 'hang') {
      this.outcome(record, counters, 'hang');
      return; // Never answered; the socket is destroyed by the client or by close().
    }
    const latency = this.latency(callIndex, fault, request);

    if (fault === '429') {
      this.outcome(record, counters, '429');
      if (!(await this.waitUntil(record.receivedAt + latency, res))) return;
      const seconds = options.faults?.retryAfterSeconds ?? 1;
      this.sendJson(
        res,
        record,
        429,
        errorBody(
          'Rate limit reached for requests (fake-openai). Please try again later.',
          'requests',
          'rate_limit_exceeded',
        ),
        { 'retry-after': String(seconds), 'retry-after-ms': String(Math.round(seconds * 1000)) },
      );
      return;
    }
    if (fault === '500') {
      this.outcome(record, counters, '500');
      if (!(await this.waitUntil(record.receivedAt + latency, res))) return;
      this.sendJson(
        res,
        record,
        500,
        errorBody(
          'The server had an error while processing your request. Sorry about that!',
          'server_error',
          null,
        ),
      );
      return;
    }
    if (request === undefined) {
      this.outcome(record, counters, 'badRequest');
      record.error = problem ?? 'invalid request';
      if (!(await this.waitUntil(record.receivedAt + latency, res))) return;
      this.sendJson(res, record, 400, errorBody(record.error, 'invalid_request_error', null), {
        'x-should-retry': 'false',
      });
      return;
    }

    // ok, badContent and malformed all need the reply; only `ok` consumes it.
    const replyIndex = this.replyCounter;
    if (fault === 'ok') this.replyCounter++;
    let completion: Completion;
    try {
      completion = this.toCompletion(await this.produce(request, { callIndex, replyIndex }), request);
    } catch (error) {
      this.outcome(record, counters, 'error');
      record.error = error instanceof Error ? error.message : String(error);
      if (!(await this.waitUntil(record.receivedAt + latency, res))) return;
      this.sendJson(
        res,
        record,
        500,
        errorBody(
          `fake-openai: ${record.error}`,
          'server_error',
          error instanceof ReplyError ? 'fake_script' : null,
        ),
        { 'x-should-retry': 'false' },
      );
      return;
    }
    if (fault === 'badContent' && completion.content !== null) {
      completion.content = corruptContent(completion.content, options.faults?.badContent ?? 'truncated');
      completion.usage = this.usage(request, completion.content, undefined);
    }
    this.outcome(record, counters, fault);
    if (!(await this.waitUntil(record.receivedAt + latency, res))) return;
    // `counters` is the stats object current when the request arrived (detached by a reset since).
    counters.promptTokens += completion.usage.prompt_tokens;
    counters.completionTokens += completion.usage.completion_tokens;
    const id = `chatcmpl-fake${record.seq}`;
    if (request.stream === true) {
      this.sendStream(res, record, id, request, completion, fault === 'malformed');
      return;
    }
    const body = JSON.stringify({
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: completion.content,
            refusal: completion.refusal,
            annotations: [],
          },
          logprobs: null,
          finish_reason: completion.finishReason,
        },
      ],
      usage: completion.usage,
      system_fingerprint: 'fp_fake_openai',
    });
    this.sendText(
      res,
      record,
      200,
      fault === 'malformed' ? body.slice(0, Math.floor(body.length / 2)) : body,
    );
  }

  private async produce(request: ChatRequest, ctx: ReplyContext): Promise<ReplyValue> {
    const { script, reply } = this.options;
    if (script !== undefined) {
      const scripted = script[ctx.replyIndex];
      if (scripted !== undefined) return scripted;
      if (reply === undefined) {
        throw new ReplyError(
          `script exhausted: reply ${ctx.replyIndex} requested, the script has ${script.length}`,
        );
      }
    }
    return (reply ?? defaultReplier)(request, ctx);
  }

  private toCompletion(value: ReplyValue, request: ChatRequest): Completion {
    if (value === undefined || value === null) {
      throw new ReplyError(
        `the reply function returned ${String(value)} (return a string, an object or fakeReply())`,
      );
    }
    const reply = value instanceof FakeReply ? value : new FakeReply({ content: value });
    const content =
      reply.content === null || typeof reply.content === 'string'
        ? reply.content
        : JSON.stringify(reply.content);
    return {
      content,
      refusal: reply.refusal,
      finishReason: reply.finishReason,
      usage: this.usage(request, content ?? reply.refusal ?? '', reply.usage),
    };
  }

  private usage(request: ChatRequest, output: string, override: Partial<Usage> | undefined): Usage {
    const prompt = override?.prompt_tokens ?? estimateTokens(promptText(request));
    const completion = override?.completion_tokens ?? estimateTokens(output);
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: override?.total_tokens ?? prompt + completion,
    };
  }

  private latency(callIndex: number, fault: Fault, request: ChatRequest | undefined): number {
    const { latency, latencyMs } = this.options;
    const ms = latency !== undefined ? latency({ callIndex, fault, request }) : (latencyMs ?? 0);
    return Number.isFinite(ms) && ms > 0 ? ms : 0;
  }

  /** Resolves true at `deadline` (a Date.now() value), or false as soon as the response is closed. */
  private waitUntil(deadline: number, res: ServerResponse): Promise<boolean> {
    const ms = deadline - Date.now();
    if (res.destroyed || res.writableEnded) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onClose = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        res.off('close', onClose);
        resolve(true);
      }, ms);
      this.timers.add(timer);
      res.once('close', onClose);
    });
  }

  private record(entry: RecordedRequest): void {
    this.log.push(entry);
    const max = this.options.maxRecordedRequests ?? DEFAULT_MAX_RECORDED;
    if (this.log.length > max) this.log.splice(0, this.log.length - max);
  }

  private outcome(record: RecordedRequest, counters: FakeOpenAIStats, outcome: Outcome): void {
    record.outcome = outcome;
    counters.outcomes[outcome]++;
  }

  private modelIds(): string[] {
    return this.options.models ?? ['fake-model'];
  }

  private modelObject(id: string): object {
    return { id, object: 'model', created: 1700000000, owned_by: 'fake-openai' };
  }

  private baseHeaders(record: RecordedRequest | undefined): Record<string, string> {
    const headers: Record<string, string> = {};
    if (record !== undefined) {
      headers['x-request-id'] = `req_fake_${record.seq}`;
      headers['openai-processing-ms'] = String(Date.now() - record.receivedAt);
    }
    return headers;
  }

  private sendJson(
    res: ServerResponse,
    record: RecordedRequest | undefined,
    status: number,
    body: object,
    headers: Record<string, string> = {},
  ): void {
    this.sendText(res, record, status, JSON.stringify(body), headers);
  }

  private sendText(
    res: ServerResponse,
    record: RecordedRequest | undefined,
    status: number,
    text: string,
    headers: Record<string, string> = {},
  ): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, {
      ...this.baseHeaders(record),
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
    if (record !== undefined) {
      record.status = status;
      record.respondedAt = Date.now();
    }
  }

  private sendStream(
    res: ServerResponse,
    record: RecordedRequest,
    id: string,
    request: ChatRequest,
    completion: Completion,
    malformed: boolean,
  ): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(200, {
      ...this.baseHeaders(record),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    const base = {
      id,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      system_fingerprint: 'fp_fake_openai',
    };
    const event = (choices: object[], extra: object = {}): string =>
      `data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`;
    const choice = (delta: object, finishReason: FinishReason | null): object => ({
      index: 0,
      delta,
      logprobs: null,
      finish_reason: finishReason,
    });
    const parts: string[] = [event([choice({ role: 'assistant', content: '', refusal: null }, null)])];
    if (malformed) {
      parts.push(event([choice({ content: completion.content ?? '' }, null)]).slice(0, 40), '\n\n');
    } else {
      const content = completion.content ?? '';
      const pieces = Math.min(4, Math.max(1, Math.ceil(content.length / 64)));
      const size = Math.ceil(content.length / pieces);
      for (let i = 0; i < content.length; i += size) {
        parts.push(event([choice({ content: content.slice(i, i + size) }, null)]));
      }
      if (completion.refusal !== null) parts.push(event([choice({ refusal: completion.refusal }, null)]));
      parts.push(event([choice({}, completion.finishReason)]));
      if (request.stream_options?.include_usage === true) parts.push(event([], { usage: completion.usage }));
      parts.push('data: [DONE]\n\n');
    }
    res.end(parts.join(''));
    record.status = 200;
    record.respondedAt = Date.now();
  }
}
