import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AuditLog, brokenText } from '../audit.ts';
import { LIMITS, messageProblems, parseMessage, submissionAnswerProblems, viewProblems } from './limits.ts';
import { SlackRateLimiter } from './ratelimit.ts';
import { type FakeSocket, startSocket } from './socket.ts';
import type {
  FakeMessage,
  FakeScheduled,
  FakeSlackOptions,
  FakeTeam,
  FakeUser,
  FakeView,
  RecordedCall,
} from './types.ts';

/**
 * A local fake of Slack for tests and benchmarks: the Web API methods a Bolt app calls (under
 * `/api/`), response URLs, the OAuth v2 exchange and the Socket Mode WebSocket. It keeps messages,
 * views, Home tabs and scheduled messages as Slack would, refuses what Slack refuses (Block Kit limits,
 * expired triggers, stale view hashes, more than 3 modals on a stack) and records every call without
 * its token. Rate limits are injected per method: the next calls answer HTTP 429 with Retry-After.
 */

export interface FakeSlack {
  url: string;
  /** Give this to the WebClient as `slackApiUrl`. */
  apiUrl: string;
  teams: FakeTeam[];
  appToken: string;
  /** Every Web API call so far (and response-URL posts as method "response_url"), oldest first. */
  calls(method?: string): RecordedCall[];
  /** The next `times` calls of `method` answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(method: string, times?: number, retryAfterSeconds?: number): void;
  /** The next `times` calls of `method` answer `{ ok: false, error }`. */
  failNext(method: string, error: string, times?: number): void;
  /** Messages posted (and still there), in order; of one channel, or one thread (parent first). */
  messages(channel?: string): FakeMessage[];
  thread(channel: string, ts: string): FakeMessage[];
  ephemerals(user?: string): Array<{ channel: string; user: string; text: string; blocks?: unknown[] }>;
  /** Bodies posted to response URLs. */
  responses(): Array<Record<string, unknown>>;
  views(): FakeView[];
  view(id: string): FakeView | undefined;
  /** The Home tab published for a user. */
  home(user: string): FakeView | undefined;
  scheduled(): FakeScheduled[];
  /** Posts scheduled messages whose time has come (or all, with `all`); returns those posted. */
  fireScheduled(options?: { all?: boolean }): FakeMessage[];
  /** A new trigger id, valid for `triggerTtlMs` (what Slack puts in an interaction payload). */
  trigger(): string;
  /** A new response URL (what Slack puts in a command or a message action payload). */
  responseUrl(): string;
  /** An OAuth code that oauth.v2.access exchanges for an installation of `team`. */
  oauthCode(team: FakeTeam, installer: string): string;
  /**
   * What Slack does with an app's answer to a modal submission: `update` replaces the view, `errors`
   * leaves it open, `push` stacks a new one, anything else closes the stack.
   */
  applySubmission(viewId: string, answer: unknown): void;
  /** The DM channel id between the app and a user (what conversations.open answers). */
  dm(user: string): string;
  /** A DM between two people (the app is not in it): slash commands can be typed there. */
  humanDm(a: string, b: string): string;
  /** Requests refused for breaking a documented rule, and mentions or links nobody chose (audit.ts). */
  audit: AuditLog;
  /** Null when rate limits are off. */
  rateLimiter: SlackRateLimiter | null;
  socket: FakeSocket;
  close(): Promise<void>;
}

type Args = Record<string, unknown>;
type Handler = (args: Args, team: FakeTeam | null) => Record<string, unknown>;

class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

const JSON_FIELDS = new Set(['blocks', 'view', 'metadata', 'attachments', 'users']);

