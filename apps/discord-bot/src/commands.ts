import {
  type APIApplicationCommandOption,
  ApplicationCommandOptionType,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord-api-types/v10';

/**
 * The one slash command, `/oversight`, and its subcommands: every entry point a participant or an
 * admin has, listed here so a reader can scan them. Admin subcommands are visible to everyone and
 * refused for anyone without a role named in the experiment's config (Discord's own permission
 * settings cannot name a role per experiment).
 */

export const COMMAND = 'oversight';

export const SUBCOMMANDS = {
  join: 'Join an experiment: read the consent text and accept it',
  leave: 'Stop getting new trials in an experiment',
  next: 'Open your next trial in a private thread',
  status: 'Your trials, what waits on you and your reward',
  leaderboard: 'Judges by mean reward, arguers by rating (pseudonyms only)',
} as const;

export const ADMIN_SUBCOMMANDS = {
  status: 'An experiment’s progress: trials by status, who they wait on',
  abort: 'Abort a trial, with a reason (recorded as an event)',
  reassign: 'Give a waiting seat to someone else, or reopen it',
  remind: 'Remind everyone a trial waits on, now',
} as const;

const ROLES = ['judge', 'debater-a', 'debater-b', 'consultant', 'assistant'];

function experimentOption(experiments: readonly string[], required: boolean): APIApplicationCommandOption {
  return {
    type: ApplicationCommandOptionType.String,
    name: 'experiment',
    description: 'The experiment',
    // One experiment: nothing to choose. Up to 25: a list (Discord's limit for choices).
    required: required && experiments.length !== 1,
    ...(experiments.length > 0 && experiments.length <= 25
      ? { choices: experiments.map((id) => ({ name: id.slice(0, 100), value: id.slice(0, 100) })) }
      : {}),
  };
}

const text = (
  name: string,
  description: string,
  required = true,
  max = 100,
): APIApplicationCommandOption => ({
  type: ApplicationCommandOptionType.String,
  name,
  description,
  required,
  max_length: max,
});

export function commandDefinitions(experiments: readonly string[]): RESTPutAPIApplicationCommandsJSONBody {
  const experiment = experimentOption(experiments, true);
  const sub = (name: keyof typeof SUBCOMMANDS, options: APIApplicationCommandOption[] = [experiment]) => ({
    type: ApplicationCommandOptionType.Subcommand as const,
    name,
    description: SUBCOMMANDS[name],
    options: options as never,
  });
  const admin = (name: keyof typeof ADMIN_SUBCOMMANDS, options: APIApplicationCommandOption[]) => ({
    type: ApplicationCommandOptionType.Subcommand as const,
    name,
    description: ADMIN_SUBCOMMANDS[name],
    options: options as never,
  });
  const trial = text('trial', 'The trial’s 12-character handle (shown to admins in status)', true, 40);
  return [
    {
      name: COMMAND,
      description: 'Judge and argue oversight experiments',
      dm_permission: false,
      options: [
        sub('join'),
        sub('leave'),
        sub('next'),
        sub('status', [experimentOption(experiments, false)]),
        sub('leaderboard'),
        {
          type: ApplicationCommandOptionType.SubcommandGroup,
          name: 'admin',
          description: 'For the roles named in the experiment’s config',
          options: [
            admin('status', [experiment]),
            admin('abort', [trial, text('reason', 'Why (kept in the trial’s log)', true, 300)]),
            admin('reassign', [
              trial,
              {
                type: ApplicationCommandOptionType.String,
                name: 'role',
                description: 'Which seat',
                required: true,
                choices: ROLES.map((r) => ({ name: r, value: r })),
              },
              text('reason', 'Why (kept in the trial’s log)', true, 300),
              {
                type: ApplicationCommandOptionType.User,
                name: 'to',
                description: 'Who takes it (leave out to reopen the seat for the next person who asks)',
                required: false,
              },
            ]),
            admin('remind', [experiment]),
          ],
        },
      ],
    },
  ];
}
