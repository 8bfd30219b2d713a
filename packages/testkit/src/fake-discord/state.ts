/**
 * What the fake Discord knows: the bot's guild with its roles and text channel (and any further
 * guilds a test adds, each with its own roles, members and channel: a bot can be added to servers its
 * operator never chose), users, threads, DM channels, messages, registered commands and
 * interactions. Objects are kept in Discord's wire shapes (snake_case, snowflake strings) so that they
 * can be handed to the real client as they are.
 */

type Json = Record<string, unknown>;

let counter = 0n;
/** Snowflakes that sort by creation, as Discord's do (time in the high bits). */
export function snowflake(): string {
  counter += 1n;
  const ms = BigInt(Date.now()) - 1420070400000n;
  return ((ms << 22n) | (counter & 0x3fffffn)).toString();
}

export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: null;
  bot?: boolean;
}

export interface FakeChannel {
  id: string;
  /** 0 text, 1 DM, 11 public thread, 12 private thread. */
  type: number;
  guild_id?: string;
  parent_id?: string;
  name?: string;
  owner_id?: string;
  recipients?: FakeUser[];
  thread_metadata?: {
    archived: boolean;
    auto_archive_duration: number;
    archive_timestamp: string;
    locked: boolean;
    invitable?: boolean;
  };
  /** Thread members (user ids): who can see a private thread. */
  members?: Set<string>;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  author: FakeUser;
  content: string;
  embeds: Json[];
  components: Json[];
  flags: number;
  timestamp: string;
  edited_timestamp: string | null;
  nonce?: string | number;
  /** For ephemeral interaction replies: the only user who sees it. */
  visibleTo?: string;
  /** The interaction this message answers (for replies and follow-ups). */
  interactionId?: string;
  webhook_id?: string;
  application_id?: string;
  /** Who posting it notified (mentions Discord parsed under its allowed_mentions). */
  pings?: { users: string[]; roles: string[]; everyone: boolean; implicit: string[] };
}

export interface FakeRole {
  id: string;
  name: string;
  permissions: string;
  position: number;
  color: number;
  hoist: boolean;
  managed: boolean;
  mentionable: boolean;
  flags: number;
}

export interface FakeMember {
  user: FakeUser;
  roles: string[];
}

/** A server: its roles and members are its own (a role id is unique across Discord, a name is not). */
export interface FakeGuild {
  id: string;
  name: string;
  roles: FakeRole[];
  members: Map<string, FakeMember>;
  /** Its text channel ("trials"), where interactions happen unless a test says otherwise. */
  channelId: string;
}

export class FakeState {
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();
  readonly messages = new Map<string, FakeMessage[]>();
  /** The bot's first guild's roles and members (the same objects as in `guilds`). */
  readonly roles: FakeRole[] = [];
  readonly members = new Map<string, FakeMember>();
  /** Every guild the bot is in, the first one (`guildId`) included. */
  readonly guilds = new Map<string, FakeGuild>();
  /** Registered application commands, by scope ("global" or a guild id). */
  readonly commands = new Map<string, Json[]>();
  readonly bot: FakeUser;
  readonly guildId = snowflake();
  readonly channelId = snowflake();

  constructor(
    readonly applicationId: string,
    botName: string,
  ) {
    this.bot = {
      id: applicationId,
      username: botName,
      global_name: botName,
      discriminator: '0',
      avatar: null,
      bot: true,
    };
    this.users.set(this.bot.id, this.bot);
    this.setUpGuild({
      id: this.guildId,
      name: 'Oversight trials',
      roles: this.roles,
      members: this.members,
      channelId: this.channelId,
    });
  }

  private setUpGuild(guild: FakeGuild): FakeGuild {
    // @everyone's id is the guild's, as on Discord.
    guild.roles.push(this.role('@everyone', guild.id, 0));
    this.channels.set(guild.channelId, { id: guild.channelId, type: 0, guild_id: guild.id, name: 'trials' });
    this.messages.set(guild.channelId, []);
    guild.members.set(this.bot.id, { user: this.bot, roles: [] });
    this.guilds.set(guild.id, guild);
    return guild;
  }

  /** Another server the bot has been added to (by anyone: a public bot can be added to any server). */
  addGuild(name: string): FakeGuild {
    return this.setUpGuild({ id: snowflake(), name, roles: [], members: new Map(), channelId: snowflake() });
  }