function parseBody(raw: string, contentType: string): Args {
  if (contentType.includes('application/json')) return raw ? (JSON.parse(raw) as Args) : {};
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(key) && /^[[{]/.test(value)) {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // left as text: the method answers invalid_arguments
      }
    }
    args[key] = value;
  }
  return args;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 8 * 1024 * 1024) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const str = (args: Args, key: string): string => {
  const v = args[key];
  if (typeof v !== 'string' || v === '') throw new SlackApiError('invalid_arguments', { missing: key });
  return v;
};

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teams: FakeTeam[] = options.teams ?? [
    {
      id: 'T0000001',
      name: 'Oversight Lab',
      botToken: 'xoxb-fake-T0000001',
      botUserId: 'UBOT00001',
      botId: 'B0000001',
    },
  ];
  const users = new Map<string, FakeUser>((options.users ?? []).map((u) => [u.id, u]));
  const appToken = options.appToken ?? 'xapp-1-fake';
  const appId = options.appId ?? 'A0000001';
  const triggerTtl = options.triggerTtlMs ?? 3000;
  const recorded: RecordedCall[] = [];
  const audit = new AuditLog('slack');
  const rateLimiter = options.rateLimits === false ? null : new SlackRateLimiter(options.rateLimits ?? {});
  /** Links the app itself makes (permalinks to threads) may appear in what it sends. */
  const ownLinks = ['https://slack.fake/'];
  const limits = new Map<string, { times: number; retryAfter: number }>();
  const failures = new Map<string, { times: number; error: string }>();
  const messages: FakeMessage[] = [];
  const ephemerals: Array<{ channel: string; user: string; text: string; blocks?: unknown[] }> = [];
  const responses: Array<Record<string, unknown>> = [];
  const views = new Map<string, FakeView>();
  const homes = new Map<string, string>();
  const scheduled = new Map<string, FakeScheduled>();
  const triggers = new Map<string, number>();
  const codes = new Map<string, { team: FakeTeam; installer: string }>();
  let clock = 0;
  let counter = 0;
  const nextTs = () => {
    // Strictly increasing message timestamps, as Slack's are within a channel.
    clock = Math.max(clock + 1, Date.now() * 1000);
    return `${Math.floor(clock / 1e6)}.${String(clock % 1e6).padStart(6, '0')}`;
  };
  const nextId = (prefix: string) => `${prefix}${(++counter).toString(36).toUpperCase().padStart(8, '0')}`;
  const teamOfToken = (token: string | undefined) => teams.find((t) => t.botToken === token) ?? null;
  const userOf = (id: string): FakeUser => users.get(id) ?? { id, team: teams[0]!.id, name: `user-${id}` };
  const dm = (user: string) => `D${user.replace(/^[UW]/, '')}`;

  const post = (team: FakeTeam, channel: string, args: Args): FakeMessage => {
    const msg: FakeMessage = {
      channel,
      ts: nextTs(),
      text: typeof args.text === 'string' ? args.text : '',
      team: team.id,
      user: team.botUserId,
      bot_id: team.botId,
      ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
      ...(typeof args.thread_ts === 'string' ? { thread_ts: args.thread_ts } : {}),
      ...(args.metadata ? { metadata: args.metadata } : {}),
    };
    messages.push(msg);
    return msg;
  };
  const checkedMessage = (args: Args, method: string) => {
    const problems = messageProblems(args.blocks, args.text);
    if (problems.length) {
      audit.record('refused', method, problems);
      throw new SlackApiError('invalid_blocks', { errors: problems });
    }
  };
  const checkedView = (view: unknown, method: string) => {
    const problems = viewProblems(view);
    if (problems.length) {
      audit.record('refused', method, problems);
      throw new SlackApiError('invalid_arguments', { response_metadata: { messages: problems } });
    }
  };
  /**
   * Who a message would notify and where it would link (formatting-message-text): special mentions
   * (@here, @channel, @everyone, a user group) never come from this project on purpose; a user mention
   * is one only in a message someone else can read (not an ephemeral note, not the person's own DM);
   * a link is the app's own only when it points at Slack's permalinks.
   */
  const audited = (method: string, args: Args, where: { channel?: string; ephemeral?: boolean }) => {
    const parsed = parseMessage(args.text, args.blocks);
    const problems: string[] = [];
    if (parsed.special.length) problems.push(`${parsed.special.join(', ')} would notify many people`);
    if (!where.ephemeral) {
      const others = parsed.users.filter((u) => !where.channel || dm(u) !== where.channel);
      if (others.length) problems.push(`<@${others.join('>, <@')}> would be notified`);
    }
    const foreign = parsed.links.filter((l) => !ownLinks.some((own) => l.startsWith(own)));
    if (foreign.length) problems.push(`renders ${foreign.join(', ')} as a link`);
    if (problems.length)
      audit.record(
        'ping',
        method,
        problems.map((x) => `${x} [https://docs.slack.dev/messaging/formatting-message-text]`),
      );
  };
  /** Slack truncates `text` over 40,000 characters and says so, rather than refusing the message. */
  const truncated = (args: Args): Record<string, unknown> => {
    if (typeof args.text !== 'string' || args.text.length <= LIMITS.messageText) return {};
    args.text = args.text.slice(0, LIMITS.messageText);
    return { warning: 'message_truncated', response_metadata: { warnings: ['message_truncated'] } };
  };
  const needTeam = (team: FakeTeam | null): FakeTeam => {
    if (!team) throw new SlackApiError('invalid_auth');
    return team;
  };
  const knownChannel = (channel: string) => {
    // Channels exist once posted to, the app's DMs always; `C_MISSING...` never (to test fallbacks).
    if (channel.startsWith('C_MISSING')) throw new SlackApiError('channel_not_found');
    // A DM between two people (`humanDm`): the app is not in it, and Slack answers channel_not_found
    // (https://docs.slack.dev/reference/methods/chat.postMessage, "Errors").
    if (/^D.*_/.test(channel)) throw new SlackApiError('channel_not_found');
  };
  const useTrigger = (args: Args) => {
    const trigger = str(args, 'trigger_id');
    const issued = triggers.get(trigger);
    if (issued === undefined) throw new SlackApiError('invalid_trigger_id');
    const age = Date.now() - issued;
    if (age > triggerTtl) throw new SlackApiError('expired_trigger_id', { trigger_age_ms: age });
    triggers.delete(trigger);
    return age;
  };
  let lastTriggerAge: number | undefined;
  const viewOut = (v: FakeView) => ({
    id: v.id,
    hash: v.hash,
    team_id: v.team,
    ...v.view,
    root_view_id: v.rootId,
  });

  const methods: Record<string, Handler> = {
    'auth.test': (_args, team) => {
      const t = needTeam(team);
      return {
        url: `https://${t.name.toLowerCase().replace(/\W+/g, '-')}.slack.fake/`,
        team: t.name,
        user: 'oversight',
        team_id: t.id,
        user_id: t.botUserId,
        bot_id: t.botId,
        is_enterprise_install: false,
      };
    },
    'chat.postMessage': (args, team) => {
      const t = needTeam(team);
      const channel = str(args, 'channel');
      knownChannel(channel);
      checkedMessage(args, 'chat.postMessage');
      const warning = truncated(args);
      audited('chat.postMessage', args, { channel });
      if (
        typeof args.thread_ts === 'string' &&
        !messages.some((m) => m.channel === channel && m.ts === args.thread_ts)
      )
        throw new SlackApiError('thread_not_found');
      const msg = post(t, channel, args);
      return { channel, ts: msg.ts, message: { ...msg }, ...warning };
    },
    'chat.update': (args, team) => {
      needTeam(team);
      const channel = str(args, 'channel');
      const ts = str(args, 'ts');
      checkedMessage(args, 'chat.update');
      const warning = truncated(args);
      audited('chat.update', args, { channel });
      const msg = messages.find((m) => m.channel === channel && m.ts === ts);
      if (!msg) throw new SlackApiError('message_not_found');
      msg.text = typeof args.text === 'string' ? args.text : msg.text;
      if (Array.isArray(args.blocks)) msg.blocks = args.blocks;
      msg.edited = true;
      return { channel, ts, text: msg.text, ...warning };
    },
    'chat.postEphemeral': (args, team) => {
      needTeam(team);
      const channel = str(args, 'channel');
      const user = str(args, 'user');
      knownChannel(channel);
      checkedMessage(args, 'chat.postEphemeral');
      truncated(args);
      audited('chat.postEphemeral', args, { channel, ephemeral: true });
      ephemerals.push({
        channel,
        user,
        text: typeof args.text === 'string' ? args.text : '',
        ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
      });
      return { message_ts: nextTs() };
    },
    'chat.scheduleMessage': (args, team) => {
      const t = needTeam(team);
      const channel = str(args, 'channel');
      const postAt = Number(str(args, 'post_at'));
      const now = Math.floor(Date.now() / 1000);
      if (!Number.isInteger(postAt)) throw new SlackApiError('invalid_time');
      if (postAt <= now) throw new SlackApiError('time_in_past');
      if (postAt > now + 120 * 86400) throw new SlackApiError('time_too_far');
      checkedMessage(args, 'chat.scheduleMessage');
      truncated(args);
      audited('chat.scheduleMessage', args, { channel });
      const item: FakeScheduled = {
        id: nextId('Q'),
        channel,
        post_at: postAt,
        date_created: now,
        text: typeof args.text === 'string' ? args.text : '',
        team: t.id,
        ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
        ...(typeof args.thread_ts === 'string' ? { thread_ts: args.thread_ts } : {}),
      };
      scheduled.set(item.id, item);
      return { channel, scheduled_message_id: item.id, post_at: postAt };
    },
    'chat.scheduledMessages.list': (args, team) => {
      const t = needTeam(team);
      const channel = typeof args.channel === 'string' ? args.channel : null;
      const list = [...scheduled.values()]
        .filter((s) => s.team === t.id && (!channel || s.channel === channel))
        .map((s) => ({
          id: s.id,
          channel_id: s.channel,
          post_at: s.post_at,
          date_created: s.date_created,
          text: s.text,
        }));
      return { scheduled_messages: list, response_metadata: { next_cursor: '' } };
    },
    'chat.deleteScheduledMessage': (args, team) => {
      needTeam(team);
      const id = str(args, 'scheduled_message_id');
      if (!scheduled.delete(id)) throw new SlackApiError('invalid_scheduled_message_id');
      return {};
    },
    'chat.getPermalink': (args, team) => {
      const t = needTeam(team);
      const channel = str(args, 'channel');
      const ts = str(args, 'message_ts');
      if (!messages.some((m) => m.channel === channel && m.ts === ts))
        throw new SlackApiError('message_not_found');
      return { channel, permalink: `https://slack.fake/archives/${t.id}/${channel}/p${ts.replace('.', '')}` };
    },
    'conversations.open': (args, team) => {
      needTeam(team);
      const list = String(args.users ?? '')
        .split(',')
        .filter(Boolean);
      if (list.length !== 1) throw new SlackApiError('invalid_arguments');
      return { channel: { id: dm(list[0]!) } };
    },
    'users.info': (args, team) => {
      const t = needTeam(team);
      const user = userOf(str(args, 'user'));
      if (user.team !== t.id) throw new SlackApiError('user_not_found');
      return {
        user: {
          id: user.id,
          team_id: user.team,
          name: user.name,
          real_name: user.name,
          tz: user.tz ?? 'UTC',
          is_bot: false,
        },
      };
    },
    'usergroups.users.list': (args, team) => {
      needTeam(team);
      const group = str(args, 'usergroup');
      const members = options.userGroups?.[group];
      if (!members) throw new SlackApiError('no_such_subteam');
      return { users: members };
    },
    'views.open': (args, team) => {
      const t = needTeam(team);
      const triggerAgeMs = useTrigger(args);
      checkedView(args.view, 'views.open');
      const view = args.view as Args;
      if (view.type !== 'modal') throw new SlackApiError('invalid_arguments');
      lastTriggerAge = triggerAgeMs;
      const id = nextId('V');
      const v: FakeView = {
        id,
        hash: nextId('h'),
        team: t.id,
        user: String(args.user ?? ''),
        view,
        rootId: id,
        closed: false,
      };
      views.set(id, v);
      return { view: viewOut(v) };
    },
    'views.push': (args, team) => {
      const t = needTeam(team);
      lastTriggerAge = useTrigger(args);
      checkedView(args.view, 'views.push');
      const roots = [...views.values()].filter((v) => !v.closed && v.view.type === 'modal');
      const root = roots.at(-1);
      if (!root) throw new SlackApiError('not_found');
      const depth = roots.filter((v) => v.rootId === root.rootId).length;
      if (depth >= LIMITS.viewStack) throw new SlackApiError('push_limit_reached');
      const id = nextId('V');
      const v: FakeView = {
        id,
        hash: nextId('h'),
        team: t.id,
        user: root.user,
        view: args.view as Args,
        rootId: root.rootId,
        closed: false,
      };
      views.set(id, v);
      return { view: viewOut(v) };
    },
    'views.update': (args, team) => {
      needTeam(team);
      checkedView(args.view, 'views.update');
      const id = typeof args.view_id === 'string' ? args.view_id : null;
      const v = id ? views.get(id) : [...views.values()].find((x) => x.view.external_id === args.external_id);
      if (!v || v.closed) throw new SlackApiError('not_found');
      if (typeof args.hash === 'string' && args.hash !== v.hash) throw new SlackApiError('hash_conflict');
      v.view = args.view as Args;
      v.hash = nextId('h');
      return { view: viewOut(v) };
    },
    'views.publish': (args, team) => {
      const t = needTeam(team);
      const user = str(args, 'user_id');
      checkedView(args.view, 'views.publish');
      if ((args.view as Args).type !== 'home') throw new SlackApiError('invalid_arguments');
      const existing = homes.get(user);
      const prior = existing ? views.get(existing) : undefined;
      if (prior && typeof args.hash === 'string' && args.hash !== prior.hash)
        throw new SlackApiError('hash_conflict');
      const id = prior?.id ?? nextId('V');
      const v: FakeView = {
        id,
        hash: nextId('h'),
        team: t.id,
        user,
        view: args.view as Args,
        rootId: id,
        closed: false,
      };
      views.set(id, v);
      homes.set(user, id);
      return { view: viewOut(v) };
    },
    'oauth.v2.access': (args) => {
      const code = str(args, 'code');
      if (
        args.client_id !== (options.clientId ?? 'fake-client-id') ||
        args.client_secret !== (options.clientSecret ?? 'fake-client-secret')
      )
        throw new SlackApiError('invalid_client_id');
      const grant = codes.get(code);
      if (!grant) throw new SlackApiError('invalid_code');
      codes.delete(code);
      const { team, installer } = grant;
      return {
        app_id: appId,
        authed_user: { id: installer },
        scope: 'chat:write,commands,im:write,users:read',
        token_type: 'bot',
        access_token: team.botToken,
        bot_user_id: team.botUserId,
        team: { id: team.id, name: team.name },
        enterprise: null,
        is_enterprise_install: false,
      };
    },
  };

  const server = createServer(async (req, res) => {
    // When the app sent it (what a person's client would see the time of), not when it was handled:
    // the body is read and any injected latency passes before the call is recorded.
    const at = Date.now();
    try {
      await route(req, res, at);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'fatal_error', detail: (error as Error).message }));
    }
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function route(req: IncomingMessage, res: ServerResponse, at: number): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && url.pathname === '/oauth/v2/authorize') {
      // Slack's consent screen, accepted at once for the first workspace: back to the app with a code.
      const redirect = url.searchParams.get('redirect_uri');
      if (!redirect) {
        res.writeHead(400).end('redirect_uri missing');
        return;
      }
      const target = new URL(redirect);
      target.searchParams.set(
        'code',
        fake.oauthCode(teams[0]!, url.searchParams.get('user') ?? 'UINSTALLER'),
      );
      const state = url.searchParams.get('state');
      if (state) target.searchParams.set('state', state);
      res.writeHead(302, { location: target.toString() }).end();
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (url.pathname.startsWith('/response/')) {
      const parsed = parseBody(body, String(req.headers['content-type'] ?? 'application/json'));
      const broken = brokenText(parsed);
      if (broken.length) audit.record('text', 'response_url', broken);
      // A response URL takes a message: the same rules, and an ephemeral one notifies nobody else.
      const problems = parsed.delete_original ? [] : messageProblems(parsed.blocks, parsed.text);
      if (problems.length) {
        audit.record('refused', 'response_url', problems);
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: false, error: 'invalid_blocks' }));
        return;
      }
      audited('response_url', parsed, { ephemeral: parsed.response_type !== 'in_channel' });
      responses.push(parsed);
      recorded.push({
        method: 'response_url',
        args: parsed,
        team: null,
        status: 200,
        error: null,
        at,
        responseUrl: `${base}${url.pathname}`,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    const method = url.pathname.startsWith('/api/') ? url.pathname.slice(5) : null;
    if (!method || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const args = parseBody(body, String(req.headers['content-type'] ?? ''));
    const broken = brokenText(args);
    if (broken.length) audit.record('text', method, broken);
    const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const basic = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (basic) {
      const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      args.client_id ??= id;
      args.client_secret ??= secret;
    }
    const token = auth ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    const team = teamOfToken(token);
    const record = (status: number, error: string | null) => {
      const { client_secret: _secret, code: _code, ...safe } = args;
      recorded.push({
        method,
        args: safe,
        team: team?.id ?? null,
        status,
        error,
        at,
        ...(lastTriggerAge !== undefined ? { triggerAgeMs: lastTriggerAge } : {}),
      });
      lastTriggerAge = undefined;
    };
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const limit = limits.get(method);
    if (limit && limit.times > 0) {
      limit.times -= 1;
      record(429, 'ratelimited');
      res
        .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(limit.retryAfter) })
        .end('{"ok":false,"error":"ratelimited"}');
      return;
    }
    const wait = rateLimiter?.check(
      method,
      team?.id ?? null,
      typeof args.channel === 'string' ? args.channel : null,
    );
    if (wait) {
      record(429, 'ratelimited');
      res
        .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(wait) })
        .end('{"ok":false,"error":"ratelimited"}');
      return;
    }
    const send = (payload: Record<string, unknown>) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(payload, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    const failure = failures.get(method);
    if (failure && failure.times > 0) {
      failure.times -= 1;
      record(200, failure.error);
      send({ ok: false, error: failure.error });
      return;
    }
    if (method === 'apps.connections.open') {
      if (token !== appToken) {
        record(200, 'invalid_auth');
        send({ ok: false, error: 'invalid_auth' });
        return;
      }
      record(200, null);
      send({ ok: true, url: `${fake.url.replace('http', 'ws')}/socket?ticket=${randomUUID()}` });
      return;
    }
    const handler = methods[method];
    if (!handler) {
      record(200, 'unknown_method');
      send({ ok: false, error: 'unknown_method' });
      return;
    }
    try {
      const result = handler(args, team);
      record(200, null);
      send({ ok: true, ...result });
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      record(200, error.code);
      send({ ok: false, error: error.code, ...error.extra });
    }
  }

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  const base = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const socket = startSocket(server);

  const fake: FakeSlack = {
    url: base,
    apiUrl: `${base}/api/`,
    teams,
    appToken,
    calls: (method) => (method ? recorded.filter((c) => c.method === method) : [...recorded]),
    rateLimit(method, times = 1, retryAfterSeconds = 1) {
      limits.set(method, { times, retryAfter: retryAfterSeconds });
    },
    failNext(method, error, times = 1) {
      failures.set(method, { times, error });
    },
    messages: (channel) => messages.filter((m) => !channel || m.channel === channel),
    thread: (channel, ts) =>
      messages.filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts)),
    ephemerals: (user) => ephemerals.filter((e) => !user || e.user === user),
    responses: () => [...responses],
    views: () => [...views.values()],
    view: (id) => views.get(id),
    home: (user) => {
      const id = homes.get(user);
      return id ? views.get(id) : undefined;
    },
    scheduled: () => [...scheduled.values()],
    fireScheduled(opts = {}) {
      const now = Date.now() / 1000;
      const out: FakeMessage[] = [];
      for (const s of [...scheduled.values()].sort((a, b) => a.post_at - b.post_at)) {
        if (!opts.all && s.post_at > now) continue;
        scheduled.delete(s.id);
        const team = teams.find((t) => t.id === s.team)!;
        out.push(post(team, s.channel, { text: s.text, blocks: s.blocks, thread_ts: s.thread_ts }));
      }
      return out;
    },
    trigger() {
      const id = `${Date.now()}.${++counter}.${randomUUID().slice(0, 8)}`;
      triggers.set(id, Date.now());
      return id;
    },
    responseUrl: () => `${base}/response/${randomUUID()}`,
    oauthCode(team, installer) {
      const code = `code-${randomUUID()}`;
      codes.set(code, { team, installer });
      return code;
    },
    applySubmission(viewId, answer) {
      const v = views.get(viewId);
      if (!v) return;
      const problems = submissionAnswerProblems(answer, v.view);
      if (problems.length) {
        audit.record('refused', 'view_submission response', problems);
        return;
      }
      const a = (answer && typeof answer === 'object' ? answer : {}) as Args;
      if (a.response_action === 'errors') return;
      if (a.response_action === 'update' && a.view) {
        v.view = a.view as Args;
        v.hash = nextId('h');
        return;
      }
      if (a.response_action === 'push' && a.view) {
        const depth = [...views.values()].filter((x) => x.rootId === v.rootId && !x.closed).length;
        if (depth >= LIMITS.viewStack) throw new SlackApiError('push_limit_reached');
        const id = nextId('V');
        views.set(id, {
          id,
          hash: nextId('h'),
          team: v.team,
          user: v.user,
          view: a.view as Args,
          rootId: v.rootId,
          closed: false,
        });
        return;
      }
      for (const x of views.values()) if (x.rootId === v.rootId) x.closed = true;
    },
    dm,
    humanDm: (a: string, b: string) => `D_${[a, b].sort().join('_')}`,
    audit,
    rateLimiter,
    socket,
    async close() {
      audit.closed = true;
      await socket.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
