import { describe, expect, it } from 'vitest';
import {
  designWarnings,
  discordSetupProblems,
  type ExperimentConfigInput,
  ExperimentConfigSchema,
  parseInput,
} from '../src/index.ts';

const base: ExperimentConfigInput = {
  name: 'guilds',
  seed: 'guilds',
  judges: [{ count: 4 }],
  arms: [{ name: 'debate', protocol: 'debate', trialsPerQuestion: 2 }],
};

/** Where an experiment runs on Discord, and who may administer it there, are ids, never names. */
describe('Discord servers and admin roles in a config', () => {
  it('takes server ids, and says how to copy one when given anything else', () => {
    const parsed = ExperimentConfigSchema.parse({
      ...base,
      chat: { discordGuilds: ['112233445566778899', '998877665544332211'] },
    });
    expect(parsed.chat?.discordGuilds).toEqual(['112233445566778899', '998877665544332211']);
    expect(() =>
      parseInput(
        ExperimentConfigSchema,
        { ...base, chat: { discordGuilds: ['Oversight trials'] } },
        'x.json',
      ),
    ).toThrow(/chat\.discordGuilds\[0\]: a Discord server id is 17 to 20 digits: .*Copy Server ID/);
    expect(() =>
      parseInput(ExperimentConfigSchema, { ...base, chat: { discordGuilds: [] } }, 'x.json'),
    ).toThrow(/chat\.discordGuilds: name at least one server, or leave chat\.discordGuilds out/);
  });

  it('adds nothing to a config that names no server, so a stored config keeps its hash', () => {
    const parsed = ExperimentConfigSchema.parse({ ...base, chat: { reminderMinutes: 30 } });
    expect(Object.keys(parsed.chat!)).toEqual(['reminderMinutes']);
  });

  it('still parses a stored config that names an admin role by name, and flags it where it is planned', () => {
    // Every app parses stored configs again: refusing names in the schema would stop them all.
    const input = { ...base, chat: { admins: { discordRoles: ['123456789012345678', 'Researcher'] } } };
    const parsed = ExperimentConfigSchema.parse(input);
    const problems = discordSetupProblems(parsed.chat);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.field).toBe('chat.admins.discordRoles[1]');
    expect(problems[0]!.message).toMatch(
      /"Researcher" is not a role id\. Admin roles are matched by id only/,
    );
    expect(problems[0]!.message).toMatch(
      /Developer Mode .*Server Settings → Roles, right-click the role → Copy Role ID/,
    );
    // Not a warning: `oversight run` refuses it (apps/cli preflight), and the bot will not serve it.
    expect(designWarnings(input, 10).map((w) => w.field)).not.toContain('chat.admins.discordRoles[1]');
    expect(discordSetupProblems(undefined)).toEqual([]);
    expect(discordSetupProblems({ admins: { discordRoles: ['123456789012345678'] } })).toEqual([]);
  });
});
