import { ChatError, encodeAction, LEADERBOARD_SHOWN, ROLE_NAMES } from '@oversight/chat';
import type { Role } from '@oversight/core';
import { type SlackBot, slackError } from './bot.ts';
import { type Block, context, esc, plain, SLACK, sections } from './limits.ts';
import { consentModal } from './render/modals.ts';

/**
 * `/oversight <command>`: what people and admins type. Each answer is a sentence for the person
 * (ephemeral); a mistake in the command says what was expected. Admin commands check the experiment's
 * `chat.admins` (Slack users or user groups) first.
 */

export interface CommandInput {
  team: string;
  user: string;
  channel: string;
  text: string;
  trigger: string;
  origin: string;
}

export interface CommandOutput {
  /** The app's own mrkdwn: its formatting and links, with every piece of data escaped. */
  text: string;
  /** The same in plain words (no formatting), for a notification or a fallback. */
  plain?: string;
  blocks?: Block[];
}

export interface CommandIo {
  openView(trigger: string, view: Record<string, unknown>): Promise<void>;
}

const HELP = [
  '*/oversight join* [experiment] [pool] — join a study (shows its consent text first)',
  '*/oversight next* [experiment] — your next trial, in a thread',
  '*/oversight status* [experiment] — your trials and reward (admins: the progress too)',
  '*/oversight leaderboard* [experiment] — judges and arguers, by pseudonym',
  '*/oversight leave* [experiment] — no new trials for you',
  'Admins: *start* <experiment> · *abort* <trial> <reason> · *reassign* <trial> <role> <@person|open> [reason] · *remind* <experiment> [minutes]',
].join('\n');

const ROLES = Object.keys(ROLE_NAMES) as Role[];
const COMMANDS = [
  'help',
  'join',
  'leave',
  'next',
  'status',
  'leaderboard',
  'start',
  'abort',
  'reassign',
  'remind',
];

function closest(word: string): string | null {
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i]![j] = Math.min(
          d[i - 1]![j]! + 1,
          d[i]![j - 1]! + 1,
          d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
    return d[a.length]![b.length]!;
  };
  const best = COMMANDS.map((c) => [c, distance(word, c)] as const).sort((a, b) => a[1] - b[1])[0]!;
  return best[1] <= 2 ? best[0] : null;
}

const say = (text: string): CommandOutput => ({ text });

export async function runCommand(
  bot: SlackBot,
  input: CommandInput,
  io: CommandIo,
): Promise<CommandOutput | null> {
  const [sub = 'help', ...args] = input.text.trim().split(/\s+/).filter(Boolean);
  const name = sub.toLowerCase();
  try {
    switch (name) {
      case 'help':
        return say(HELP);
      case 'join':
        return await join(bot, input, io, args);
      case 'leave': {
        const experimentId = bot.resolveExperiment(args[0]);
        const person = await bot.chat.leave(experimentId, bot.identity(input.team, input.user));
        void bot.publishHome(input.team, input.user);
        return say(
          person
            ? `You left ${experimentId}: no new trials will come to you. Trials you hold stay yours.`
            : `You had not joined ${experimentId}.`,
        );
      }
      case 'next':
        return await next(bot, input, args[0]);
      case 'status':
        return await status(bot, input, args[0]);
      case 'leaderboard':
        return await leaderboard(bot, args[0]);
      case 'start':
      case 'abort':
      case 'reassign':
      case 'remind':
        return await admin(bot, input, name, args);
      default: {
        const guess = closest(name);
        return say(`There is no command "${esc(sub)}".${guess ? ` Did you mean *${guess}*?` : ''}\n${HELP}`);
      }
    }
  } catch (error) {
    // The message may repeat what was typed (an experiment's name): escaped, it pings nobody.
    if (error instanceof ChatError) return say(esc(error.message));
    throw error;
  }
}

async function join(
  bot: SlackBot,
  input: CommandInput,
  io: CommandIo,
  args: string[],
): Promise<CommandOutput | null> {
  const experimentId = bot.resolveExperiment(args[0]);
  const pool = args[1];
  const consent = await bot.chat.consent(experimentId);
  if (consent) {
    await io.openView(input.trigger, consentModal(experimentId, consent, pool));
    return null;
  }
  return joined(bot, input.team, input.user, experimentId, pool, false);
}

/**
 * `home`: publish the Home tab now (a click on it). A typed command leaves it: the tab is not in view
 * then, and opening it publishes it afresh (views.publish is Tier 4, 100 a minute per workspace).
 */
