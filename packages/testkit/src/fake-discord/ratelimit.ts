/**
 * Discord's rate limits as the fake enforces them (developers/topics/rate-limits.mdx): per-route
 * buckets keyed by the route and its top-level resource (a channel, a guild, a webhook with its
 * token), reported in X-RateLimit-* headers on every answer so a client can wait before it is
 * refused, and a global limit of 50 requests per second per bot that interaction endpoints (the
 * callback, the original response and follow-ups, all under /interactions and /webhooks/{app}/{token})
 * are not bound by. A request over a limit gets 429 with Retry-After and the documented JSON body.
 *
 * Discord does not publish per-route figures ("should not be hard coded"); the defaults below are the
 * ones its headers report for these routes (a channel's messages: 5 per 5 s), and a test or benchmark
 * may set others.
 */

export interface RouteLimit {
  /** Matched against "METHOD /path" with ids in place. */
  match: RegExp;
  /** A name for the bucket (X-RateLimit-Bucket), the same for routes that share one. */
  bucket: string;
  limit: number;
  windowMs: number;
}

export interface DiscordRateLimitOptions {
  /** Requests per second across the bot's routes, interaction endpoints excepted (Discord: 50); false for none. */
  global?: number | false;
  /** Per-route buckets; the first match applies. Default: DEFAULT_ROUTE_LIMITS. */
  routes?: RouteLimit[];
}

export const DEFAULT_ROUTE_LIMITS: RouteLimit[] = [
  { match: /^POST \/channels\/\d+\/messages$/, bucket: 'channel-messages-post', limit: 5, windowMs: 5000 },
  {
    match: /^PATCH \/channels\/\d+\/messages\/\d+$/,
    bucket: 'channel-messages-patch',
    limit: 5,
    windowMs: 5000,
  },
  { match: /^GET \/channels\/\d+\/messages/, bucket: 'channel-messages-get', limit: 5, windowMs: 5000 },
  { match: /^(GET|PATCH) \/channels\/\d+$/, bucket: 'channel', limit: 5, windowMs: 5000 },
  { match: /^POST \/channels\/\d+\/threads$/, bucket: 'channel-threads', limit: 5, windowMs: 5000 },
  {
    match: /^PUT \/channels\/\d+\/thread-members\/[^/]+$/,
    bucket: 'thread-members',
    limit: 5,
    windowMs: 5000,
  },
  { match: /^POST \/users\/@me\/channels$/, bucket: 'dm-open', limit: 5, windowMs: 5000 },
  {
    match: /^(POST|PATCH|GET|DELETE) \/webhooks\/\d+\/[^/]+/,
    bucket: 'interaction-webhook',
    limit: 5,
    windowMs: 2000,
  },
];

/** The top-level resource of a path: a channel, a guild, or a webhook with its token (rate-limits.mdx). */
function topLevel(path: string): string {
  const m =
    /^\/(channels|guilds)\/(\d+)/.exec(path) ??
    /^\/(webhooks)\/(\d+\/[^/]+)/.exec(path) ??
    /^\/(interactions)\/(\d+\/[^/]+)/.exec(path);
  return m ? `${m[1]}/${m[2]}` : '';
}

/** Interaction endpoints are not bound by the global limit (rate-limits.mdx, "Global Rate Limit"). */
function isInteractionEndpoint(path: string): boolean {
  return /^\/interactions\/\d+\/[^/]+\/callback/.test(path) || /^\/webhooks\/\d+\/[^/]+/.test(path);
}

export type RateDecision =
  | { ok: true; headers: Record<string, string> }
  | {
      ok: false;
      status: 429;
      headers: Record<string, string>;
      body: Record<string, unknown>;
      global: boolean;
    };

interface Window {
  start: number;
  count: number;
}

export class DiscordRateLimiter {
  private readonly windows = new Map<string, Window>();
  private global: Window = { start: 0, count: 0 };
  /** 429s answered, per bucket (and "global"), for benchmarks to report. */
  readonly limited = new Map<string, number>();
  private readonly globalLimit: number | false;
  private readonly routes: RouteLimit[];

  constructor(options: DiscordRateLimitOptions = {}) {
    this.globalLimit = options.global === undefined ? 50 : options.global;
    this.routes = options.routes ?? DEFAULT_ROUTE_LIMITS;
  }

  check(method: string, path: string, now = Date.now()): RateDecision {
    if (this.globalLimit !== false && !isInteractionEndpoint(path)) {
      if (now - this.global.start >= 1000) this.global = { start: now, count: 0 };
      if (this.global.count >= this.globalLimit) {
        const after = (this.global.start + 1000 - now) / 1000;
        this.count('global');
        return {
          ok: false,
          status: 429,
          global: true,
          headers: {
            'retry-after': String(Math.ceil(after)),
            'x-ratelimit-global': 'true',
            'x-ratelimit-scope': 'global',
          },
          body: { message: 'You are being rate limited.', retry_after: after, global: true },
        };
      }
    }
    const key = `${method} ${path.replace(/\?.*$/, '')}`;
    const route = this.routes.find((r) => r.match.test(key));
    let headers: Record<string, string> = {};
    if (route) {
      const id = `${route.bucket}:${topLevel(path)}`;
      let w = this.windows.get(id);
      if (!w || now - w.start >= route.windowMs) {
        w = { start: now, count: 0 };
        this.windows.set(id, w);
      }
      const resetAfter = (w.start + route.windowMs - now) / 1000;
      const base = {
        'x-ratelimit-limit': String(route.limit),
        'x-ratelimit-reset': ((w.start + route.windowMs) / 1000).toFixed(3),
        'x-ratelimit-reset-after': resetAfter.toFixed(3),
        'x-ratelimit-bucket': route.bucket,
      };
      if (w.count >= route.limit) {
        this.count(route.bucket);
        return {
          ok: false,
          status: 429,
          global: false,
          headers: {
            ...base,
            'x-ratelimit-remaining': '0',
            'x-ratelimit-scope': 'user',
            'retry-after': String(Math.ceil(resetAfter)),
          },
          body: { message: 'You are being rate limited.', retry_after: resetAfter, global: false },
        };
      }
      w.count += 1;
      headers = { ...base, 'x-ratelimit-remaining': String(route.limit - w.count) };
    }
    if (this.globalLimit !== false && !isInteractionEndpoint(path)) this.global.count += 1;
    return { ok: true, headers };
  }

  private count(bucket: string): void {
    this.limited.set(bucket, (this.limited.get(bucket) ?? 0) + 1);
  }
}
