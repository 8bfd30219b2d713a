import {
  type ActInput,
  type ChatAction,
  ChatError,
  type ChatService,
  decodeAction,
  encodeAction,
  LEADERBOARD_SHOWN,
  type SpareThreads,
} from '@oversight/chat';
import { type Identity, SeatError } from '@oversight/runner';
import {
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  DiscordAPIError,
  type Interaction,
  type ModalSubmitInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import { ButtonStyle, ComponentType, MessageFlags } from 'discord-api-types/v10';
import { runAdmin } from './admin.ts';
import { COMMAND } from './commands.ts';
import {
  actReply,
  clip,
  consentReply,
  ephemeral,
  leaderboardReply,
  type Reply,
  type ReplyMessage,
} from './render.ts';
import { experimentFrom, NOT_HERE, servedHere, servedIn } from './servers.ts';
import type { ThreadPoster } from './threads.ts';

/**
 * Every interaction the bot gets, answered within Discord's 3 seconds: it is acknowledged at once (a
 * deferral: "thinking…", or the clicked message about to change) and the answer follows as an edit, so
 * the acknowledgement never waits for the database. Only a click that opens a form cannot be deferred
 * (Discord wants the form itself as the first answer): its work runs at once and, if it is not ready
 * within `ACK_BUDGET_MS`, the click is deferred and the person asked to click again. Nothing is kept
 * between interactions: a control's id says what it is about (packages/chat/ids.ts).
 *
 * An experiment is run in the servers its config names (servers.ts). A command, click or form about
 * it from any other server, or from outside a server, is refused before anything is looked up for
 * the person or recorded: the bot can be added to servers nobody running the study chose.
 */

/** For clicks that open a form: long enough for a database round trip under load, far from the 3 s deadline. */
export const ACK_BUDGET_MS = 1200;

/** Controls whose answer may be a form (modal). */
const MAY_OPEN_FORM: ReadonlySet<ChatAction['kind']> = new Set([
  'numbers',
  'comment',
  'ask',
  'speak',
  'survey',
]);

export interface BotContext {
  chat: ChatService;
  threads: ThreadPoster;
  /** The experiments served (each in the servers `guilds` gives). */
  experimentIds: readonly string[];
  /** The servers each served experiment takes commands, clicks and forms from. */
  guilds: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Spare trial threads per experiment and server, in its study channels: the config's
   * (chat.discordChannel(s)), else DISCORD_CHANNEL_ID in its server.
   */
  spares: ReadonlyMap<string, ReadonlyMap<string, SpareThreads>>;
  /** A move was recorded: let the service drive what follows and the threads catch up. */
  moved(): void;
  log(line: string): void;
}

type Repliable =
  | ChatInputCommandInteraction
  | ButtonInteraction
  | StringSelectMenuInteraction
  | ModalSubmitInteraction;

const TIMEOUT: unique symbol = Symbol('timeout');

export async function handleInteraction(ctx: BotContext, interaction: Interaction): Promise<void> {
  if (interaction.isAutocomplete()) return;
  if (
    !interaction.isChatInputCommand() &&
    !interaction.isButton() &&
    !interaction.isStringSelectMenu() &&
    !interaction.isModalSubmit()
  )
    return;
  try {
    if (interaction.isChatInputCommand()) {
      if (interaction.commandName !== COMMAND) return;
      await command(ctx, interaction);
    } else await control(ctx, interaction);
  } catch (error) {
    await failed(ctx, interaction, error);
  }
}

/**
 * Sends `work`'s answer after a deferral that waits for nothing: the work (every database query)
 * starts once Discord has the acknowledgement, so neither its queries nor those of the interactions
 * around it hold the acknowledgement up. A click that may open a form (`mayOpenForm`) cannot be
 * deferred first: its work starts at once and is answered directly when ready within the budget,
 * else after a deferral.
 */
async function answer(
  interaction: Repliable,
  work: () => Promise<Reply>,
  options: { update?: boolean; mayOpenForm?: boolean } = {},
): Promise<void> {
  const update = options.update === true && !interaction.isChatInputCommand();
  let started: Promise<Reply> | null = null;
  if (options.mayOpenForm) {
    started = work();
    // Handled below, after the deferral; until then a failure must not count as unhandled.
    started.catch(() => {});
    const first = await Promise.race([started, sleep(ACK_BUDGET_MS).then((): typeof TIMEOUT => TIMEOUT)]);
    if (first !== TIMEOUT) return send(interaction, first, update);
  }
  if (update) await (interaction as ButtonInteraction).deferUpdate();
  else await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const reply = await (started ?? work());
  const message: ReplyMessage =
    reply.kind === 'modal'
      ? { content: 'That took too long to open; click again.', components: [], embeds: [] }
      : reply.message;
  await interaction.editReply(payload(message) as never);
  await followUps(interaction, reply);
}

/** What did not fit the first message, as ephemeral follow-ups in order (a long consent, a long board). */
async function followUps(interaction: Repliable, reply: Reply): Promise<void> {
  if (reply.kind !== 'message') return;
  for (const more of reply.more ?? [])
    await interaction.followUp({ ...payload(more), flags: MessageFlags.Ephemeral } as never);
}

async function send(interaction: Repliable, reply: Reply, update: boolean): Promise<void> {
  if (reply.kind === 'modal') {
    if (interaction.isModalSubmit())
      return send(interaction, ephemeral('Open the form again from the thread.'), update);
    await interaction.showModal(reply.modal as never);
    return;
  }
  const fromMessage =
    interaction.isButton() ||
    interaction.isStringSelectMenu() ||
    (interaction.isModalSubmit() && interaction.isFromMessage());
  if (update && fromMessage) await (interaction as ButtonInteraction).update(payload(reply.message) as never);
  else await interaction.reply({ ...payload(reply.message), flags: MessageFlags.Ephemeral } as never);
  await followUps(interaction, reply);
}

function payload(message: ReplyMessage) {
  return {
    content: message.content ?? '',
    embeds: message.embeds ?? [],
    components: message.components ?? [],
    allowedMentions: { parse: [] },
  };
}

const identityOf = (interaction: Interaction): Identity => ({
  platform: 'discord',
  user: interaction.user.id,
});
const originOf = (interaction: Interaction) => ({ id: `interaction:${interaction.id}` });

// ---- slash commands ----

async function command(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  // The command is registered only where an experiment runs; a stale registration elsewhere still
  // delivers it, so it is checked here as well.
  if (servedIn(ctx.guilds, interaction.guildId).length === 0)
    return answer(interaction, async () =>
      ephemeral('This bot runs no study in this server, so nothing was recorded.'),
    );
  const group = interaction.options.getSubcommandGroup(false);
  const sub = interaction.options.getSubcommand(true);
  if (group === 'admin') return answer(interaction, () => runAdmin(ctx, interaction, sub));
  if (sub === 'next') {
    // Opening a thread takes several calls to Discord: acknowledge first.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const experiment = await experimentFrom(ctx, interaction);
    const reply = await next(ctx, interaction, experiment);
    await interaction.editReply(payload(reply.kind === 'message' ? reply.message : {}) as never);
    return;
  }
  return answer(interaction, async (): Promise<Reply> => {
    if (sub === 'status') return status(ctx, interaction);
    const experiment = await experimentFrom(ctx, interaction);
    if (sub === 'join') return join(ctx, interaction, experiment);
    if (sub === 'leave') {
      const left = await ctx.chat.leave(experiment, identityOf(interaction));
      return ephemeral(
        left
          ? `You will get no new trials in **${experiment}**. Trials you are already in still wait on you.`
          : `You have not joined **${experiment}**.`,
      );
    }
    if (sub === 'leaderboard') return leaderboard(ctx, experiment);
    return ephemeral(`Unknown subcommand ${sub}.`);
  });
}

async function join(ctx: BotContext, interaction: Interaction, experiment: string): Promise<Reply> {
  const identity = identityOf(interaction);
  const person = await ctx.chat.person(experiment, identity);
  if (person && !person.leftAt) return joined(experiment, person.label, false);
  const consent = await ctx.chat.consent(experiment);
  if (!consent) return accept(ctx, interaction, experiment);
  return consentReply(experiment, consent, {
    accept: ctx.chat.id({ kind: 'accept', ref: experiment, position: 0 }),
    decline: ctx.chat.id({ kind: 'decline', ref: experiment, position: 0 }),
  });
}

async function accept(ctx: BotContext, interaction: Interaction, experiment: string): Promise<Reply> {
  const result = await ctx.chat.join(experiment, identityOf(interaction), true);
  if (result.status === 'refused') return ephemeral(`You have not joined: ${result.reason}.`);
  return joined(experiment, result.participant.label, result.created);
}

function joined(experiment: string, label: string, fresh: boolean): Reply {
  return ephemeral(
    `${fresh ? 'You have joined' : 'You are in'} **${experiment}** as **${label}** (the only name others see).`,
    {
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.Button,
              style: ButtonStyle.Primary,
              label: 'Open my next trial',
              custom_id: encodeAction({ kind: 'next', ref: experiment, position: 0 }),
            },
          ],
        },
      ],
    },
  );
}

