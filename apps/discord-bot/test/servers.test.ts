// A public bot can be added to any server, by anyone, and anyone can make a role called "Researcher"
// there. So an experiment is run in the servers its config names (else the bot's DISCORD_GUILD_ID):
// its command is registered there and nowhere else, its admins hold a role it names by id, and a
// command, click or form about it from any other server is refused with nothing recorded. Settings
// that would let another server in are refused when the bot starts, saying what to set.
import type { Database } from '@oversight/db';
import { openDatabase } from '@oversight/db';
import { type FakeDiscord, messageText, startFakeDiscord } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotSetupError, startBot } from '../src/bot.ts';
import {
  llm,
  Person,
  person,
  planInto,
  RESEARCHER_ROLE,
  startWorld,
  tempDir,
  until,
  type World,
} from './harness.ts';

/** A server id no fake server has: one the bot was never added to. */
const ELSEWHERE = '123456789012345678';

/** The error startBot refused to start with, or null when it started (then stopped at once). */
async function refusal(options: Parameters<typeof startBot>[0]): Promise<Error | null> {
  return startBot(options).then(
    async (bot) => {
      await bot.stop();
      return null;
    },
    (error: Error) => error,
  );
}

/** The people (participants with a platform identity) who joined an experiment. */
async function people(db: Database, experimentId: string): Promise<string[]> {
  return (await db.participants.list(experimentId)).flatMap((p) => (p.identity ? [p.identity] : []));
}

/** The experiments `/oversight join` offers in a server, as registered there (null: no command there). */
function joinChoices(fake: FakeDiscord, guild: string): string[] | null {
  const [command] = fake.state.commands.get(guild) ?? [];
  if (!command) return null;
  const subcommands = command.options as Array<{ name: string; options: Array<{ choices?: unknown }> }>;
  const join = subcommands.find((o) => o.name === 'join')!;
  return (join.options[0]!.choices as Array<{ value: string }>).map((c) => c.value);
}

