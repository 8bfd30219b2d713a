import { ChatService, SpareThreads, ThreadSync } from '@oversight/chat';
import { discordStudyChannels } from '@oversight/core';
import type { Database } from '@oversight/db';
import { Client, DiscordAPIError, Events, GatewayIntentBits, REST } from 'discord.js';
import { type RESTGetAPIChannelResult, Routes } from 'discord-api-types/v10';
import { commandDefinitions } from './commands.ts';
import { type BotContext, handleInteraction } from './interactions.ts';
import { runNotices } from './notices.ts';
import { COPY_CHANNEL_ID, placeExperiments, STORE_IT, servedIn } from './servers.ts';
import { ThreadPoster, trialThreadBody } from './threads.ts';

/**
 * The Discord bot: one gateway connection for interactions, the REST API for everything it posts.
 * It holds no state of its own: the trial logs, who follows which thread and how far it is posted, and
 * the "your turn" outbox are all in the database, so it can be killed at any point and started again.
 *
 * Intents: only Guilds. It gives the servers' channels and threads (where trials open) and their
 * roles. Interactions arrive without any intent; sending DMs needs none (only receiving them would).
 * People write in modals, not in thread messages, so neither the privileged MessageContent intent nor
 * GuildMessages is needed.
 */
export const INTENTS = [GatewayIntentBits.Guilds] as const;

export interface BotOptions {
  db: Database;
  token: string;
  applicationId: string;
  experimentIds: readonly string[];
  /** The server (DISCORD_GUILD_ID) of experiments whose config names none in `chat.discordGuilds`. */
  guildId?: string;
  defaultChannelId?: string;
  /** A local fake's REST base (tests and benchmarks), else Discord. */
  apiUrl?: string;
  /** After a person's move: wake the in-process `serve`, if any. */
  onMove?: () => void;
  /** A person counts as at the trial (no "your turn" DM) this long after their last move. */
  activeMs?: number;
  log?: (line: string) => void;
  pollMs?: number;
}

export interface RunningBot {
  client: Client;
  chat: ChatService;
  threads: ThreadPoster;
  /** The experiments served, and the servers each is served in. */
  guilds: ReadonlyMap<string, ReadonlySet<string>>;
  /** Experiments not served, with what to set. */
  refused: ReadonlyArray<{ experimentId: string; reason: string }>;
  stop(): Promise<void>;
}

/** The bot cannot serve anything as configured; the message says what to set. */
export class BotSetupError extends Error {
  override name = 'BotSetupError';
}

/** The server a channel is in, or why it cannot be used (unknown, or the bot cannot see it). */
async function channelGuild(
  rest: REST,
  channelId: string,
): Promise<{ guildId: string } | { problem: string }> {
  try {
    const channel = (await rest.get(Routes.channel(channelId))) as RESTGetAPIChannelResult;
    const guildId = 'guild_id' in channel ? channel.guild_id : undefined;
    if (!guildId) return { problem: `channel ${channelId} is not a server channel` };
    return { guildId };
  } catch (error) {
    if (!(error instanceof DiscordAPIError)) throw error;
    return {
      problem: `the bot cannot see channel ${channelId} (${error.message}): check the id (${COPY_CHANNEL_ID}) and that the bot is in its server with the View Channels permission`,
    };
  }
}

/** discord.js's own global limit for the client answering interactions (exempt on Discord's side). */
const INTERACTION_CALLS_PER_SECOND = 10_000;

export async function startBot(options: BotOptions): Promise<RunningBot> {
  const client = new Client({
    intents: [...INTENTS],
    // The client's REST answers interactions, which Discord does not count against the global 50/s
    // (rate-limits.mdx, "Global Rate Limit"); discord.js counts every call, so its callbacks and edits
    // would wait behind thread posts. Those go through `posting` (connect), which keeps to 50/s.
    rest: {
      ...(options.apiUrl ? { api: options.apiUrl } : {}),
      globalRequestsPerSecond: INTERACTION_CALLS_PER_SECOND,
    },
  });
  try {
    return await connect(client, options);
  } catch (error) {
    await client.destroy();
    throw error;
  }
}