export async function joined(
  bot: SlackBot,
  team: string,
  user: string,
  experimentId: string,
  pool?: string,
  home = true,
) {
  const result = await bot.chat.join(experimentId, bot.identity(team, user), true, pool);
  if (result.status === 'refused') return say(esc(`You have not joined ${experimentId}: ${result.reason}.`));
  if (home) void bot.publishHome(team, user);
  const rest = '(the name others see). Type `/oversight next` or use the Home tab for your first trial.';
  return {
    text: `You are in ${esc(experimentId)} as *${esc(result.participant.label)}* ${rest}`,
    plain: `You are in ${experimentId} as ${result.participant.label} ${rest}`,
  };
}

export async function next(
  bot: SlackBot,
  input: { team: string; user: string; origin: string; channel?: string | null },
  name?: string,
) {
  const experimentId = bot.resolveExperiment(name);
  const result = await bot.next(input.team, input.user, experimentId, input.origin, input.channel);
  // A click (no channel: the Home tab) shows the Home tab afresh; a typed command does not (see joined).
  if (!input.channel) void bot.publishHome(input.team, input.user);
  if (result.status === 'none') return say(esc(`No trial for you now: ${result.reason.replace(/\.$/, '')}.`));
  const where = result.here
    ? 'in the thread just above'
    : result.link
      ? `<${result.link}|in this thread>`
      : `in <#${result.thread.channel}>`;
  const what = result.assigned ? 'A new trial for you' : 'A trial is waiting for you';
  return {
    text: `${what}: it is ${where}.`,
    plain: `${what}: it is in your direct messages with the app.`,
  };
}

async function status(bot: SlackBot, input: CommandInput, name?: string): Promise<CommandOutput> {
  const experimentId = bot.resolveExperiment(name);
  const mine = await bot.chat.status(experimentId, bot.identity(input.team, input.user));
  const lines: string[] = [];
  if (!mine) lines.push(`You have not joined ${experimentId}.`);
  else {
    lines.push(
      `*${esc(mine.participant.label)}* in ${experimentId}: ${mine.seats} trials, ${mine.judged} judged (${mine.correct} correct).`,
      esc(mine.rewardText),
      mine.owed.length ? `${mine.owed.length} waiting on you.` : 'Nothing is waiting on you.',
    );
  }
  if (await bot.isAdmin(experimentId, input.team, input.user)) {
    const progress = await bot.chat.progress(experimentId);
    const counts = Object.entries(progress.counts)
      .map(([s, n]) => `${s} ${n}`)
      .join(' · ');
    lines.push(`*Progress:* ${counts || 'no trials'}`);
    if (progress.waitingOn.length)
      lines.push(
        `*Waiting on:* ${progress.waitingOn
          .slice(0, 20)
          .map(([who, n]) => `${esc(who)} ${n}`)
          .join(' · ')}`,
      );
  }
  return say(lines.join('\n'));
}

async function leaderboard(bot: SlackBot, name?: string): Promise<CommandOutput> {
  const experimentId = bot.resolveExperiment(name);
  const board = await bot.chat.leaderboard(experimentId, { limit: LEADERBOARD_SHOWN });
  const judges = board.judges.map(
    (j) =>
      `${j.rank}. ${esc(j.name)}: mean reward ${j.meanReward.toFixed(3)}, ${Math.round(j.accuracy * 100)}% correct (${j.n})`,
  );
  const arguers = (rows: typeof board.honest) =>
    rows.map((r) => `${r.rank}. ${esc(r.name)}: ${Math.round(r.rating)}`);
  const blocks: Block[] = [
    { type: 'header', text: plain(`Leaderboard: ${experimentId}`, SLACK.headerText) },
    ...sections(`*Judges*\n${judges.join('\n') || 'no verdicts yet'}`),
  ];
  if (board.honest.length) blocks.push(...sections(`*Honest arguers*\n${arguers(board.honest).join('\n')}`));
  if (board.dishonest.length)
    blocks.push(...sections(`*Dishonest arguers*\n${arguers(board.dishonest).join('\n')}`));
  blocks.push(context('Pseudonyms only.'));
  return { text: `Leaderboard: ${experimentId}`, blocks };
}

function personArg(arg: string | undefined): string | null {
  const m = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(arg ?? '') ?? /^([UW][A-Z0-9]{2,})$/.exec(arg ?? '');
  return m?.[1] ?? null;
}