describe('where the bot serves an experiment, and who administers it', () => {
  let dir: string;
  let db: Database;
  const fakes: FakeDiscord[] = [];
  // Ids of the fake's servers are made when it starts; these configs are planned with them per test.
  const baseline = (name: string, chat?: Record<string, unknown>) => ({
    name,
    judges: [{ name: 'people', participant: person }],
    arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 2 }],
    ...(chat ? { chat } : {}),
  });
  const plan = (name: string, chat?: Record<string, unknown>) =>
    planInto(db, baseline(name, chat), 'http://127.0.0.1:9/v1');
  const fake = async () => {
    const f = await startFakeDiscord();
    fakes.push(f);
    return f;
  };

  beforeAll(async () => {
    dir = tempDir('servers');
    db = await openDatabase({ dataDir: dir });
  });
  afterAll(async () => {
    await db?.close();
    for (const f of fakes) await f.close();
  });

  it('refuses an experiment that names an admin role by name, saying how to copy its id', async () => {
    const f = await fake();
    await plan('named-role', { admins: { discordRoles: ['Researcher'] } });
    await plan('role-by-id', { admins: { discordRoles: [RESEARCHER_ROLE] } });
    const logs: string[] = [];
    const options = {
      db,
      token: f.token,
      applicationId: f.applicationId,
      guildId: f.guildId,
      apiUrl: f.api,
      log: (line: string) => logs.push(line),
    };
    // Alone, it leaves the bot nothing to serve: it does not start, and says why.
    const alone = await refusal({ ...options, experimentIds: ['named-role'] });
    expect(alone).toBeInstanceOf(BotSetupError);
    expect(alone?.message).toMatch(
      /named-role: chat\.admins\.discordRoles\[0\]: "Researcher" is not a role id\. .*Copy Role ID, and put that number here\. After changing the config, run `pnpm oversight run <its config file>` again/,
    );
    expect(f.state.commands.size).toBe(0);

    // With another, the other is served and this one is not.
    const bot = await startBot({ ...options, experimentIds: ['named-role', 'role-by-id'] });
    try {
      expect([...bot.guilds.keys()]).toEqual(['role-by-id']);
      expect(bot.refused.map((r) => r.experimentId)).toEqual(['named-role']);
      expect(logs.join('\n')).toMatch(/discord: not serving named-role: chat\.admins\.discordRoles\[0\]/);
      expect(joinChoices(f, f.guildId)).toEqual(['role-by-id']);
      const someone = new Person(f, '500000000000000001', { roles: ['Researcher'] });
      const refused = await someone.run('join', { experiment: 'named-role' });
      expect(await refused.text()).toMatch(/This bot does not run "named-role" here\. It runs: role-by-id\./);
      expect(await people(db, 'named-role')).toEqual([]);
    } finally {
      await bot.stop();
    }
  });

  it('refuses an experiment that names no server when the bot has no DISCORD_GUILD_ID, and registers nothing globally', async () => {
    const f = await fake();
    await plan('no-server');
    const refused = await refusal({
      db,
      token: f.token,
      applicationId: f.applicationId,
      apiUrl: f.api,
      experimentIds: ['no-server'],
      log: () => {},
    });
    expect(refused).toBeInstanceOf(BotSetupError);
    expect(refused?.message).toMatch(
      /no-server: It names no Discord server and this bot has no DISCORD_GUILD_ID: set chat\.discordGuilds to .*Copy Server ID\), or start the bot with DISCORD_GUILD_ID\. After changing the config, run/,
    );
    expect([...f.state.commands.keys()]).toEqual([]);
    expect(f.calls.filter((c) => c.method === 'PUT' && c.path.endsWith('/commands'))).toEqual([]);
  });

  it('registers /oversight in each experiment’s servers only, and withdraws a global registration', async () => {
    const f = await fake();
    const other = f.addGuild('A second server');
    // An earlier version of the bot, started without a server, registered the command globally.
    const global = await fetch(`${f.api}/v10/applications/${f.applicationId}/commands`, {
      method: 'PUT',
      headers: { authorization: `Bot ${f.token}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ name: 'oversight', description: 'old', options: [] }]),
    });
    expect(global.status).toBe(200);
    await plan('in-second', { discordGuilds: [other.id] });
    await plan('in-both', { discordGuilds: [f.guildId, other.id] });
    await plan('in-default');
    // Its thread channel is in the second server, but it runs in the first only.
    await plan('channel-elsewhere', { discordGuilds: [f.guildId], discordChannel: other.channelId });
    // A server the bot was never added to: nothing can be registered there.
    await plan('never-added', { discordGuilds: [ELSEWHERE] });
    const logs: string[] = [];
    const bot = await startBot({
      db,
      token: f.token,
      applicationId: f.applicationId,
      guildId: f.guildId,
      apiUrl: f.api,
      experimentIds: ['in-second', 'in-both', 'in-default', 'channel-elsewhere', 'never-added'],
      log: (line) => logs.push(line),
    });
    try {
      expect(joinChoices(f, f.guildId)).toEqual(['in-both', 'in-default']);
      expect(joinChoices(f, other.id)).toEqual(['in-second', 'in-both']);
      expect(f.state.commands.get('global')).toEqual([]);
      expect(f.state.commands.has(ELSEWHERE)).toBe(false);
      const log = logs.join('\n');
      expect(log).toContain('withdrew the global /oversight command an earlier version registered');
      expect(log).toMatch(
        new RegExp(
          `cannot register /oversight in server ${ELSEWHERE} \\(Missing Access\\): add the bot to that server`,
        ),
      );
      expect(bot.refused).toEqual([
        {
          experimentId: 'channel-elsewhere',
          reason: expect.stringMatching(
            new RegExp(
              `chat\\.discordChannel: channel ${other.channelId} is in server ${other.id}, not in a server the experiment runs in \\(${f.guildId}\\)`,
            ),
          ),
        },
      ]);
      // Each server gets only its own: an experiment run in the first, asked for in the second.
      const someone = new Person(f, '500000000000000002', { guild: other.id });
      const refused = await someone.run('join', { experiment: 'in-default' });
      expect(await refused.text()).toMatch(/This study is not run in this server, so nothing was recorded/);
      const joined = await someone.run('join', { experiment: 'in-both' });
      expect(await joined.text()).toMatch(/You have joined \*\*in-both\*\*/);
      expect(await people(db, 'in-default')).toEqual([]);
    } finally {
      await bot.stop();
    }
  });
});

describe('commands, clicks and forms from a server the experiment is not run in', () => {
  let world: World;
  let second: { id: string; channelId: string };
  const experiment = {
    name: 'discord-guarded',
    judges: [{ name: 'people', participant: person }],
    chat: { admins: { discordRoles: [RESEARCHER_ROLE] } },
    arms: [
      { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 1, arguer: llm('arguer-model') },
    ],
  };

  beforeAll(async () => {
    world = await startWorld([experiment]);
    second = world.fake.addGuild('Mallory’s server');
  });
  afterAll(async () => {
    await world?.close();
  });

  const threadsIn = (guild: string) => world.fake.threads().filter((t) => t.guild_id === guild);

  it('refuses commands there, even from a member of a role with the admin role’s name', async () => {
    const { fake } = world;
    const alice = world.person('600000000000000001', { name: 'alice' });
    await (await alice.run('join', { experiment: experiment.name })).reply();
    await (await alice.run('next', { experiment: experiment.name })).reply();
    const trial = (await world.db.trials.list(experiment.name)).find((t) => t.judgeId)!;
    // An abort or a reassignment would add one of these (the AI debaters add speeches meanwhile).
    const seatChanges = async () =>
      (await world.events(trial.id)).filter(
        (e) => e.type === 'TrialAborted' || e.type === 'ParticipantAssigned',
      ).length;
    const seatsBefore = await seatChanges();

    // Mallory's own server, with a role she called "Researcher".
    const mallory = world.person('600000000000000002', {
      name: 'mallory',
      roles: ['Researcher'],
      guild: second.id,
    });
    // The command is not even registered there...
    expect(() => mallory.run('join', { experiment: experiment.name })).toThrow(
      /no command \/oversight is registered in guild/,
    );
    // ...and when a stale client delivers it anyway, it is refused and nothing happens.
    const stale = { stale: true } as const;
    for (const [sub, options, group] of [
      ['join', { experiment: experiment.name }, undefined],
      ['next', { experiment: experiment.name }, undefined],
      ['status', {}, undefined],
      ['status', { experiment: experiment.name }, 'admin'],
      ['remind', { experiment: experiment.name }, 'admin'],
      ['abort', { trial: trial.ref!, reason: 'mine now' }, 'admin'],
      ['reassign', { trial: trial.ref!, role: 'judge', reason: 'mine now' }, 'admin'],
    ] as const) {
      const acted = await mallory.run(sub, options, group, stale);
      expect(acted.ms).toBeLessThan(3000);
      const reply = await acted.reply();
      expect(reply.flags & 64).toBe(64);
      expect(messageText(reply)).toBe('This bot runs no study in this server, so nothing was recorded.');
    }
    expect(await people(world.db, experiment.name)).toEqual([`discord:${alice.id}`]);
    expect(threadsIn(second.id)).toEqual([]);
    expect(await seatChanges()).toBe(seatsBefore);
    expect(fake.dms(alice.id)).toEqual([]);

    // In the experiment's own server, the same role name is not enough: the role's id is.
    const carol = world.person('600000000000000003', { name: 'carol', roles: ['Researcher'] });
    const dave = world.person('600000000000000004', { name: 'dave' });
    fake.user(dave.id, { roles: ['Researcher'], guildId: second.id });
    expect(await (await dave.run('abort', { trial: trial.ref!, reason: 'x' }, 'admin')).text()).toMatch(
      new RegExp(`Only members with the role <@&${RESEARCHER_ROLE}> may do that`),
    );
    expect(await (await carol.run('status', { experiment: experiment.name }, 'admin')).text()).toMatch(
      /Progress of \*\*discord-guarded\*\*/,
    );
    expect(await seatChanges()).toBe(seatsBefore);
  });

  it('refuses a trial’s clicks and forms there, and takes them in the experiment’s server', async () => {
    const { fake } = world;
    const alice = new Person(fake, '600000000000000001', {});
    // Alice is in both servers: her trial's controls, left in the second by an earlier version.
    fake.user(alice.id, { guildId: second.id });
    const [thread] = alice.threads();
    const turn = await alice.waitTurn(thread!, /Your turn after round 1 of 2/);
    const trial = (await world.db.trials.list(experiment.name)).find((t) => t.judgeId)!;
    const judged = new Set(['BeliefReported', 'JudgeInterjected', 'VerdictSubmitted']);
    const count = async () => (await world.events(trial.id)).filter((e) => judged.has(e.type)).length;
    const before = await count();
    const copy = (message: typeof turn) =>
      fake.post(second.channelId, {
        content: message.content,
        components: message.components,
        allowed_mentions: { parse: [] },
      });

    const refused = async (acted: Awaited<ReturnType<typeof alice.click>>) => {
      expect(acted.ms).toBeLessThan(3000);
      const reply = await acted.reply();
      expect(reply.flags & 64).toBe(64);
      expect(messageText(reply)).toBe(
        'This study is not run in this server, so nothing was recorded. Use the bot in the server where you joined the study.',
      );
      expect(await count()).toBe(before);
    };

    // The exact-numbers form, opened in her thread and sent from the other server.
    const opened = await alice.click(turn, 'Exact numbers…');
    const filled = { 'credence-0': '70', 'credence-1': '30' };
    await refused(
      await fake.forge(
        alice.id,
        second.channelId,
        5,
        fake.interactions.modalSubmission(opened.interaction, filled),
      ),
    );
    // The credence select, and the choice after it, copied there.
    await refused(await alice.select(copy(turn), '70'));
    const choice = await (await alice.select(turn, '70')).reply();
    expect(messageText(choice)).toContain('Your credence: A 70%, B 30%.');
    await refused(await alice.click(copy(choice), 'Continue'));
    await refused(await alice.click(copy(choice), /End with this verdict|Submit verdict/));

    // The same click in her thread is taken.
    const taken = await alice.click(choice, 'Continue');
    expect(await taken.text()).toMatch(/Recorded: A 70%, B 30%/);
    await until(async () => (await count()) === before + 1, 'the belief recorded');
    expect(world.logs.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('posts nothing more to a trial’s thread in another server, and opens a new one in the experiment’s', async () => {
    const { fake, db } = world;
    const erin = world.person('600000000000000005', { name: 'erin' });
    fake.user(erin.id, { guildId: second.id });
    await (await erin.run('join', { experiment: experiment.name })).reply();
    await (await erin.run('next', { experiment: experiment.name })).reply();
    const [thread] = erin.threads();
    await erin.waitTurn(thread!, /Your turn after round 1 of 2/);
    const judgeId = (await db.participants.byIdentity(experiment.name, `discord:${erin.id}`))!.id;
    const trial = (await db.trials.list(experiment.name)).find((t) => t.judgeId === judgeId)!;
    const where = { trialId: trial.id, participantId: judgeId, platform: 'discord' };
    // Her thread, as a version that served every server would have left it: in the second server,
    // and behind its trial.
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${fake.api}/v10${path}`, {
        method,
        headers: { authorization: `Bot ${fake.token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return response.status === 204 ? null : ((await response.json()) as { id: string });
    };
    const old = (await call('POST', `/channels/${second.channelId}/threads`, { name: 'Debate', type: 12 }))!;
    await call('PUT', `/channels/${old.id}/thread-members/${erin.id}`);
    await db.prisma.chatThread.update({
      where: { trialId_participantId_platform: where },
      data: { workspace: second.id, channel: second.channelId, thread: old.id, postedSeq: 1 },
    });
    world.bot.threads.wake();
    const events = (await world.events(trial.id)).length;
    await until(
      async () => (await db.chat.thread(trial.id, judgeId, 'discord'))!.postedSeq >= events,
      'the thread counted as posted',
    );
    expect(fake.messages(old.id)).toEqual([]);
    expect(world.logs.join('\n')).toContain(
      `thread ${old.id}: in server ${second.id}, where ${experiment.name} is not run; nothing more is posted there`,
    );

    // In the experiment's server, `next` opens a new thread there, with the whole trial and her turn.
    const next = await erin.run('next', { experiment: experiment.name });
    const [, id] = /This trial waits on you: <#(\d+)>/.exec(await next.text()) ?? [];
    expect(id).toBeDefined();
    expect(id).not.toBe(old.id);
    const fresh = fake.threads().find((t) => t.id === id)!;
    expect(fresh.guild_id).toBe(fake.guildId);
    await erin.waitTurn(fresh, /Your turn after round 1 of 2/);
    expect(erin.text(fresh)).toMatch(/What did the pilot of tale \d do first\?/);
    expect(fake.messages(old.id)).toEqual([]);
    expect((await db.chat.thread(trial.id, judgeId, 'discord'))!.workspace).toBe(fake.guildId);
  });
});
