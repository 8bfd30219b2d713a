import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditLog, brokenText } from '../audit.ts';
import { FakeGateway } from './gateway.ts';
import { type FakeInteraction, type InteractionAck, InteractionBook } from './interactions.ts';
import { DiscordRateLimiter, type DiscordRateLimitOptions } from './ratelimit.ts';
import { DiscordError, FakeRest } from './rest.ts';
import { type FakeChannel, type FakeMessage, FakeState, type FakeUser, snowflake } from './state.ts';

/**
 * A local Discord for tests and benchmarks: the REST API under /api/v10 and the gateway WebSocket,
 * spoken to the real discord.js client (`rest: { api: fake.api }`), on loopback only. Every REST call
 * is recorded. Tests act as people through it: slash commands, clicks, selects and modal submissions
 * become INTERACTION_CREATE dispatches, and what the bot answered is read back from its messages.
 */

type Json = Record<string, unknown>;

export interface RestCall {
  method: string;
  path: string;
  body: unknown;
  status: number;
  /** When the request arrived (ms since the epoch). */
  at: number;
}

export interface FakeDiscordOptions {
  token?: string;
  applicationId?: string;
  botName?: string;
  port?: number;
  heartbeatIntervalMs?: number;
  /** Refuse messages in archived threads (50083) until the bot reopens them (default true). */
  rejectArchivedSends?: boolean;
  /**
   * Discord's rate limits (ratelimit.ts): per-route buckets and 50 requests per second globally,
   * interaction endpoints excepted. On unless `false`: throughput measured through the fake is then
   * throughput Discord would allow.
   */
  rateLimits?: DiscordRateLimitOptions | false;
}

export interface CommandInput {
  /** Subcommand (and group) names. */
  subcommand?: string;
  group?: string;
  options?: Record<string, string | number | boolean>;
  /** The server it is typed in (default the bot's first); its channel unless `channelId` says otherwise. */
  guildId?: string;
  channelId?: string;
  /**
   * Deliver it even where the command is not registered, as a client with an out-of-date command list
   * (a global registration since withdrawn) or a hand-made request can. The options are still checked
   * against the command's registration elsewhere.
   */
  stale?: boolean;
}

export interface Injected {
  method?: string;
  path: RegExp;
  status: number;
  body?: Json;
  headers?: Record<string, string>;
  times: number;
}

export class FakeDiscord {
  readonly state: FakeState;
  readonly gateway: FakeGateway;
  readonly interactions: InteractionBook;
  readonly calls: RestCall[] = [];
  readonly token: string;
  /** Requests refused for breaking a documented rule, and mentions nobody chose (see audit.ts). */
  readonly audit = new AuditLog('discord');
  /** Null when rate limits are off. */
  readonly rateLimiter: DiscordRateLimiter | null;
  private readonly rest: FakeRest;
  private readonly injected: Injected[] = [];
  private server!: http.Server;
  port = 0;

  constructor(options: FakeDiscordOptions = {}) {
    this.token = options.token ?? 'fake-discord-bot-token.for-loopback-tests';
    this.state = new FakeState(options.applicationId ?? snowflake(), options.botName ?? 'Oversight');
    this.gateway = new FakeGateway(this.state, {
      token: this.token,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41250,
      url: () => `ws://127.0.0.1:${this.port}/gateway`,
    });
    this.interactions = new InteractionBook(this.state, this.gateway);
    this.rest = new FakeRest(this.state, this.gateway, this.interactions, {
      rejectArchivedSends: options.rejectArchivedSends !== false,
      gatewayUrl: () => `ws://127.0.0.1:${this.port}/gateway`,
      audit: this.audit,
    });
    this.rateLimiter = options.rateLimits === false ? null : new DiscordRateLimiter(options.rateLimits ?? {});
    this.interactions.rest = this.rest;
  }

