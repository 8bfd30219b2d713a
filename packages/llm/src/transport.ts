import http from 'node:http';
import https from 'node:https';

/**
 * A small `fetch` for the openai client, on node:http(s) with keep-alive agents. Node's built-in
 * fetch (undici) costs about a millisecond of CPU per call in WHATWG streams and request cloning,
 * which dominated the orchestration cost in the benchmark; this sends each request with one write
 * and reads the (non-streaming) JSON reply into memory. It supports what the client uses for chat
 * completions: string or byte bodies, headers, an AbortSignal (the client's timeout). Anything
 * else (a stream body) goes to the global fetch.
 */

class AbortError extends Error {
  override name = 'AbortError';
}

/** Read-only response headers: what the client reads (`get`, `entries`), without WHATWG Headers' cost. */
class ResponseHeaders {
  private readonly map = new Map<string, string>();

  constructor(raw: readonly string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const previous = this.map.get(name);
      this.map.set(name, previous === undefined ? raw[i + 1]! : `${previous}, ${raw[i + 1]}`);
    }
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.map) callback(value, name);
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<string> {
    return this.map.values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/** The parts of a fetch `Response` the openai client reads, over a body already in memory. */
class BufferedResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  readonly body = null;
  bodyUsed = false;

  constructor(
    private readonly bytes: Buffer,
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    readonly url: string,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.bytes.toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    return this.bytes.buffer.slice(
      this.bytes.byteOffset,
      this.bytes.byteOffset + this.bytes.byteLength,
    ) as ArrayBuffer;
  }

  clone(): BufferedResponse {
    return new BufferedResponse(this.bytes, this.status, this.statusText, this.headers, this.url);
  }
}

function flattenHeaders(init: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  if (init instanceof Headers) {
    init.forEach((value, key) => {
      out[key] = value;
    });
  } else if (Array.isArray(init)) {
    for (const [key, value] of init)
      if (key !== undefined && value !== undefined) out[key.toLowerCase()] = value;
  } else {
    for (const [key, value] of Object.entries(init))
      if (value !== undefined) out[key.toLowerCase()] = String(value);
  }
  return out;
}

export interface NodeFetchOptions {
  /** Sockets per host (default: unlimited; the endpoint's semaphore bounds requests in flight). */
  maxSockets?: number;
}

export function nodeHttpFetch(options: NodeFetchOptions = {}): typeof fetch {
  const agentOptions = { keepAlive: true, ...(options.maxSockets ? { maxSockets: options.maxSockets } : {}) };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    const bodyOk =
      body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    if (input instanceof Request || !bodyOk) return fetch(input, init);
    const url = typeof input === 'string' ? new URL(input) : input;
    const secure = url.protocol === 'https:';
    const headers = flattenHeaders(init.headers);
    if (body !== undefined && body !== null)
      headers['content-length'] = String(Buffer.byteLength(body as string | Uint8Array));
    const signal = init.signal ?? undefined;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new AbortError('The operation was aborted'));
        return;
      }
      const request = (secure ? https : http).request(
        url,
        { method: init.method ?? 'GET', headers, agent: secure ? agents.https : agents.http },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => {
            signal?.removeEventListener('abort', onAbort);
            const responseHeaders = new ResponseHeaders(response.rawHeaders) as unknown as Headers;
            const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            const status = response.statusCode ?? 0;
            resolve(
              new BufferedResponse(
                bytes,
                status,
                response.statusMessage ?? '',
                responseHeaders,
                url.href,
              ) as unknown as Response,
            );
          });
        },
      );
      function fail(error: Error): void {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      }
      function onAbort(): void {
        request.destroy(new AbortError('The operation was aborted'));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', fail);
      request.end(body ?? undefined);
    });
  };
  return nodeFetch as typeof fetch;
}
