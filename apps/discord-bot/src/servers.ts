import { ChatError } from '@oversight/chat';
import { DISCORD_ID, discordSetupProblems, type ExperimentConfig } from '@oversight/core';
import type { ChatInputCommandInteraction, Interaction } from 'discord.js';
import type { BotContext } from './interactions.ts';

/**
 * Which Discord servers each experiment is run in. A bot's invite link works for anyone, so the bot
 * can be in servers its operator never chose, where anyone may create a role with any name: an
 * experiment is therefore served only in the servers its config names (`chat.discordGuilds`, else the
 * bot's DISCORD_GUILD_ID), its command is registered there and nowhere else, and its admins are the
 * members of roles named by id (a role id belongs to one server; a name can be copied into any).
 * Settings that would open the experiment to other servers are refused at start, before anything is
 * registered, with what to set.
 */

export const COPY_SERVER_ID =
  'with Developer Mode on in User Settings → Advanced, right-click the server icon → Copy Server ID';
export const COPY_CHANNEL_ID = 'right-click the channel → Copy Channel ID (with Developer Mode on)';

/** How a fixed config reaches a running bot: chat settings can change without changing the experiment. */
export const STORE_IT =
  'After changing the config, run `pnpm oversight run <its config file>` again to store it (chat settings change how an experiment runs, not the experiment) and restart the bot.';

export interface Placement {
  /** The servers each served experiment takes commands, clicks and forms from. */
  guilds: Map<string, ReadonlySet<string>>;
  /** Experiments the bot will not serve, each with what is wrong and what to set. */
  refused: Array<{ experimentId: string; reason: string }>;
}

/** Where each experiment is served, from its config and the bot's DISCORD_GUILD_ID (`fallbackGuild`). */
export function placeExperiments(
  experiments: ReadonlyArray<{ id: string; config: ExperimentConfig }>,
  fallbackGuild: string | undefined,
): Placement {
  const placement: Placement = { guilds: new Map(), refused: [] };
  for (const { id, config } of experiments) {
    const reasons = discordSetupProblems(config.chat).map((p) => `${p.field}: ${p.message}.`);
    const named = config.chat?.discordGuilds;
    if (!named && !fallbackGuild)
      reasons.push(
        `It names no Discord server and this bot has no DISCORD_GUILD_ID: set chat.discordGuilds to the id(s) of the server(s) it runs in (${COPY_SERVER_ID}), or start the bot with DISCORD_GUILD_ID.`,
      );
    if (reasons.length) {
      placement.refused.push({ experimentId: id, reason: `${reasons.join(' ')} ${STORE_IT}` });
      continue;
    }
    placement.guilds.set(id, new Set(named ?? [fallbackGuild!]));
  }
  return placement;
}

/** The experiments served in a server, in the order the bot was given them. */
export function servedIn(guilds: ReadonlyMap<string, ReadonlySet<string>>, guildId: string | null): string[] {
  if (!guildId) return [];
  return [...guilds].filter(([, set]) => set.has(guildId)).map(([id]) => id);
}

/** Admin role ids of a config; a name (refused at start) never counts. */
export function adminRoleIds(config: ExperimentConfig): ReadonlySet<string> {
  return new Set((config.chat?.admins?.discordRoles ?? []).filter((r) => DISCORD_ID.test(r)));
}

/** Whether the interaction comes from a server the experiment is run in. */
export function servedHere(ctx: BotContext, interaction: Interaction, experimentId: string): boolean {
  const guildId = interaction.guildId;
  return guildId !== null && (ctx.guilds.get(experimentId)?.has(guildId) ?? false);
}

/** The answer to an interaction about an experiment from a server it is not run in. */
export const NOT_HERE =
  'This study is not run in this server, so nothing was recorded. Use the bot in the server where you joined the study.';

/** The experiment named in the command, or the only one run in this server. */
export async function experimentFrom(
  ctx: BotContext,
  interaction: ChatInputCommandInteraction,
): Promise<string> {
  const here = servedIn(ctx.guilds, interaction.guildId);
  const named = interaction.options.getString('experiment');
  if (named) {
    if (!here.includes(named))
      throw new ChatError(
        ctx.experimentIds.includes(named)
          ? NOT_HERE
          : `This bot does not run "${named}" here. It runs: ${here.join(', ') || 'nothing'}.`,
      );
    return named;
  }
  if (here.length === 1) return here[0]!;
  throw new ChatError(`Name the experiment: ${here.join(', ')}.`);
}
