// The app under Slack's rate limits: a command is acknowledged before any Web API call or database
// work for it (Bolt's 3 seconds), and conversations.open (Tier 3: 50 a minute per workspace) is called
// only when no request named the person's DM: a command typed in it, the Home tab's event, or a
// thread of theirs stored before a restart. A command typed in a DM between two people names a DM the
// app is not in; the app then opens its own.
import type { SlackPerson } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackBot } from '../src/bot.ts';
import {
  alice,
  bob,
  carol,
  planInto,
  questions,
  slackPeople,
  startWorld,
  TEAM,
  type World,
  waitFor,
} from './harness.ts';

let w: World;
const EXP = 'slack-limits';
const dave: SlackPerson = { id: 'UDAVE0001', team: TEAM, name: 'dave' };

beforeAll(async () => {
  w = await startWorld('limits', async (db, url) => {
    await planInto(
      db,
      {
        name: EXP,
        judges: [slackPeople],
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      },
      url,
      questions(6),
    );
    return [EXP];
  });
}, 60_000);

afterAll(async () => {
  await w?.close();
});

const opened = () => w.slack.calls('conversations.open').map((c) => String(c.args.users));
const turnIn = (channel: string) =>
  w.slack.messages(channel).find((m) => JSON.stringify(m.blocks ?? []).includes('Submit verdict'));

describe('Slack app under rate limits', () => {
  it('acknowledges a command while the work it asks for cannot start (no Web API, no database)', async () => {
    const { app, driver, slack } = w;
    const bot = app.bot;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const forTeam = bot.clients.forTeam.bind(bot.clients);
    const join = bot.chat.join.bind(bot.chat);
    bot.clients.forTeam = async (team) => {
      await gate;
      return forTeam(team);
    };
    bot.chat.join = async (...args) => {
      await gate;
      return join(...args);
    };
    try {
      const calls = slack.calls().length;
      const acked = await driver.command(alice, 'join');
      expect(acked.status).toBe(200);
      expect(acked.ms).toBeLessThan(2000);
      expect(slack.responses().some((r) => String(r.text).includes('You are in'))).toBe(false);
      expect(
        slack
          .calls()
          .slice(calls)
          .map((c) => c.method),
      ).toEqual([]);
    } finally {
      bot.clients.forTeam = forTeam;
      bot.chat.join = join;
      release();
    }
    await waitFor('the join answered', () =>
      slack.responses().find((r) => String(r.text).includes('You are in')),
    );
  });

  it('posts a trial in the DM the command was typed in, without conversations.open', async () => {
    const { driver, slack } = w;
    expect((await driver.command(alice, 'next')).status).toBe(200);
    await waitFor('alice’s turn', () => turnIn(slack.dm(alice.id)));
    const answer = await waitFor('the next answered', () =>
      slack.responses().find((r) => String(r.text).includes('thread just above')),
    );
    expect(String(answer.text)).not.toContain('http');
    expect(opened()).toEqual([]);
  });

  it('learns the DM from the Home tab’s event, for a command typed in a channel', async () => {
    const { driver, slack } = w;
    expect((await driver.command(bob, 'join', 'C0PUBLIC1')).status).toBe(200);
    expect((await driver.homeOpened(bob)).status).toBe(200);
    expect((await driver.command(bob, 'next', 'C0PUBLIC1')).status).toBe(200);
    await waitFor('bob’s turn', () => turnIn(slack.dm(bob.id)));
    expect(opened()).toEqual([]);
    // Without either, the DM has to be opened: carol typed in a channel and never opened the Home tab.
    expect((await driver.command(carol, 'join', 'C0PUBLIC1')).status).toBe(200);
    expect((await driver.command(carol, 'next', 'C0PUBLIC1')).status).toBe(200);
    await waitFor('carol’s turn', () => turnIn(slack.dm(carol.id)));
    expect(opened()).toEqual([carol.id]);
  });

  it('opens its own DM when the command was typed in a DM between two people', async () => {
    const { driver, slack } = w;
    const theirs = slack.humanDm(dave.id, alice.id);
    expect((await driver.command(dave, 'join', theirs)).status).toBe(200);
    expect((await driver.command(dave, 'next', theirs)).status).toBe(200);
    await waitFor('dave’s turn in the app’s DM', () => turnIn(slack.dm(dave.id)));
    expect(slack.messages(theirs)).toHaveLength(0);
    expect(opened()).toContain(dave.id);
  });

  it('after a restart, finds the DMs of people with a thread in the database', async () => {
    const { app, db, slack } = w;
    const before = opened().length;
    const fresh = new SlackBot(db, app.bot.clients, [EXP], app.bot.log);
    expect(await fresh.dmChannel(TEAM, alice.id)).toBe(slack.dm(alice.id));
    expect(await fresh.dmChannel(TEAM, bob.id)).toBe(slack.dm(bob.id));
    expect(opened()).toHaveLength(before);
    // Someone without a thread still needs conversations.open.
    const erin = 'UERIN0001';
    expect(await fresh.dmChannel(TEAM, erin)).toBe(slack.dm(erin));
    expect(opened()).toHaveLength(before + 1);
  });
});
