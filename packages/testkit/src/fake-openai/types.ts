/**
 * Types of the local OpenAI-compatible fake server. The request/response shapes are the subset of
 * the Chat Completions API that the `openai` 6.x client sends and reads; they are declared here so
 * that the testkit has no runtime dependency on the SDK.
 */

/** A JSON Schema as sent in `response_format.json_schema.schema` (kept loose on purpose). */
export type JsonSchema = { readonly [key: string]: unknown };

export interface ChatContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface ChatMessage {
  role: string;
  content: string | ChatContentPart[] | null;
  name?: string;
  [key: string]: unknown;
}

export type ChatResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; schema?: JsonSchema; strict?: boolean | null; description?: string };
    };

/** The body of `POST /v1/chat/completions`, as received (other fields are kept untouched). */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  response_format?: ChatResponseFormat;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  [key: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

/**
 * What happens to one chat-completion request.
 * - `ok`: a normal completion.
 * - `429`: rate limited, with `retry-after` and `retry-after-ms` headers.
 * - `500`: server error.
 * - `hang`: the server never answers (until the client gives up or the server closes).
 * - `malformed`: HTTP 200 with a truncated, unparseable JSON body (a transport fault).
 * - `badContent`: a well-formed completion whose *content* is broken (model-output fault); only
 *   applied to requests asking for JSON (`response_format` json_schema/json_object), otherwise `ok`.
 */
export type Fault = 'ok' | '429' | '500' | 'hang' | 'malformed' | 'badContent';

/** How `badContent` breaks the content of a JSON reply. */
export type BadContentKind =
  /** The JSON reply cut in half (not parseable). */
  | 'truncated'
  /** Prose around the JSON: `Sure! Here is my answer: {...}` (not parseable as a whole). */
  | 'prose'
  /** The JSON inside a ```json fence (not parseable as a whole; a lenient extractor can repair it). */
  | 'fenced'
  /** Valid JSON that does not match the schema: `{"error":"I cannot decide"}`. */
  | 'schema-mismatch';

export interface FaultOptions {
  /** Probability per request of a 429. */
  rate429?: number;
  /** Value of the 429's retry-after (seconds; may be fractional, default 1). */
  retryAfterSeconds?: number;
  rate500?: number;
  rateHang?: number;
  rateMalformed?: number;
  /** Probability of a `badContent` reply (only for requests asking for JSON). */
  rateBadContent?: number;
  /** How `badContent` breaks the reply (default `truncated`). */
  badContent?: BadContentKind;
  /** Seed of the fault draws (default 0). The draw for call `i` depends only on the seed and `i`. */
  seed?: number | string;
}

export interface ReplyContext {
  /** 0-based index of this request among the chat-completion requests received since start/reset. */
  callIndex: number;
  /**
   * 0-based index of this reply among the replies produced: it advances only when a request is
   * answered `ok`, so a request that failed with a fault and is retried gets the same scripted reply.
   */
  replyIndex: number;
}

export interface LatencyContext {
  callIndex: number;
  fault: Fault;
  /** The parsed request (undefined when the body was not valid JSON). */
  request: ChatRequest | undefined;
}

/** Full control of a completion: return `fakeReply({...})` from a reply function or script. */
export interface FakeReplyInit {
  /** A string, or an object serialised to JSON, or null (e.g. with a refusal). */
  content: string | object | null;
  finishReason?: FinishReason;
  refusal?: string | null;
  /** Overrides the estimated token counts. */
  usage?: Partial<Usage>;
}

export class FakeReply {
  readonly content: string | object | null;
  readonly finishReason: FinishReason;
  readonly refusal: string | null;
  readonly usage: Partial<Usage> | undefined;
  constructor(init: FakeReplyInit) {
    this.content = init.content;
    this.finishReason = init.finishReason ?? 'stop';
    this.refusal = init.refusal ?? null;
    this.usage = init.usage;
  }
}

export function fakeReply(init: FakeReplyInit): FakeReply {
  return new FakeReply(init);
}

/** A string is the content; an object is serialised to JSON; a `FakeReply` gives full control. */
export type ReplyValue = string | object | FakeReply;

export type ReplyFn = (request: ChatRequest, ctx: ReplyContext) => ReplyValue | Promise<ReplyValue>;

export interface FakeOpenAIOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Reply function; the default is `defaultReplier` (see default-replier.ts). */
  reply?: ReplyFn;
  /** Replies consumed in order (by `replyIndex`); when exhausted, `reply` is used if given, else HTTP 500. */
  script?: ReplyValue[];
  /** Fixed delay before each chat-completion response (ms). */
  latencyMs?: number;
  /** Delay per request (ms); takes precedence over `latencyMs`. */
  latency?: (ctx: LatencyContext) => number;
  /** Random (seeded, deterministic per call index) faults. */
  faults?: FaultOptions;
  /** Fault per call index; beyond its end the `faults` rates apply. */
  faultScript?: Fault[];
  /** Model ids listed by `GET /v1/models` (default `['fake-model']`). */
  models?: string[];
  /**
   * Called once per request when its connection is done with it: after the response was sent, or
   * when the client left first (so a `hang` is reported when the client gives up or at close).
   */
  onRequestEnd?: (record: RecordedRequest) => void;
  /** Keep at most this many entries in `server.requests`, dropping the oldest (default 10,000). */
  maxRecordedRequests?: number;
}