async function next(ctx: BotContext, interaction: Repliable, experiment: string): Promise<Reply> {
  const result = await ctx.chat.next(experiment, identityOf(interaction), originOf(interaction));
  if (result.status === 'none') return ephemeral(result.reason);
  const parent = threadParent(ctx, interaction, experiment);
  if (!parent || !interaction.guildId)
    return ephemeral('Trials open in a server channel: use `/oversight next` in the server.');
  const person = (await ctx.chat.person(experiment, identityOf(interaction)))!;
  const threadId = await ctx.threads.open(result.trial.id, person.id, result.role, {
    guildId: interaction.guildId,
    parent,
    userId: interaction.user.id,
  });
  if (result.assigned) ctx.moved();
  return ephemeral(
    `${result.assigned ? 'A new trial for you' : 'This trial waits on you'}: <#${threadId}>${result.presentation.turn ? ` — ${result.presentation.turn.heading}` : ''}.`,
    {
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.Button,
              style: ButtonStyle.Link,
              label: 'Go to the thread',
              url: `https://discord.com/channels/${interaction.guildId}/${threadId}`,
            },
          ],
        },
      ],
    },
  );
}

/**
 * Where trial threads open: the spares of the experiment's study channels in the person's server (an
 * experiment run in several servers opens threads in the server the person is in, where they can be
 * added to it); else the channel the person is in (a thread's parent).
 */
