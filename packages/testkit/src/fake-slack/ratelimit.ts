/**
 * Slack's Web API rate limits as the fake enforces them (https://docs.slack.dev/apis/web-api/rate-limits):
 * each method has a tier, counted per method per workspace per app — Tier 1 "1+ per minute", Tier 2
 * "20+", Tier 3 "50+", Tier 4 "100+", each "with occasional bursts" — and chat.postMessage, of the
 * special tier, "generally allows posting one message per second per channel", with short bursts.
 * Past a limit Slack answers HTTP 429 with Retry-After (seconds), and the Web API client waits it out.
 *
 * Slack states floors ("N+"), not ceilings; the fake grants exactly the floor per minute as a bucket
 * that refills evenly (so a burst of the minute's allowance passes at once), and one message per
 * second per channel after a burst of three. Each method's tier is the one its reference page
 * (https://docs.slack.dev/reference/methods/<method>) gives.
 */

export const TIER_PER_MINUTE = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;

/** The tier of each method the fake serves (its reference page's "Rate limits"). */
export const METHOD_TIERS: Record<string, keyof typeof TIER_PER_MINUTE | 'special'> = {
  'auth.test': 4,
  'chat.postMessage': 'special',
  'chat.postEphemeral': 4,
  'chat.update': 3,
  'chat.scheduleMessage': 3,
  'chat.scheduledMessages.list': 3,
  'chat.deleteScheduledMessage': 3,
  'chat.getPermalink': 4,
  'conversations.open': 3,
  'users.info': 4,
  'usergroups.users.list': 2,
  'views.open': 4,
  'views.push': 4,
  'views.update': 4,
  'views.publish': 4,
  'apps.connections.open': 1,
  'oauth.v2.access': 4,
};

export interface SlackRateLimitOptions {
  /** Messages per second per channel for chat.postMessage (Slack: 1), after `channelBurst` at once. */
  perChannelPerSecond?: number;
  channelBurst?: number;
  /** Multiplies every tier's per-minute allowance (1 = the documented floor). */
  tierScale?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class SlackRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** 429s answered per method, for benchmarks to report. */
  readonly limited = new Map<string, number>();
  private readonly perChannel: number;
  private readonly burst: number;
  private readonly scale: number;

  constructor(options: SlackRateLimitOptions = {}) {
    this.perChannel = options.perChannelPerSecond ?? 1;
    this.burst = options.channelBurst ?? 3;
    this.scale = options.tierScale ?? 1;
  }

  /** null: go ahead; else the seconds to wait (Retry-After). */
  check(method: string, team: string | null, channel: string | null, now = Date.now()): number | null {
    const tier = METHOD_TIERS[method];
    if (tier === undefined) return null;
    if (tier === 'special') {
      if (!channel) return null;
      return this.take(`${team}/${method}/${channel}`, this.burst, this.perChannel, now, method);
    }
    const perMinute = TIER_PER_MINUTE[tier] * this.scale;
    return this.take(`${team}/${method}`, perMinute, perMinute / 60, now, method);
  }

  private take(key: string, capacity: number, perSecond: number, now: number, method: string): number | null {
    const b = this.buckets.get(key) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    this.limited.set(method, (this.limited.get(method) ?? 0) + 1);
    return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
  }
}
