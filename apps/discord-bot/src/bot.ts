import { ChatService, ThreadSync } from '@oversight/chat';
import type { Database } from '@oversight/db';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { Routes } from 'discord-api-types/v10';
import { commandDefinitions } from './commands.ts';
import { type BotContext, handleInteraction } from './interactions.ts';
import { runNotices } from './notices.ts';
import { ThreadPoster } from './threads.ts';

/**
 * The Discord bot: one gateway connection for interactions, the REST API for everything it posts.
 * It holds no state of its own: the trial logs, who follows which thread and how far it is posted, and
 * the "your turn" outbox are all in the database, so it can be killed at any point and started again.
 *
 * Intents: only Guilds. It gives the guild's roles (admin checks by role name) and channels and
 * threads (where trials open). Interactions arrive without any intent; sending DMs needs none (only
 * receiving them would). People write in modals, not in thread messages, so neither the privileged
 * MessageContent intent nor GuildMessages is needed.
 */
export const INTENTS = [GatewayIntentBits.Guilds] as const;

export interface BotOptions {
  db: Database;
  token: string;
  applicationId: string;
  experimentIds: readonly string[];
  /** Register commands in this guild (instant) instead of globally (can take up to an hour). */
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
  stop(): Promise<void>;
}

export async function startBot(options: BotOptions): Promise<RunningBot> {
  const log = options.log ?? ((line: string) => console.log(line));
  const client = new Client({
    intents: [...INTENTS],
    ...(options.apiUrl ? { rest: { api: options.apiUrl } } : {}),
  });
  const chat = new ChatService(options.db, 'discord');
  const threads = new ThreadPoster(client.rest, chat, new ThreadSync(chat), options.experimentIds, log);
  const controller = new AbortController();
  const ctx: BotContext = {
    chat,
    threads,
    experimentIds: options.experimentIds,
    defaultChannelId: options.defaultChannelId ?? null,
    moved: () => {
      options.onMove?.();
      threads.wake();
    },
    log,
  };
  client.on(Events.InteractionCreate, (interaction) => void handleInteraction(ctx, interaction));
  client.on(Events.Error, (error) => log(`discord: ${error.message}`));
  client.on(Events.ShardDisconnect, (event) => log(`gateway: disconnected (${event.code}); reconnecting`));

  // Configs loaded before the first click, so no early interaction waits for them.
  for (const id of options.experimentIds) await chat.experiment(id);
  client.rest.setToken(options.token);
  // Commands first: a person who sees /oversight can use it as soon as the gateway is up.
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  await client.rest.put(route, { body: commandDefinitions(options.experimentIds) });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(options.token);
  await ready;
  log(
    `discord: connected as ${client.user?.username ?? 'the bot'}, serving ${options.experimentIds.join(', ') || 'no experiment'}` +
      ` (commands ${options.guildId ? 'in one server' : 'global'})`,
  );

  const loops = [
    threads.run(controller.signal, options.pollMs ?? 250),
    runNotices(
      {
        db: options.db,
        rest: client.rest,
        chat,
        experimentIds: options.experimentIds,
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
    async stop() {
      controller.abort();
      await Promise.allSettled(loops);
      await client.destroy();
    },
  };
}