function threadParent(
  ctx: BotContext,
  interaction: Repliable,
  experimentId: string,
): SpareThreads | string | null {
  const spares = interaction.guildId ? ctx.spares.get(experimentId)?.get(interaction.guildId) : undefined;
  if (spares) return spares;
  const channel = interaction.channel;
  if (!channel) return interaction.channelId ?? null;
  return channel.isThread() ? (channel.parentId ?? null) : channel.id;
}

async function status(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<Reply> {
  const ids = interaction.options.getString('experiment')
    ? [await experimentFrom(ctx, interaction)]
    : servedIn(ctx.guilds, interaction.guildId);
  const fields: Array<{ name: string; value: string }> = [];
  for (const id of ids.slice(0, 25)) {
    const s = await ctx.chat.status(id, identityOf(interaction));
    if (!s) continue;
    fields.push({
      name: clip(`${id} — ${s.participant.label}`, 256),
      value: clip(
        `${s.seats} trial${s.seats === 1 ? '' : 's'}, ${s.judged} judged (${s.correct} correct).\n${s.rewardText}\n` +
          (s.owed.length
            ? `Waiting on you: ${s.owed.length} (use /oversight next).`
            : 'Nothing waits on you.'),
        1024,
      ),
    });
  }
  if (fields.length === 0) return ephemeral('You have not joined an experiment here. Use `/oversight join`.');
  return ephemeral('Your trials:', { embeds: [{ title: 'Your status', fields }] });
}

async function leaderboard(ctx: BotContext, experiment: string): Promise<Reply> {
  const board = await ctx.chat.leaderboard(experiment, { limit: LEADERBOARD_SHOWN });
  return leaderboardReply(experiment, board);
}

// ---- buttons, selects, modals ----

async function control(
  ctx: BotContext,
  interaction: ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction,
): Promise<void> {
  const action = decodeAction(interaction.customId);
  if (!action)
    return answer(interaction, async () =>
      ephemeral('That control is not one of this bot’s; nothing was recorded.'),
    );
  const fromEphemeral = Boolean(interaction.message?.flags.has(MessageFlags.Ephemeral));
  const refused = ephemeral(NOT_HERE);
  // next, accept and decline name their experiment; every other control names a trial (one that no
  // longer exists is left to act(), which refuses it and records nothing).
  const aboutExperiment = action.kind === 'next' || action.kind === 'accept' || action.kind === 'decline';
  const allowed = async () => {
    const experiment = aboutExperiment ? action.ref : await ctx.chat.experimentOfTrial(action.ref);
    return experiment === null || servedHere(ctx, interaction, experiment);
  };
  if (action.kind === 'next') {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const reply = await (async () =>
      (await allowed()) ? next(ctx, interaction, action.ref) : refused)().catch((error) =>
      errorReply(ctx, error),
    );
    await interaction.editReply(payload(reply.kind === 'message' ? reply.message : {}) as never);
    return;
  }
  if (action.kind === 'accept' || action.kind === 'decline')
    return answer(
      interaction,
      async () =>
        !(await allowed())
          ? refused
          : action.kind === 'accept'
            ? accept(ctx, interaction, action.ref)
            : ephemeral(`You have not joined **${action.ref}**. Nothing was recorded.`),
      { update: fromEphemeral },
    );
  // Only a click that may open a form needs act()'s outcome before answering. The server is checked
  // inside the work, so a deferrable click is still acknowledged at once.
  const work = async () => ((await allowed()) ? act(ctx, interaction, action) : refused);
  return answer(interaction, work, {
    // The Ask control sits in the thread, not on an ephemeral screen: its answer is a reply of its own.
    update: fromEphemeral && action.kind !== 'show' && action.kind !== 'ask',
    mayOpenForm: !interaction.isModalSubmit() && MAY_OPEN_FORM.has(action.kind),
  });
}

async function act(
  ctx: BotContext,
  interaction: ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction,
  action: ChatAction,
): Promise<Reply> {
  const input: ActInput = {};
  if (interaction.isStringSelectMenu()) input.values = interaction.values;
  if (interaction.isModalSubmit())
    input.fields = Object.fromEntries(
      [...interaction.fields.fields.values()].map((f) => {
        // A text input or a radio group has `value` (null: nothing chosen), a select `values`.
        const field = f as { customId: string; value?: string | null; values?: readonly string[] };
        return [field.customId, field.values ? (field.values[0] ?? '') : (field.value ?? '')];
      }),
    );
  // A speech preview keeps its text in its embed: Send reads it back, Edit reopens the modal with it.
  const shown = interaction.message?.embeds[0]?.description ?? undefined;
  if (action.kind === 'send') input.previewText = shown ?? '';
  const result = await ctx.chat.act(identityOf(interaction), action, input, originOf(interaction));
  if (result.status === 'accepted' && !result.duplicate && action.kind !== 'show') ctx.moved();
  const editText =
    action.kind === 'speak' && interaction.message?.embeds[0]?.title?.startsWith('Preview')
      ? shown
      : undefined;
  return actReply(result, action, editText ? { editText } : {});
}

function errorReply(ctx: BotContext, error: unknown): Reply {
  // Expected refusals say what is wrong, without a stack trace.
  if (error instanceof ChatError || error instanceof SeatError) return ephemeral(error.message);
  ctx.log(`error: ${(error as Error).stack ?? String(error)}`);
  return ephemeral('Something went wrong on our side. Try again: a repeated click is never recorded twice.');
}

async function failed(ctx: BotContext, interaction: Repliable, error: unknown): Promise<void> {
  if (error instanceof DiscordAPIError && (error.code === 40060 || error.code === 10062)) {
    // A duplicated delivery (already acknowledged) or one that arrived too late: nothing to answer.
    ctx.log(`interaction ${interaction.id}: ${error.code === 40060 ? 'already acknowledged' : 'expired'}`);
    return;
  }
  const reply = errorReply(ctx, error);
  try {
    if (reply.kind !== 'message') return;
    if (interaction.deferred || interaction.replied)
      await interaction.editReply(payload(reply.message) as never);
    else await interaction.reply({ ...payload(reply.message), flags: MessageFlags.Ephemeral } as never);
  } catch (again) {
    ctx.log(`interaction ${interaction.id}: could not answer (${(again as Error).message})`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