/** Options that `configure` can change; a key set to `undefined` removes that option. */
export type FakeOpenAIOptionsPatch = {
  [K in Exclude<keyof FakeOpenAIOptions, 'port' | 'host'>]?: FakeOpenAIOptions[K] | undefined;
};

export type Outcome = Fault | 'error' | 'badRequest' | 'notFound' | 'models';

export interface RecordedRequest {
  /** Order of arrival among all HTTP requests since start/reset. */
  seq: number;
  /** Index among chat-completion requests, null for other routes. */
  callIndex: number | null;
  method: string;
  path: string;
  /** Request headers without authorization, api-key, x-api-key, proxy-authorization and cookie. */
  headers: Record<string, string>;
  /** Parsed JSON body, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
  /** The fault applied (`ok` when none; always `ok` for routes other than chat completions). */
  fault: Fault;
  outcome: Outcome;
  /** HTTP status sent (null while pending, for `hang`, or when the client left first). */
  status: number | null;
  /** Date.now() when the request arrived. */
  receivedAt: number;
  /** Date.now() when the response was sent, else null. */
  respondedAt: number | null;
  /** True when the client closed the connection before a response was sent. */
  clientAborted: boolean;
  /** Message of an error thrown by the reply function, or of a bad request. */
  error?: string;
}

export interface FakeOpenAIStats {
  /** All HTTP requests received. */
  requests: number;
  chatCompletions: number;
  /** Count per outcome decided (a request answered `ok` after the client left still counts `ok`). */
  outcomes: Record<Outcome, number>;
  /** Requests whose client closed the connection before a response. */
  clientAborted: number;
  /** Requests currently open (including hanging ones). */
  inFlight: number;
  /** Most requests open at the same time since start/reset. */
  maxInFlight: number;
  /** Sums of the token counts reported in `usage` of the completions sent. */
  promptTokens: number;
  completionTokens: number;
}

export interface FakeOpenAIServer {
  /** The `baseURL` for the openai client, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /** `http://127.0.0.1:41234` */
  readonly origin: string;
  readonly port: number;
  /** Log of received requests (oldest first, bounded by `maxRecordedRequests`). */
  readonly requests: readonly RecordedRequest[];
  stats(): FakeOpenAIStats;
  /** Clears the log and stats and restarts call/reply/script indices at 0 (open requests stay open). */
  reset(): void;
  /** Changes options for the requests that arrive from now on (e.g. switch faults mid-test). */
  configure(patch: FakeOpenAIOptionsPatch): void;
  /** Stops listening, cancels pending timers and destroys every open connection (hanging ones too). */
  close(): Promise<void>;
}
