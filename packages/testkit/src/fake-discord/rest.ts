import type { AuditLog } from '../audit.ts';
import type { FakeGateway } from './gateway.ts';
import type { InteractionBook } from './interactions.ts';
import { commandProblems, type MessageContext, messageProblems, pingsOf, threadProblems } from './limits.ts';
import { type FakeChannel, type FakeMessage, type FakeState, snowflake } from './state.ts';

/**
 * The REST routes under /api/v10 that a bot uses to answer interactions, post in threads and send
 * DMs, answered in Discord's shapes and error codes (10003 Unknown Channel, 50035 Invalid Form Body,
 * 50083 archived thread, 40060 already acknowledged, 10062 Unknown interaction).
 */

type Json = Record<string, unknown>;

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Json | null;
  authorized: boolean;
}

export interface RestReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class DiscordError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: string[],
  ) {
    super(message);
  }
}

const ok = (body: unknown, status = 200): RestReply => ({ status, body });
const empty: RestReply = { status: 204 };

export interface RestOptions {
  /** Discord refuses messages in an archived thread unless it is reopened first (as the bot must). */
  rejectArchivedSends: boolean;
  gatewayUrl: () => string;
  audit: AuditLog;
}

export class FakeRest {
  constructor(
    private readonly state: FakeState,
    private readonly gateway: FakeGateway,
    private readonly interactions: InteractionBook,
    private readonly options: RestOptions,
  ) {}

