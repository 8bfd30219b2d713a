/**
 * What the fake Discord knows: one guild with its roles and text channels, users, threads, DM
 * channels, messages, registered commands and interactions. Objects are kept in Discord's wire
 * shapes (snake_case, snowflake strings) so that they can be handed to the real client as they are.
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

export class FakeState {
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();
  readonly messages = new Map<string, FakeMessage[]>();
  readonly roles: FakeRole[] = [];
  readonly members = new Map<string, FakeMember>();
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
    this.roles.push(this.role('@everyone', this.guildId));
    this.channels.set(this.channelId, {
      id: this.channelId,
      type: 0,
      guild_id: this.guildId,
      name: 'trials',
    });
    this.messages.set(this.channelId, []);
    this.members.set(this.bot.id, { user: this.bot, roles: [] });
  }

  role(name: string, id = snowflake()): FakeRole {
    return {
      id,
      name,
      permissions: '0',
      position: this.roles.length,
      color: 0,
      hoist: false,
      managed: false,
      mentionable: false,
      flags: 0,
    };
  }

  addRole(name: string): FakeRole {
    const role = this.role(name);
    this.roles.push(role);
    return role;
  }

  /** A guild member (created on first use), optionally with roles by name. */
  user(id: string, options: { name?: string; roles?: string[] } = {}): FakeUser {
    let user = this.users.get(id);
    if (!user) {
      const name = options.name ?? `user${id.slice(-4)}`;
      user = { id, username: name, global_name: name, discriminator: '0', avatar: null };
      this.users.set(id, user);
    }
    const member = this.members.get(id) ?? { user, roles: [] };
    for (const roleName of options.roles ?? []) {
      const role = this.roles.find((r) => r.name === roleName) ?? this.addRole(roleName);
      if (!member.roles.includes(role.id)) member.roles.push(role.id);
    }
    this.members.set(id, member);
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
    const { visibleTo, interactionId, ...rest } = message;
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

  guildCreate(): Json {
    const channels = [...this.channels.values()].filter((c) => c.guild_id === this.guildId && c.type === 0);
    const threads = [...this.channels.values()].filter(
      (c) => c.guild_id === this.guildId && (c.type === 11 || c.type === 12) && !c.thread_metadata?.archived,
    );
    return {
      id: this.guildId,
      name: 'Oversight trials',
      icon: null,
      owner_id: [...this.members.keys()].find((id) => id !== this.bot.id) ?? this.bot.id,
      roles: this.roles,
      emojis: [],
      stickers: [],
      features: [],
      channels: channels.map((c) => this.wireChannel(c)),
      threads: threads.map((c) => this.wireChannel(c)),
      members: [this.wireMember(this.members.get(this.bot.id)!)],
      member_count: this.members.size,
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