async function connect(client: Client, options: BotOptions): Promise<RunningBot> {
  const log = options.log ?? ((line: string) => console.log(line));
  const chat = new ChatService(options.db, 'discord');
  // Configs loaded before the first click, so no early interaction waits for them.
  const configs = [];
  for (const id of options.experimentIds) configs.push({ id, config: (await chat.experiment(id)).config });
  const placement = placeExperiments(configs, options.guildId);
  client.rest.setToken(options.token);
  // Everything but interaction answers and the calls made here at start: under Discord's 50/s.
  const posting = new REST(options.apiUrl ? { api: options.apiUrl } : {}).setToken(options.token);

  // Where threads open: a channel outside an experiment's servers would put its trials there.
  let defaultChannel: { id: string; guildId: string } | null = null;
  if (options.defaultChannelId) {
    const found = await channelGuild(client.rest, options.defaultChannelId);
    if ('problem' in found) throw new BotSetupError(`DISCORD_CHANNEL_ID: ${found.problem}.`);
    defaultChannel = { id: options.defaultChannelId, guildId: found.guildId };
  }
  // Each experiment's study channels, by server (threads open in the server the person is in).
  const channels = new Map<string, Map<string, string[]>>();
  const guildOf = new Map<string, { guildId: string } | { problem: string }>();
  for (const { id, config } of configs) {
    const guilds = placement.guilds.get(id);
    const named = discordStudyChannels(config.chat);
    if (named.length === 0 || !guilds) continue;
    const byGuild = new Map<string, string[]>();
    let problem: string | null = null;
    for (const channelId of named) {
      if (!guildOf.has(channelId)) guildOf.set(channelId, await channelGuild(client.rest, channelId));
      const found = guildOf.get(channelId)!;
      problem =
        'problem' in found
          ? found.problem
          : guilds.has(found.guildId)
            ? null
            : `channel ${channelId} is in server ${found.guildId}, not in a server the experiment runs in (${[...guilds].join(', ')}): name a channel of one of them, or add its server to chat.discordGuilds`;
      if (problem) break;
      const { guildId } = found as { guildId: string };
      byGuild.set(guildId, [...(byGuild.get(guildId) ?? []), channelId]);
    }
    if (problem) {
      placement.guilds.delete(id);
      placement.refused.push({
        experimentId: id,
        reason: `chat.${named.length > 1 ? 'discordChannels' : 'discordChannel'}: ${problem}. ${STORE_IT}`,
      });
    } else channels.set(id, byGuild);
  }
  const experimentIds = [...placement.guilds.keys()];
  if (experimentIds.length === 0)
    throw new BotSetupError(
      `The Discord bot has no experiment it may serve:\n${placement.refused.map((r) => `  ${r.experimentId}: ${r.reason}`).join('\n')}`,
    );
  for (const { experimentId, reason } of placement.refused)
    log(`discord: not serving ${experimentId}: ${reason}`);

  // Commands first, so a person who sees /oversight can use it as soon as the gateway is up: in each
  // server only, listing the experiments run there. Never globally: a global command shows in every
  // server the bot is added to, by anyone.
  const servers = new Set(experimentIds.flatMap((id) => [...placement.guilds.get(id)!]));
  const registered: string[] = [];
  for (const guildId of servers) {
    try {
      await client.rest.put(Routes.applicationGuildCommands(options.applicationId, guildId), {
        body: commandDefinitions(servedIn(placement.guilds, guildId)),
      });
      registered.push(guildId);
    } catch (error) {
      if (!(error instanceof DiscordAPIError)) throw error;
      log(
        `discord: cannot register /oversight in server ${guildId} (${error.message}): add the bot to that server with the scopes bot and applications.commands, or correct the server id`,
      );
    }
  }
  if (registered.length === 0)
    throw new BotSetupError(
      `The Discord bot could not register /oversight in any of its servers (${[...servers].join(', ')}): add the bot to them with the scopes bot and applications.commands, or correct chat.discordGuilds / DISCORD_GUILD_ID.`,
    );
  // An earlier version registered globally when no server was set: withdraw that, or the command
  // stays visible (and its interactions keep coming, to be refused) in every server the bot is in.
  const global = (await client.rest.get(Routes.applicationCommands(options.applicationId))) as unknown[];
  if (global.length > 0) {
    await client.rest.put(Routes.applicationCommands(options.applicationId), { body: [] });
    log('discord: withdrew the global /oversight command an earlier version registered');
  }

  const threads = new ThreadPoster(posting, chat, new ThreadSync(chat), experimentIds, log, placement.guilds);
  // Spare threads in every study channel (the config's, else the default one), shared by the
  // experiments that name the same channels.
  const makeThread = async (channel: string) =>
    ((await posting.post(Routes.threads(channel), { body: trialThreadBody() })) as { id: string }).id;
  const pools = new Map<string, SpareThreads>();
  const poolOf = (ids: string[]) => {
    const key = [...ids].sort().join(',');
    if (!pools.has(key)) pools.set(key, new SpareThreads({ channels: ids, make: makeThread, log }));
    return pools.get(key)!;
  };
  const spares = new Map<string, Map<string, SpareThreads>>();
  for (const id of experimentIds) {
    // The config's channels in their servers; the default channel in its server, unless the config names one there.
    const byGuild = new Map(channels.get(id) ?? []);
    if (
      defaultChannel &&
      placement.guilds.get(id)!.has(defaultChannel.guildId) &&
      !byGuild.has(defaultChannel.guildId)
    )
      byGuild.set(defaultChannel.guildId, [defaultChannel.id]);
    spares.set(id, new Map([...byGuild].map(([guildId, ids]) => [guildId, poolOf(ids)])));
  }
  for (const pool of pools.values()) pool.start();
  const controller = new AbortController();
  const ctx: BotContext = {
    chat,
    threads,
    experimentIds,
    guilds: placement.guilds,
    spares,
    moved: () => {
      options.onMove?.();
      threads.wake();
    },
    log,
  };
  client.on(Events.InteractionCreate, (interaction) => void handleInteraction(ctx, interaction));
  client.on(Events.Error, (error) => log(`discord: ${error.message}`));
  client.on(Events.ShardDisconnect, (event) => log(`gateway: disconnected (${event.code}); reconnecting`));
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(options.token);
  await ready;
  const where = experimentIds.map((id) => {
    const guilds = [...placement.guilds.get(id)!];
    return `${id} (server${guilds.length === 1 ? '' : 's'} ${guilds.join(', ')})`;
  });
  log(`discord: connected as ${client.user?.username ?? 'the bot'}, serving ${where.join(', ')}`);

  const loops = [
    threads.run(controller.signal, options.pollMs ?? 250),
    runNotices(
      {
        db: options.db,
        rest: posting,
        chat,
        experimentIds,
        activeMs: options.activeMs ?? 10 * 60_000,
        log,
        pollMs: (options.pollMs ?? 250) * 4,
      },
      controller.signal,
    ),
  ];
  return {
    client,
    chat,
    threads,
    guilds: placement.guilds,
    refused: placement.refused,
    async stop() {
      for (const pool of pools.values()) pool.stop();
      controller.abort();
      await Promise.allSettled(loops);
      await client.destroy();
    },
  };
}
