import { ChatError, Notices } from '@oversight/chat';
import type { ExperimentConfig, Role } from '@oversight/core';
import { type ChatInputCommandInteraction, GuildMember } from 'discord.js';
import type { BotContext } from './interactions.ts';
import { clip, ephemeral, type Reply } from './render.ts';
import { adminRoleIds, experimentFrom, NOT_HERE, servedHere } from './servers.ts';

/**
 * Admin subcommands, for members holding a role the experiment's config names by id
 * (`chat.admins.discordRoles`), in a server the experiment is run in. Everyone else is refused and
 * nothing happens. A role's name is never compared: anyone can create a role called "Researcher" in
 * a server of their own and add the bot there (a config naming one is refused at start, servers.ts).
 */

/** Whether the member holds one of the config's admin roles, by id. */
export function isAdmin(interaction: ChatInputCommandInteraction, config: ExperimentConfig): boolean {
  const allowed = adminRoleIds(config);
  if (allowed.size === 0) return false;
  const member = interaction.member;
  if (!member) return false;
  const ids = member instanceof GuildMember ? [...member.roles.cache.keys()] : member.roles;
  return ids.some((id) => allowed.has(id));
}

function refuse(config: ExperimentConfig): Reply {
  const roles = [...adminRoleIds(config)];
  // A role mention shows the role's name in Discord; allowed_mentions is empty, so nobody is pinged.
  return ephemeral(
    roles.length
      ? `Only members with the role ${roles.map((r) => `<@&${r}>`).join(' or ')} may do that.`
      : 'This experiment names no admin role (chat.admins.discordRoles in its config), so nobody may do that here.',
  );
}

export async function runAdmin(
  ctx: BotContext,
  interaction: ChatInputCommandInteraction,
  sub: string,
): Promise<Reply> {
  if (sub === 'status' || sub === 'remind') {
    // Only an experiment run in this server (a refusal otherwise).
    const experiment = await experimentFrom(ctx, interaction);
    const { config } = await ctx.chat.experiment(experiment);
    if (!isAdmin(interaction, config)) return refuse(config);
    if (sub === 'remind') {
      // Its own notice kind per request: a repeated delivery of this command reminds once.
      const n = await new Notices(ctx.chat).queueReminders(experiment, {
        olderThanMs: 0,
        kind: `remind:${interaction.id}`,
      });
      return ephemeral(
        n === 0 ? 'Nobody owes a move right now.' : `Reminding ${n} ${n === 1 ? 'person' : 'people'} by DM.`,
      );
    }
    const progress = await ctx.chat.progress(experiment);
    const counts = Object.entries(progress.counts)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    const waiting = progress.waitingOn.slice(0, 20).map(([who, n]) => `${who}: ${n}`);
    const owed = (await ctx.chat.db.trials.owedIn(experiment, { limit: 10 })).filter((o) => o.human);
    const refs = await Promise.all(
      owed.map(async (o) => `${(await ctx.chat.db.trials.get(o.trialId))?.ref ?? '(deleted)'} (${o.role})`),
    );
    return ephemeral(`Progress of **${experiment}**`, {
      embeds: [
        {
          title: clip(`${experiment}: progress`, 256),
          fields: [
            { name: 'Trials', value: clip(counts || 'none', 1024) },
            { name: 'Waiting on', value: clip(waiting.join('\n') || 'nobody', 1024) },
            { name: 'Oldest waiting trials', value: clip(refs.join('\n') || 'none', 1024) },
          ],
        },
      ],
    });
  }
  const ref = interaction.options.getString('trial', true).trim();
  const trial = (await ctx.chat.db.trials.byRef(ref)) ?? (await ctx.chat.db.trials.get(ref));
  if (!trial || !ctx.experimentIds.includes(trial.experimentId))
    throw new ChatError(`No trial “${ref}” here.`);
  if (!servedHere(ctx, interaction, trial.experimentId)) return ephemeral(NOT_HERE);
  const { config } = await ctx.chat.experiment(trial.experimentId);
  if (!isAdmin(interaction, config)) return refuse(config);
  const reason = interaction.options.getString('reason', true);
  // Who did it goes into the log, which is research data: a pseudonym, never a Discord id.
  const self = await ctx.chat.person(trial.experimentId, { platform: 'discord', user: interaction.user.id });
  const by = self ? `admin ${self.id}` : 'an admin on Discord';
  if (sub === 'abort') {
    const state = await ctx.chat.abort(ref, reason, by);
    ctx.moved();
    return ephemeral(
      state.aborted ? `Trial ${ref} is aborted: ${reason}` : `Trial ${ref} could not be aborted.`,
    );
  }
  if (sub === 'reassign') {
    const role = interaction.options.getString('role', true) as Role;
    const user = interaction.options.getUser('to');
    let to: string | null = null;
    if (user) {
      const person = await ctx.chat.person(trial.experimentId, { platform: 'discord', user: user.id });
      if (!person) throw new ChatError(`${user.username} has not joined ${trial.experimentId}.`);
      to = person.id;
    }
    await ctx.chat.reassign(ref, role, to, by, reason);
    ctx.moved();
    return ephemeral(
      to
        ? `The ${role} seat of ${ref} now belongs to ${user!.username}.`
        : `The ${role} seat of ${ref} is open for the next person who asks.`,
    );
  }
  return ephemeral(`Unknown admin subcommand ${sub}.`);
}