  /** Another text channel in a server (the bot's first unless told). */
  addChannel(name: string, guildId: string = this.guildId): FakeChannel {
    this.guild(guildId);
    const channel: FakeChannel = { id: snowflake(), type: 0, guild_id: guildId, name };
    this.channels.set(channel.id, channel);
    this.messages.set(channel.id, []);
    return channel;
  }

  guild(id: string = this.guildId): FakeGuild {
    const guild = this.guilds.get(id);
    if (!guild) throw new Error(`fake-discord: the bot is in no guild ${id}`);
    return guild;
  }

  role(name: string, id = snowflake(), position = this.roles.length): FakeRole {
    return {
      id,
      name,
      permissions: '0',
      position,
      color: 0,
      hoist: false,
      managed: false,
      mentionable: false,
      flags: 0,
    };
  }

  /** A new role in a guild (the bot's first unless told), with a given id when a test needs to know it. */
  addRole(name: string, options: { id?: string; guildId?: string } = {}): FakeRole {
    const guild = this.guild(options.guildId);
    const id = options.id ?? snowflake();
    if ([...this.guilds.values()].some((g) => g.roles.some((r) => r.id === id)))
      throw new Error(`fake-discord: a role ${id} exists already (role ids are unique across Discord)`);
    const role = this.role(name, id, guild.roles.length);
    guild.roles.push(role);
    return role;
  }

  /** A guild member (created on first use), optionally with roles by name, in the first guild unless told. */
  user(id: string, options: { name?: string; roles?: string[]; guildId?: string } = {}): FakeUser {
    let user = this.users.get(id);
    if (!user) {
      const name = options.name ?? `user${id.slice(-4)}`;
      user = { id, username: name, global_name: name, discriminator: '0', avatar: null };
      this.users.set(id, user);
    }
    const guild = this.guild(options.guildId);
    const member = guild.members.get(id) ?? { user, roles: [] };
    for (const roleName of options.roles ?? []) {
      const role =
        guild.roles.find((r) => r.name === roleName) ?? this.addRole(roleName, { guildId: guild.id });
      if (!member.roles.includes(role.id)) member.roles.push(role.id);
    }
    guild.members.set(id, member);
    return user;
  }

  channelMessages(channelId: string): FakeMessage[] {
    let list = this.messages.get(channelId);
    if (!list) {
      list = [];
      this.messages.set(channelId, list);
    }
    return list;
  }

  findMessage(messageId: string): FakeMessage | undefined {
    for (const list of this.messages.values()) {
      const found = list.find((m) => m.id === messageId);
      if (found) return found;
    }
    return undefined;
  }

  /** The channel as the wire carries it (members are not part of a channel object). */
  wireChannel(channel: FakeChannel): Json {
    const { members, ...rest } = channel;
    return { ...rest, ...(members ? { member_count: members.size, message_count: 0 } : {}) };
  }

  wireMember(member: FakeMember): Json {
    return {
      user: member.user,
      roles: member.roles,
      joined_at: new Date(0).toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
      nick: null,
      avatar: null,
      pending: false,
      permissions: '2248473465835073',
    };
  }

  wireMessage(message: FakeMessage): Json {
    const { visibleTo, interactionId, pings, ...rest } = message;
    return {
      ...rest,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      pinned: false,
      type: interactionId ? 19 : 0,
    };
  }

  guildCreate(guildId: string = this.guildId): Json {
    const guild = this.guild(guildId);
    const channels = [...this.channels.values()].filter((c) => c.guild_id === guild.id && c.type === 0);
    const threads = [...this.channels.values()].filter(
      (c) => c.guild_id === guild.id && (c.type === 11 || c.type === 12) && !c.thread_metadata?.archived,
    );
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      owner_id: [...guild.members.keys()].find((id) => id !== this.bot.id) ?? this.bot.id,
      roles: guild.roles,
      emojis: [],
      stickers: [],
      features: [],
      channels: channels.map((c) => this.wireChannel(c)),
      threads: threads.map((c) => this.wireChannel(c)),
      members: [this.wireMember(guild.members.get(this.bot.id)!)],
      member_count: guild.members.size,
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      large: false,
      unavailable: false,
      joined_at: new Date(0).toISOString(),
      preferred_locale: 'en-US',
      premium_tier: 0,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      system_channel_flags: 0,
      afk_timeout: 300,
    };
  }
}