async function admin(
  bot: SlackBot,
  input: CommandInput,
  name: string,
  args: string[],
): Promise<CommandOutput> {
  const { team, user } = input;
  if (name === 'start' || name === 'remind') {
    const experimentId = bot.resolveExperiment(args[0]);
    if (!(await bot.isAdmin(experimentId, team, user)))
      return say(`Only the admins named in ${experimentId}'s config (chat.admins) can use *${name}*.`);
    if (name === 'start') return start(bot, input, experimentId);
    const minutes = args[1] === undefined ? 0 : Number(args[1]);
    if (!Number.isFinite(minutes) || minutes < 0)
      return say('remind takes a number of minutes: `/oversight remind <experiment> [minutes]`.');
    return remind(bot, team, experimentId, minutes);
  }
  const ref = args[0];
  if (!ref)
    return say(
      `*${name}* needs a trial: \`/oversight ${name} <trial> ...\` (the trial's handle is in its thread).`,
    );
  const trial = (await bot.db.trials.byRef(ref)) ?? (await bot.db.trials.get(ref));
  if (!trial || !bot.experimentIds.includes(trial.experimentId)) return say(`No trial "${esc(ref)}" here.`);
  if (!(await bot.isAdmin(trial.experimentId, team, user)))
    return say(`Only the admins named in ${trial.experimentId}'s config (chat.admins) can use *${name}*.`);
  // Who did it goes into the trial's log, which is research data and is exported: a pseudonymous
  // participant id (as on Discord), never the Slack workspace and user id.
  const self = await bot.chat.person(trial.experimentId, bot.identity(team, user));
  const by = self ? `admin ${self.id}` : 'an admin on Slack';
  if (name === 'abort') {
    const reason = args.slice(1).join(' ');
    if (!reason) return say('abort needs a reason: `/oversight abort <trial> <reason>`.');
    await bot.chat.abort(trial.ref, reason, by);
    bot.requestSync();
    return say(`Trial ${esc(ref)} aborted: ${esc(reason)}.`);
  }
  const role = args[1] as Role | undefined;
  if (!role || !ROLES.includes(role)) return say(`reassign needs a role: one of ${ROLES.join(', ')}.`);
  const target = args[2];
  let to: string | null = null;
  if (target !== 'open') {
    const slackUser = personArg(target);
    if (!slackUser)
      return say(
        'reassign needs a person (@name) or `open`: `/oversight reassign <trial> <role> <@person|open> [reason]`.',
      );
    const person = await bot.chat.person(trial.experimentId, bot.identity(team, slackUser));
    if (!person) return say(`<@${slackUser}> has not joined ${trial.experimentId}.`);
    to = person.id;
  }
  const reason = args.slice(3).join(' ') || 'reassigned by an admin';
  await bot.chat.reassign(trial.ref, role, to, by, reason);
  bot.onMove();
  return say(
    `Trial ${esc(ref)}: ${ROLE_NAMES[role]} is now ${to ? `<@${personArg(target)}>` : 'open for the next person who asks'}.`,
  );
}

async function start(bot: SlackBot, input: CommandInput, experimentId: string): Promise<CommandOutput> {
  const config = await bot.config(experimentId);
  // An announcement carries no trial content, so it may go in a shared channel: the one typed in.
  const channel = input.channel;
  const blocks: Block[] = [
    { type: 'header', text: plain(`A study is open: ${experimentId}`, SLACK.headerText) },
    ...sections(
      `${esc(config.description || 'Judge short debates and consultancies about stories you have not read.')}\nJoin, then ask for a trial: each one opens in a thread. Others see you only under a pseudonym.`,
    ),
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          style: 'primary',
          text: plain('Join', SLACK.buttonText),
          action_id: encodeAction({ kind: 'accept', ref: experimentId, position: 0 }),
        },
        {
          type: 'button',
          text: plain('Next trial', SLACK.buttonText),
          action_id: encodeAction({ kind: 'next', ref: experimentId, position: 0 }),
        },
      ],
    },
  ];
  try {
    await bot.post(input.team, channel, { text: `A study is open: ${experimentId}`, blocks });
  } catch (error) {
    return say(
      `Could not post in <#${channel}>: ${slackError(error) ?? (error as Error).message}. Invite the app to the channel first.`,
    );
  }
  return say(`Announced ${experimentId} in <#${channel}>.`);
}

async function remind(
  bot: SlackBot,
  team: string,
  experimentId: string,
  minutes: number,
): Promise<CommandOutput> {
  const overdue = await bot.chat.overdue(experimentId, minutes * 60_000);
  let sent = 0;
  let elsewhere = 0;
  for (const o of overdue) {
    const person = await bot.db.participants.get(experimentId, o.participantId!);
    const id = person?.identity ?? '';
    const m = /^slack:([^/]+)\/(.+)$/.exec(id);
    if (!m || m[1] !== team) {
      elsewhere += 1;
      continue;
    }
    const trial = await bot.db.trials.get(o.trialId);
    if (!trial) continue;
    await bot.dm(team, m[2]!, {
      text: 'Reminder: a trial is waiting for you.',
      blocks: sections(
        `*Reminder:* a trial is waiting for you (${ROLE_NAMES[o.role as Role]}). \`/oversight next\` takes you to it. (trial ${trial.ref})`,
      ),
    });
    sent += 1;
  }
  return say(
    `Reminded ${sent} ${sent === 1 ? 'person' : 'people'} owing a move for over ${minutes} min${elsewhere ? `; ${elsewhere} on another platform or workspace not reminded from here` : ''}.`,
  );
}
