/** Shapes of the local Slack fake: its workspaces, what it records, what it holds. */

export interface FakeTeam {
  id: string;
  name: string;
  botToken: string;
  botUserId: string;
  botId: string;
}

export interface FakeUser {
  id: string;
  team: string;
  name: string;
  tz?: string;
}

export interface FakeSlackOptions {
  /** Workspaces the bot is installed in (default one: T0000001 with token xoxb-fake-T0000001). */
  teams?: FakeTeam[];
  users?: FakeUser[];
  /** The app-level token apps.connections.open accepts (Socket Mode). */
  appToken?: string;
  appId?: string;
  /** OAuth client credentials oauth.v2.access accepts. */
  clientId?: string;
  clientSecret?: string;
  /** User groups: handle or id → member user ids. */
  userGroups?: Record<string, string[]>;
  /** Added before each Web API answer (ms). */
  latencyMs?: number;
  host?: string;
  port?: number;
  /** A trigger id expires this long after it was issued (Slack: 3 s). */
  triggerTtlMs?: number;
  /** Slack's rate limits (ratelimit.ts); on unless `false`. */
  rateLimits?: import('./ratelimit.ts').SlackRateLimitOptions | false;
}

export interface RecordedCall {
  method: string;
  /** The arguments as parsed (tokens never recorded). */
  args: Record<string, unknown>;
  /** The workspace the token belongs to (null: no or unknown token). */
  team: string | null;
  status: number;
  /** ok / the error Slack would answer. */
  error: string | null;
  /** When the request arrived (ms since the epoch), before its body was read or any latency added. */
  at: number;
  /** views.open and views.push: how old the trigger id was when it arrived (ms). */
  triggerAgeMs?: number;
  /** response_url: which one (each command and click has its own), so an answer can be told apart. */
  responseUrl?: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  metadata?: unknown;
  team: string;
  user: string;
  bot_id: string;
  edited?: boolean;
}

export interface FakeView {
  id: string;
  hash: string;
  team: string;
  user: string;
  /** The view as the app sent it (type, blocks, callback_id, private_metadata, ...). */
  view: Record<string, unknown>;
  /** Modal stack: the root view's id (itself for a root or a Home tab). */
  rootId: string;
  closed: boolean;
}

export interface FakeScheduled {
  id: string;
  channel: string;
  post_at: number;
  date_created: number;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  team: string;
}

export interface SocketAck {
  envelopeId: string;
  payload: Record<string, unknown>;
  /** From sending the envelope to the ack arriving. */
  ms: number;
}