  /** The value for discord.js's `rest.api` option. */
  get api(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get applicationId(): string {
    return this.state.applicationId;
  }

  get guildId(): string {
    return this.state.guildId;
  }

  /** The text channel every guild interaction happens in unless told otherwise. */
  get channelId(): string {
    return this.state.channelId;
  }

  async listen(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    this.server.on('upgrade', (req, socket, head) => this.gateway.upgrade(req, socket, head));
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.audit.closed = true;
    this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` calls matching get this answer instead (500s, 429 with Retry-After, ...). */
  inject(fault: Omit<Injected, 'times'> & { times?: number }): void {
    this.injected.push({ ...fault, times: fault.times ?? 1 });
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // When the bot sent it (what a person's client would see the time of), not when it was handled: an
    // interaction's callback resolves the clicking person's wait before the handler returns.
    const at = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    let body: Json | null = null;
    const raw = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      this.calls.push({ method, path: url.pathname, body, status, at });
      // A 204 carries no body and no JSON content type (discord.js would try to parse it).
      if (status === 204 || payload === undefined) {
        res.writeHead(status, headers);
        res.end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (!url.pathname.startsWith('/api/v10/'))
      return send(404, { code: 0, message: '404: Not Found (use /api/v10)' });
    const path = url.pathname.slice('/api/v10'.length);
    try {
      if (raw) {
        const type = req.headers['content-type'] ?? '';
        if (type.startsWith('multipart/form-data')) {
          const match = /name="payload_json"[\s\S]*?\r\n\r\n([\s\S]*?)\r\n--/.exec(raw);
          body = match ? JSON.parse(match[1]!) : {};
        } else body = JSON.parse(raw);
      }
    } catch {
      return send(400, { code: 50109, message: 'The request body contains invalid JSON.' });
    }
    const fault = this.injected.find((f) => f.path.test(path) && (!f.method || f.method === method));
    if (fault) {
      fault.times -= 1;
      if (fault.times <= 0) this.injected.splice(this.injected.indexOf(fault), 1);
      return send(
        fault.status,
        fault.body ?? { code: 0, message: `injected ${fault.status}` },
        fault.headers,
      );
    }
    const broken = brokenText(body);
    if (broken.length) this.audit.record('text', `${method} ${path}`, broken);
    const limit = this.rateLimiter?.check(method, path) ?? { ok: true as const, headers: {} };
    if (!limit.ok) return send(429, limit.body, limit.headers);
    try {
      const reply = this.rest.handle({
        method,
        path,
        query: url.searchParams,
        body,
        authorized: req.headers.authorization === `Bot ${this.token}`,
      });
      send(reply.status, reply.body, { ...limit.headers, ...reply.headers });
    } catch (error) {
      if (error instanceof DiscordError) {
        // A body that breaks a documented rule is the app's defect, whatever the state of Discord.
        if (error.status === 400 && [50035, 50006, 50109].includes(error.code))
          this.audit.record('refused', `${method} ${path}`, error.errors ?? [error.message]);
        return send(
          error.status,
          {
            code: error.code,
            message: error.message,
            ...(error.errors
              ? { errors: { _errors: error.errors.map((message) => ({ code: 'INVALID', message })) } }
              : {}),
          },
          limit.headers,
        );
      }
      send(500, { code: 0, message: `fake-discord: ${(error as Error).message}` });
    }
  }

  // ---- servers ----

  /**
   * Someone adds the bot to another server (a public bot can be added to any). The bot hears of it as
   * Discord tells it: GUILD_CREATE. Returns the server's id and its text channel.
   */
  addGuild(name = 'Another server'): { id: string; channelId: string } {
    const guild = this.state.addGuild(name);
    this.gateway.dispatch('GUILD_CREATE', this.state.guildCreate(guild.id));
    return { id: guild.id, channelId: guild.channelId };
  }

  /** A text channel made in a server (the bot's first unless told), as Discord tells the bot: CHANNEL_CREATE. */
  addChannel(name: string, guildId: string = this.guildId): string {
    const channel = this.state.addChannel(name, guildId);
    this.gateway.dispatch('CHANNEL_CREATE', this.state.wireChannel(channel));
    return channel.id;
  }

  /** A role in a server (the bot's first unless told), with the id a test chose when it needs one. */
  addRole(name: string, options: { id?: string; guildId?: string } = {}): { id: string; name: string } {
    const role = this.state.addRole(name, options);
    this.gateway.dispatch('GUILD_ROLE_CREATE', { guild_id: options.guildId ?? this.guildId, role });
    return { id: role.id, name: role.name };
  }

  // ---- acting as people ----

  /** A member of a server (the bot's first unless `guildId`), with roles by name (made when missing). */
  user(id: string, options: { name?: string; roles?: string[]; guildId?: string } = {}): FakeUser {
    const guild = this.state.guild(options.guildId);
    const known = new Set(guild.roles.map((r) => r.id));
    const user = this.state.user(id, options);
    // New roles reach the bot as Discord announces them (GUILD_ROLE_CREATE, with the Guilds intent).
    for (const role of guild.roles.filter((r) => !known.has(r.id)))
      this.gateway.dispatch('GUILD_ROLE_CREATE', { guild_id: guild.id, role });
    return user;
  }

  /** A slash command as a person types it; resolves once the bot acknowledged it (or the deadline passed). */
  command(userId: string, name: string, input: CommandInput = {}): Promise<Acted> {
    const guild = this.state.guild(input.guildId);
    const byName = (scope: string) => (this.state.commands.get(scope) ?? []).find((c) => c.name === name);
    const registered =
      byName(guild.id) ??
      byName('global') ??
      (input.stale ? [...this.state.commands.keys()].map(byName).find(Boolean) : undefined);
    if (!registered)
      throw new Error(
        `fake-discord: no command /${name} is registered in guild ${guild.id}${guild.id === this.guildId ? '' : ` (${guild.name})`}`,
      );
    let options: Json[] = Object.entries(input.options ?? {}).map(([key, value]) => ({
      name: key,
      type: typeof value === 'number' ? 10 : typeof value === 'boolean' ? 5 : 3,
      value,
    }));
    const known = (list: Json[] | undefined, path: string[]): Json[] | undefined => {
      let current = list;
      for (const part of path)
        current = (current?.find((o) => o.name === part)?.options as Json[]) ?? undefined;
      return current;
    };
    const path = [input.group, input.subcommand].filter((p): p is string => Boolean(p));
    const declared = known(registered.options as Json[] | undefined, path) ?? [];
    for (const o of options)
      if (!declared.some((d) => d.name === o.name))
        throw new Error(`fake-discord: /${name} ${path.join(' ')} has no option ${o.name}`);
    for (const d of declared)
      if (d.required && !options.some((o) => o.name === d.name))
        throw new Error(`fake-discord: /${name} ${path.join(' ')} requires ${d.name}`);
    if (input.subcommand) options = [{ type: 1, name: input.subcommand, options }];
    if (input.group) options = [{ type: 2, name: input.group, options }];
    const data = { id: registered.id, name, type: 1, guild_id: guild.id, options };
    return this.act(2, userId, input.channelId ?? guild.channelId, data);
  }

  /**
   * An interaction without the checks a person's client makes (that the control is on a message they
   * can see, that the modal was opened): what a modified client, or an old message in a place the bot
   * should no longer serve, can produce. `type` 3 for a component (`data`: custom_id and
   * component_type, values for a select), 5 for a modal submission.
   */
  forge(userId: string, channelId: string, type: 3 | 5, data: Json, message?: FakeMessage): Promise<Acted> {
    return this.act(type, userId, channelId, data, message);
  }

  /**
   * A message from the bot in a channel, put there directly: for a test that needs one the bot left
   * behind (e.g. a trial's controls posted in a server by an earlier version that served every server).
   */
  post(channelId: string, body: Json): FakeMessage {
    const channel = this.state.channels.get(channelId);
    if (!channel) throw new Error(`fake-discord: no channel ${channelId}`);
    const created = this.rest.createMessage(channel, body);
    return this.state.findMessage(String(created.id))!;
  }

  /** A button click on a message this person can see. */
  click(userId: string, message: FakeMessage, customId: string): Promise<Acted> {
    const component = this.component(userId, message, customId, 2);
    if (component.disabled) throw new Error(`fake-discord: button ${customId} is disabled`);
    return this.act(3, userId, message.channel_id, { custom_id: customId, component_type: 2 }, message);
  }

  /** A select menu choice. */
  select(userId: string, message: FakeMessage, customId: string, values: string[]): Promise<Acted> {
    const component = this.component(userId, message, customId, 3);
    const allowed = new Set(((component.options as Json[]) ?? []).map((o) => String(o.value)));
    for (const v of values)
      if (!allowed.has(v)) throw new Error(`fake-discord: select ${customId} has no option ${v}`);
    return this.act(
      3,
      userId,
      message.channel_id,
      { custom_id: customId, component_type: 3, values },
      message,
    );
  }

  /** Submits the modal that `opened` answered with, filled in as given (a select's or radio group's option values as an array or a string). */
  submit(userId: string, opened: Acted, values: Record<string, string | string[]>): Promise<Acted> {
    if (opened.interaction.user.id !== userId)
      throw new Error('fake-discord: only the person who opened a modal submits it');
    const data = this.interactions.modalSubmission(opened.interaction, values);
    const source = opened.interaction.payload.message as Json | undefined;
    const message = source ? this.state.findMessage(String(source.id)) : undefined;
    return this.act(5, userId, opened.interaction.channelId, data, message);
  }

  /**
   * The same interaction delivered to the bot again (as a resumed gateway may); resolves with what the
   * fake refused of the bot's answers to it: as soon as there is one (a bot that tries to acknowledge it
   * again is refused at once), else after `waitMs`. A fixed short wait failed on a loaded machine,
   * where the bot's second acknowledgement came after it.
   */
  async redeliver(acted: Acted, waitMs = 15_000): Promise<string[]> {
    const before = acted.interaction.refusals.length;
    this.interactions.send(acted.interaction);
    const until = Date.now() + waitMs;
    while (acted.interaction.refusals.length === before && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 20));
    return acted.interaction.refusals.slice(before);
  }

  private component(userId: string, message: FakeMessage, customId: string, type: number): Json {
    this.assertVisible(userId, message);
    const found = message.components
      .flatMap((row) => (row.components as Json[]) ?? [])
      .find((c) => c.custom_id === customId && c.type === type);
    if (!found)
      throw new Error(
        `fake-discord: message ${message.id} has no ${type === 2 ? 'button' : 'select'} ${customId}`,
      );
    return found;
  }

  private assertVisible(userId: string, message: FakeMessage): void {
    if (message.visibleTo && message.visibleTo !== userId)
      throw new Error(
        `fake-discord: user ${userId} cannot see an ephemeral message for ${message.visibleTo}`,
      );
    const channel = this.state.channels.get(message.channel_id);
    if (channel?.type === 12 && !channel.members?.has(userId) && !this.isModerator(userId))
      throw new Error(`fake-discord: user ${userId} is not in private thread ${channel.id}`);
  }

  /** Moderators (a role named "Moderator") see private threads, as Manage Threads allows. */
  private isModerator(userId: string): boolean {
    const mod = this.state.roles.find((r) => r.name === 'Moderator');
    return Boolean(mod && this.state.members.get(userId)?.roles.includes(mod.id));
  }

  private async act(
    type: number,
    userId: string,
    channelId: string,
    data: Json,
    message?: FakeMessage,
  ): Promise<Acted> {
    const user = this.state.users.get(userId) ?? this.user(userId);
    const interaction = this.interactions.create(type, user, channelId, data, message);
    if (!this.interactions.send(interaction))
      throw new Error('fake-discord: no bot is connected to the gateway');
    const ack = await this.interactions.acked(interaction);
    return new Acted(this, interaction, ack);
  }

  // ---- reading what the bot did ----

  /** Messages in a channel, oldest first, as `viewer` sees them (their ephemeral replies included). */
  messages(channelId: string, viewer?: string): FakeMessage[] {
    return this.state.channelMessages(channelId).filter((m) => !m.visibleTo || m.visibleTo === viewer);
  }

  /** Threads the bot opened, oldest first. */
  threads(): FakeChannel[] {
    return [...this.state.channels.values()].filter((c) => c.type === 11 || c.type === 12);
  }

  /** Messages the bot sent a user in their DM channel. */
  dms(userId: string): FakeMessage[] {
    const channel = [...this.state.channels.values()].find(
      (c) => c.type === 1 && c.recipients?.[0]?.id === userId,
    );
    return channel ? this.state.channelMessages(channel.id) : [];
  }

  /** Archives a thread as Discord does after its inactivity period. */
  archive(threadId: string): void {
    const thread = this.state.channels.get(threadId);
    if (!thread?.thread_metadata) throw new Error(`fake-discord: ${threadId} is not a thread`);
    thread.thread_metadata.archived = true;
    this.gateway.dispatch('THREAD_UPDATE', this.state.wireChannel(thread));
  }

  message(id: string): FakeMessage | undefined {
    return this.state.findMessage(id);
  }
}

/** An interaction a person made and what the bot answered. */
export class Acted {
  constructor(
    private readonly fake: FakeDiscord,
    readonly interaction: FakeInteraction,
    readonly ack: InteractionAck | null,
  ) {}

  /** Acknowledgement latency in milliseconds (Infinity when never acknowledged). */
  get ms(): number {
    return this.ack?.ms ?? Number.POSITIVE_INFINITY;
  }

  /** The modal opened, when the answer was one. */
  get modal(): Json | null {
    return this.ack?.type === 9 ? this.ack.data : null;
  }

  /**
   * The message the answer shows (a reply, an updated message, or a deferred reply once edited),
   * waiting up to `timeoutMs` for a deferred one to be filled in.
   */
  async reply(timeoutMs = 5000): Promise<FakeMessage> {
    if (!this.ack)
      throw new Error(
        `fake-discord: interaction never acknowledged (${this.interaction.refusals.join('; ') || 'no callback'})`,
      );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const id = this.interaction.originalId;
      const message = id ? this.fake.message(id) : undefined;
      const pending =
        !message ||
        message.flags & 128 ||
        (this.ack.type === 6 &&
          (!message.edited_timestamp || message.edited_timestamp === this.ack.editedBefore));
      if (message && !pending) return message;
      if (Date.now() > deadline)
        throw new Error(`fake-discord: no reply within ${timeoutMs} ms (ack type ${this.ack.type})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Text of the reply: content, embed titles, descriptions and fields, for assertions. */
  async text(timeoutMs?: number): Promise<string> {
    return messageText(await this.reply(timeoutMs));
  }

  followups(): FakeMessage[] {
    return this.interaction.followups
      .map((id) => this.fake.message(id))
      .filter((m): m is FakeMessage => Boolean(m));
  }
}

/** All the words of a message, for assertions. */
export function messageText(message: FakeMessage): string {
  const parts = [message.content];
  for (const embed of message.embeds) {
    parts.push(
      String((embed.author as Json | undefined)?.name ?? ''),
      String(embed.title ?? ''),
      String(embed.description ?? ''),
    );
    for (const field of (embed.fields as Json[]) ?? []) parts.push(String(field.name), String(field.value));
    parts.push(String((embed.footer as Json | undefined)?.text ?? ''));
  }
  return parts.filter(Boolean).join('\n');
}

/** Custom ids of a message's buttons and selects, by label (select: its placeholder). */
export function controlsOf(
  message: FakeMessage,
): Array<{ type: number; id: string; label: string; url?: string }> {
  return message.components.flatMap((row) =>
    ((row.components as Json[]) ?? []).map((c) => ({
      type: Number(c.type),
      id: String(c.custom_id ?? ''),
      label: String(c.label ?? c.placeholder ?? ''),
      ...(c.url ? { url: String(c.url) } : {}),
    })),
  );
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  return new FakeDiscord(options).listen(options.port ?? 0);
}