  handle(req: RestRequest): RestReply {
    const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    const [root, a, b, c, d] = parts;
    const m = req.method;
    // Interaction callbacks and webhooks are authorised by their token, not the bot token.
    if (root === 'interactions' && a && b && c === 'callback' && m === 'POST')
      return this.interactions.callback(a, b, req.body ?? {}, req.query);
    if (root === 'webhooks' && a && b)
      return this.webhook(m, a, b, c === 'messages' ? d : undefined, req.body);
    if (!req.authorized) throw new DiscordError(401, 0, '401: Unauthorized');
    if (root === 'gateway' && m === 'GET')
      return ok({
        url: this.options.gatewayUrl(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    if (root === 'users' && a === '@me' && !b && m === 'GET') return ok(this.state.bot);
    if (root === 'users' && a === '@me' && b === 'channels' && m === 'POST')
      return this.openDm(req.body ?? {});
    if (root === 'applications' && a === '@me' && m === 'GET')
      return ok({
        id: this.state.applicationId,
        name: this.state.bot.username,
        flags: 0,
        bot: this.state.bot,
      });
    if (root === 'applications' && a === this.state.applicationId) {
      const scope = b === 'guilds' && c ? c : 'global';
      // Discord refuses guild commands in a server the bot is not in (or was added without the scope).
      if (scope !== 'global' && !this.state.guilds.has(scope))
        throw new DiscordError(403, 50001, 'Missing Access');
      if ((b === 'commands' && !c) || (b === 'guilds' && d === 'commands')) {
        if (m === 'PUT') return ok(this.putCommands(scope, (req.body as unknown as Json[]) ?? []));
        if (m === 'GET') return ok(this.state.commands.get(scope) ?? []);
      }
    }
    if (root === 'channels' && a) return this.channel(m, a, parts.slice(2), req.body);
    if (root === 'guilds' && a && this.state.guilds.has(a)) {
      const guild = this.state.guild(a);
      if (!b && m === 'GET') return ok(this.state.guildCreate(a));
      if (b === 'roles' && m === 'GET') return ok(guild.roles);
      if (b === 'members' && c && m === 'GET') {
        const member = guild.members.get(c);
        if (!member) throw new DiscordError(404, 10007, 'Unknown Member');
        return ok(this.state.wireMember(member));
      }
    }
    throw new DiscordError(404, 0, `404: Not Found (the fake has no route ${m} ${req.path})`);
  }

  private putCommands(scope: string, body: Json[]): Json[] {
    const problems = commandProblems(body);
    if (problems.length) throw new DiscordError(400, 50035, 'Invalid Form Body', problems);
    const stored = body.map((command) => ({
      ...command,
      id: snowflake(),
      application_id: this.state.applicationId,
      type: command.type ?? 1,
      version: snowflake(),
      ...(scope === 'global' ? {} : { guild_id: scope }),
    }));
    this.state.commands.set(scope, stored);
    return stored;
  }

  private openDm(body: Json): RestReply {
    const user = this.state.users.get(String(body.recipient_id));
    if (!user) throw new DiscordError(400, 50035, 'Invalid Form Body', ['recipient_id: unknown user']);
    for (const channel of this.state.channels.values())
      if (channel.type === 1 && channel.recipients?.[0]?.id === user.id)
        return ok(this.state.wireChannel(channel));
    const channel: FakeChannel = { id: snowflake(), type: 1, recipients: [user] };
    this.state.channels.set(channel.id, channel);
    return ok(this.state.wireChannel(channel));
  }

  private channelOr404(id: string): FakeChannel {
    const channel = this.state.channels.get(id);
    if (!channel) throw new DiscordError(404, 10003, 'Unknown Channel');
    return channel;
  }

  private channel(m: string, id: string, rest: string[], body: Json | null): RestReply {
    const channel = this.channelOr404(id);
    const [what, sub] = rest;
    if (!what) {
      if (m === 'GET') return ok(this.state.wireChannel(channel));
      if (m === 'PATCH') return ok(this.patchChannel(channel, body ?? {}));
    }
    if (what === 'threads' && m === 'POST') return ok(this.createThread(channel, body ?? {}), 201);
    if (what === 'thread-members' && sub && m === 'PUT') {
      if (!channel.members) throw new DiscordError(400, 50024, 'Cannot execute action on this channel type');
      if (channel.thread_metadata?.archived) throw new DiscordError(400, 50083, 'Thread is archived');
      const userId = sub === '@me' ? this.state.bot.id : sub;
      if (!this.state.users.has(userId)) throw new DiscordError(404, 10013, 'Unknown User');
      channel.members.add(userId);
      return empty;
    }
    if (what === 'messages') {
      if (!sub && m === 'POST') return ok(this.createMessage(channel, body ?? {}));
      if (!sub && m === 'GET')
        return ok(
          this.state
            .channelMessages(channel.id)
            .filter((msg) => !msg.visibleTo)
            .slice(-50)
            .reverse()
            .map((msg) => this.state.wireMessage(msg)),
        );
      if (sub) {
        const message = this.state.channelMessages(channel.id).find((msg) => msg.id === sub);
        if (!message) throw new DiscordError(404, 10008, 'Unknown Message');
        if (m === 'GET') return ok(this.state.wireMessage(message));
        if (m === 'PATCH') {
          if (message.author.id !== this.state.bot.id)
            throw new DiscordError(403, 50005, 'Cannot edit a message authored by another user');
          return ok(this.editMessage(message, body ?? {}));
        }
      }
    }
    throw new DiscordError(
      404,
      0,
      `404: Not Found (the fake has no route ${m} /channels/${id}/${rest.join('/')})`,
    );
  }

  private patchChannel(channel: FakeChannel, body: Json): Json {
    if (channel.thread_metadata) {
      if (channel.thread_metadata.locked && body.archived === false && body.locked !== false)
        throw new DiscordError(403, 50013, 'Missing Permissions');
      if (typeof body.archived === 'boolean') {
        channel.thread_metadata.archived = body.archived;
        channel.thread_metadata.archive_timestamp = new Date().toISOString();
      }
      if (typeof body.locked === 'boolean') channel.thread_metadata.locked = body.locked;
    }
    if (typeof body.name === 'string') channel.name = body.name;
    const wire = this.state.wireChannel(channel);
    this.gateway.dispatch(channel.thread_metadata ? 'THREAD_UPDATE' : 'CHANNEL_UPDATE', wire);
    return wire;
  }

  private createThread(parent: FakeChannel, body: Json): Json {
    if (parent.type !== 0) throw new DiscordError(400, 50024, 'Cannot execute action on this channel type');
    const problems = threadProblems(body);
    if (problems.length) throw new DiscordError(400, 50035, 'Invalid Form Body', problems);
    const name = String(body.name);
    const type = Number(body.type ?? 12);
    const thread: FakeChannel = {
      id: snowflake(),
      type,
      guild_id: parent.guild_id!,
      parent_id: parent.id,
      name,
      owner_id: this.state.bot.id,
      thread_metadata: {
        archived: false,
        auto_archive_duration: Number(body.auto_archive_duration ?? 10080),
        archive_timestamp: new Date().toISOString(),
        locked: false,
        ...(type === 12 ? { invitable: body.invitable !== false } : {}),
      },
      members: new Set([this.state.bot.id]),
    };
    this.state.channels.set(thread.id, thread);
    const wire = this.state.wireChannel(thread);
    this.gateway.dispatch('THREAD_CREATE', { ...wire, newly_created: true });
    return wire;
  }

  createMessage(
    channel: FakeChannel,
    body: Json,
    extra: Partial<FakeMessage> = {},
    context: MessageContext = 'create',
  ): Json {
    const problems = messageProblems(body, context);
    if (problems.length) throw new DiscordError(400, 50035, 'Invalid Form Body', problems);
    if (channel.thread_metadata?.archived && this.options.rejectArchivedSends)
      throw new DiscordError(400, 50083, 'Thread is archived');
    if (channel.thread_metadata?.locked) throw new DiscordError(403, 50013, 'Missing Permissions');
    const list = this.state.channelMessages(channel.id);
    // enforce_nonce: the same nonce from the same author within minutes returns the first message.
    if (body.enforce_nonce && body.nonce !== undefined) {
      const since = Date.now() - 5 * 60_000;
      const earlier = list.find(
        (msg) =>
          msg.nonce === body.nonce &&
          msg.author.id === this.state.bot.id &&
          Date.parse(msg.timestamp) > since,
      );
      if (earlier) return this.state.wireMessage(earlier);
    }
    const message: FakeMessage = {
      id: snowflake(),
      channel_id: channel.id,
      author: this.state.bot,
      content: String(body.content ?? ''),
      embeds: ((body.embeds as Json[]) ?? []).map((e) => ({ type: 'rich', ...e })),
      components: (body.components as Json[]) ?? [],
      flags: Number(body.flags ?? 0),
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      ...(body.nonce !== undefined ? { nonce: body.nonce as string } : {}),
      ...extra,
    };
    list.push(message);
    // Who it would notify: an ephemeral reply notifies nobody else; a mention nobody named is a defect.
    if (!message.visibleTo) {
      const pings = pingsOf(body, context === 'create' ? 'message' : 'interaction');
      message.pings = pings;
      if (pings.implicit.length > 0)
        this.options.audit.record('ping', `message in channel ${channel.id}`, [
          `${pings.implicit.join(', ')} would notify: nothing in allowed_mentions names them (developers/resources/message.mdx, "Allowed Mentions Object")`,
        ]);
    }
    if (channel.type === 1 || !message.visibleTo)
      this.gateway.dispatch('MESSAGE_CREATE', {
        ...this.state.wireMessage(message),
        guild_id: channel.guild_id,
      });
    return this.state.wireMessage(message);
  }

  editMessage(message: FakeMessage, body: Json): Json {
    const problems = messageProblems(body, 'edit');
    if (problems.length) throw new DiscordError(400, 50035, 'Invalid Form Body', problems);
    if (body.content !== undefined) message.content = String(body.content ?? '');
    if (body.embeds !== undefined)
      message.embeds = ((body.embeds as Json[]) ?? []).map((e) => ({ type: 'rich', ...e }));
    if (body.components !== undefined) message.components = (body.components as Json[]) ?? [];
    if (body.flags !== undefined) message.flags = (message.flags & 64) | (Number(body.flags) & ~128);
    message.flags &= ~128;
    message.edited_timestamp = new Date().toISOString();
    return this.state.wireMessage(message);
  }

  private webhook(
    m: string,
    app: string,
    token: string,
    messageId: string | undefined,
    body: Json | null,
  ): RestReply {
    if (app !== this.state.applicationId) throw new DiscordError(404, 10015, 'Unknown Webhook');
    const interaction = this.interactions.byToken(token);
    if (!interaction) throw new DiscordError(404, 10015, 'Unknown Webhook');
    if (Date.now() - interaction.createdAt > 15 * 60_000)
      throw new DiscordError(401, 50027, 'Invalid Webhook Token');
    if (!interaction.ack)
      throw new DiscordError(404, 10015, 'Unknown Webhook (the interaction was never acknowledged)');
    if (!messageId && m === 'POST') {
      const channel = this.channelOr404(interaction.channelId);
      const flags = Number(body?.flags ?? 0);
      const created = this.createMessage(
        channel,
        body ?? {},
        {
          interactionId: interaction.id,
          webhook_id: this.state.applicationId,
          application_id: this.state.applicationId,
          ...(flags & 64 ? { visibleTo: interaction.user.id } : {}),
        },
        'interaction',
      );
      interaction.followups.push(String(created.id));
      return ok(created);
    }
    if (messageId) {
      const id = messageId === '@original' ? interaction.originalId : messageId;
      const message = id ? this.state.findMessage(id) : undefined;
      if (!message) throw new DiscordError(404, 10008, 'Unknown Message');
      if (m === 'GET') return ok(this.state.wireMessage(message));
      if (m === 'PATCH') return ok(this.editMessage(message, body ?? {}));
      if (m === 'DELETE') {
        const list = this.state.channelMessages(message.channel_id);
        list.splice(list.indexOf(message), 1);
        return empty;
      }
    }
    throw new DiscordError(404, 0, `404: Not Found (the fake has no webhook route ${m})`);
  }
}
