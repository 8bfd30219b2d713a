// The fake Discord refuses what Discord refuses, checked through the real discord.js client: payload
// rules (with the page of Discord's documentation each comes from), mentions nobody chose, modals with
// Label, Text Display and radio components as discord.js reads them back, commands, threads, and the
// rate limits discord.js must and does wait for.
import {
  ButtonStyle,
  ChannelType,
  Client,
  ComponentType,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Interaction,
  MessageFlags,
  Routes,
  TextInputStyle,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordRateLimiter, type FakeDiscord, startFakeDiscord, takeViolations } from '../src/index.ts';

let fake: FakeDiscord;
let client: Client;
const handlers: Array<(i: Interaction) => Promise<void>> = [];

beforeAll(async () => {
  fake = await startFakeDiscord();
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.api } });
  client.on(Events.InteractionCreate, (i) => void handlers.at(-1)?.(i));
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(fake.token);
  await ready;
});
afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

async function refusal(run: () => Promise<unknown>): Promise<DiscordAPIError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof DiscordAPIError) return error;
    throw error;
  }
  throw new Error('expected Discord to refuse the request');
}

/** A message with one button, for a person to click (a component interaction needs its message). */
async function buttonMessage(userId: string) {
  fake.user(userId);
  const posted = (await client.rest.post(Routes.channelMessages(fake.channelId), {
    body: {
      components: [
        { type: 1, components: [{ type: 2, style: ButtonStyle.Primary, label: 'Open', custom_id: 'open' }] },
      ],
    },
  })) as { id: string };
  return fake.message(posted.id)!;
}

/** The violations the request left in the audit (taken, so they do not fail the test). */
const taken = () => takeViolations();

describe('messages', () => {
  // Each test posts in a server of its own: posts to one channel share a bucket of five per five
  // seconds, and discord.js would wait it out between these tests, which are not about it (the rate
  // limits' own test is below).
  it('counts embeds as Discord does (trimmed, all embeds together) and refuses 6,001 with 50035, citing the page', async () => {
    const { channelId } = fake.addGuild();
    const post = (description: string) =>
      client.rest.post(Routes.channelMessages(channelId), {
        body: {
          embeds: [{ description: description.slice(0, 4000) }, { description: description.slice(4000) }],
        },
      });
    // Whitespace at either end does not count: 6,000 characters plus padding is accepted.
    await post(`   ${'x'.repeat(3997)}${'y'.repeat(2003)}   `);
    const error = await refusal(() => post('x'.repeat(6001)));
    expect(error.code).toBe(50035);
    expect(error.status).toBe(400);
    const [violation] = taken();
    expect(violation?.problems.join()).toMatch(
      /Embed size exceeds maximum size of 6000 \(got 6001\) \[developers\/resources\/message\.mdx, "Embed Limits"\]/,
    );
  });

  it('refuses repeated custom ids, a link button with a custom id, a select with min above max', async () => {
    const { channelId } = fake.addGuild();
    const send = (components: unknown[]) =>
      refusal(() => client.rest.post(Routes.channelMessages(channelId), { body: { components } }));
    const row = (...c: unknown[]) => ({ type: ComponentType.ActionRow, components: c });
    const button = (id: string) => ({ type: 2, style: ButtonStyle.Primary, label: 'Go', custom_id: id });
    await send([row(button('a')), row(button('a'))]);
    await send([
      row({ type: 2, style: ButtonStyle.Link, label: 'x', url: 'https://x.test', custom_id: 'x' }),
    ]);
    await send([
      row({ type: 3, custom_id: 's', min_values: 3, max_values: 2, options: [{ label: 'a', value: 'a' }] }),
    ]);
    const problems = taken().flatMap((v) => v.problems);
    expect(problems).toEqual([
      expect.stringMatching(/custom id cannot be duplicated.*"Custom ID"/),
      expect.stringMatching(/a link button has a url and no custom_id.*"Button"/),
      expect.stringMatching(/min_values is more than max_values/),
      expect.stringMatching(/max_values: more than the 1 options/),
    ]);
  });

  it('knows who a message notifies: a mention parsed by default is flagged, one named in allowed_mentions is not', async () => {
    const user = '123456789012345678';
    const { channelId } = fake.addGuild();
    await client.rest.post(Routes.channelMessages(channelId), {
      body: { content: `<@${user}> your turn`, allowed_mentions: { users: [user] } },
    });
    expect(taken()).toEqual([]);
    await client.rest.post(Routes.channelMessages(channelId), {
      body: { content: `hi <@${user}> @everyone` },
    });
    const [ping] = taken();
    expect(ping?.kind).toBe('ping');
    expect(ping?.problems[0]).toMatch(/<@123456789012345678>, @everyone would notify/);
    // Escaped, it is only text; with parse [] nothing notifies.
    await client.rest.post(Routes.channelMessages(channelId), {
      body: { content: '\\@everyone \\<\\@1\\>' },
    });
    await client.rest.post(Routes.channelMessages(channelId), {
      body: { content: `<@${user}>`, allowed_mentions: { parse: [] } },
    });
    expect(taken()).toEqual([]);
    // "parse" and the list of the same kind are mutually exclusive.
    await refusal(() =>
      client.rest.post(Routes.channelMessages(channelId), {
        body: { content: `<@${user}>`, allowed_mentions: { parse: ['users'], users: [user] } },
      }),
    );
    expect(taken()[0]?.problems[0]).toMatch(/mutually exclusive/);
  });
});

describe('modals', () => {
  it('takes labels, a text display and a radio group, and discord.js reads back what the person chose', async () => {
    const modal = {
      custom_id: 'survey',
      title: 'A few questions',
      components: [
        { type: ComponentType.TextDisplay, content: '**1.** A question too long for a label, shown whole.' },
        {
          type: ComponentType.Label,
          label: '1. A question too long…',
          component: {
            type: 21,
            custom_id: 'q1',
            options: ['1', '2', '3', '4', '5'].map((v) => ({ label: v, value: v })),
          },
        },
        {
          type: ComponentType.Label,
          label: '2. Which?',
          component: {
            type: ComponentType.StringSelect,
            custom_id: 'q2',
            options: [
              { label: 'first', value: 'first' },
              { label: 'second', value: 'second' },
            ],
          },
        },
        {
          type: ComponentType.Label,
          label: '3. Anything else?',
          component: {
            type: ComponentType.TextInput,
            custom_id: 'q3',
            style: TextInputStyle.Paragraph,
            required: false,
          },
        },
      ],
    };
    const read: Record<string, unknown> = {};
    handlers.push(async (i) => {
      if (i.isButton()) await i.showModal(modal as never);
      else if (i.isModalSubmit()) {
        for (const f of i.fields.fields.values()) {
          const field = f as { customId: string; value?: unknown; values?: unknown };
          read[field.customId] = field.values ?? field.value;
        }
        await i.reply({ content: 'thanks', flags: MessageFlags.Ephemeral });
      }
    });
    const message = await buttonMessage('200000000000000001');
    const opened = await fake.click('200000000000000001', message, 'open');
    expect(opened.modal).toMatchObject({ title: 'A few questions' });
    const done = await fake.submit('200000000000000001', opened, { q1: '4', q2: ['second'], q3: '' });
    expect(await done.text()).toBe('thanks');
    expect(read).toEqual({ q1: '4', q2: ['second'], q3: '' });
    handlers.pop();
  });

  it('refuses six components, a text input with its own label inside a Label, and repeated ids', async () => {
    const label = (id: string, extra: Record<string, unknown> = {}) => ({
      type: ComponentType.Label,
      label: 'x',
      component: { type: ComponentType.TextInput, custom_id: id, style: TextInputStyle.Short, ...extra },
    });
    const cases = [
      { custom_id: 'm', title: 't', components: ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => label(id)) },
      { custom_id: 'm', title: 't', components: [label('a', { label: 'deprecated here' })] },
      { custom_id: 'm', title: 't', components: [label('a'), label('a')] },
    ];
    const outcomes: string[] = [];
    handlers.push(async (i) => {
      if (!i.isButton()) return;
      try {
        await i.showModal(cases[outcomes.length] as never);
        outcomes.push('shown');
      } catch (error) {
        outcomes.push(String((error as DiscordAPIError).code));
      }
    });
    const message = await buttonMessage('200000000000000002');
    for (let k = 0; k < cases.length; k++) await fake.click('200000000000000002', message, 'open');
    await new Promise((r) => setTimeout(r, 300));
    handlers.pop();
    expect(outcomes).toEqual(['50035', '50035', '50035']);
    expect(taken().map((v) => v.problems.join())).toEqual([
      expect.stringMatching(/Must be between 1 and 5 in length.*"Modal"/),
      expect.stringMatching(/label: not allowed inside a Label component.*New Modal Components/),
      expect.stringMatching(/custom id cannot be duplicated/),
    ]);
  });
});

describe('commands and threads', () => {
  it('refuses an upper-case name, a required option after an optional one, and more than 8,000 characters', async () => {
    const put = (body: unknown) =>
      refusal(() =>
        client.rest.put(Routes.applicationGuildCommands(fake.applicationId, fake.guildId), { body }),
      );
    await put([{ name: 'Oversight', description: 'x' }]);
    await put([
      {
        name: 'oversight',
        description: 'x',
        options: [
          { type: 3, name: 'a', description: 'a' },
          { type: 3, name: 'b', description: 'b', required: true },
        ],
      },
    ]);
    const choices = Array.from({ length: 25 }, (_, k) => ({
      name: `${k}`.padEnd(100, 'n'),
      value: `${k}`.padEnd(100, 'v'),
    }));
    await put([
      {
        name: 'oversight',
        description: 'x',
        options: [1, 2].map((n) => ({ type: 3, name: `o${n}`, description: 'd', choices })),
      },
    ]);
    expect(taken().map((v) => v.problems.join())).toEqual([
      expect.stringMatching(/must be lowercase/),
      expect.stringMatching(/a required option after an optional one/),
      expect.stringMatching(/the most is 8000.*8000 characters/),
    ]);
  });

  it('refuses a thread archive duration Discord does not offer', async () => {
    const error = await refusal(() =>
      client.rest.post(Routes.threads(fake.channelId), {
        body: { name: 'a thread', type: ChannelType.PrivateThread, auto_archive_duration: 1000 },
      }),
    );
    expect(error.code).toBe(50035);
    expect(taken()[0]?.problems[0]).toMatch(/one of 60, 1440, 4320, 10080/);
  });
});

describe('rate limits', () => {
  it('reports buckets in headers, and discord.js waits for them: twelve messages to one channel, no 429', async () => {
    const thread = (await client.rest.post(Routes.threads(fake.channelId), {
      body: { name: 'rate', type: ChannelType.PrivateThread, auto_archive_duration: 60 },
    })) as { id: string };
    const before = fake.rateLimiter!.limited.get('channel-messages-post') ?? 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, k) =>
        client.rest.post(Routes.channelMessages(thread.id), { body: { content: `message ${k}` } }),
      ),
    );
    expect(fake.messages(thread.id)).toHaveLength(12);
    // Five per five seconds per channel: discord.js read the headers and waited, so Discord never had to refuse.
    expect(fake.rateLimiter!.limited.get('channel-messages-post') ?? 0).toBe(before);
    const posts = fake.calls.filter((c) => c.path === `/api/v10/channels/${thread.id}/messages`);
    expect(posts.every((c) => c.status === 200)).toBe(true);
  }, 60_000);

  it('answers 429 with Retry-After past the global 50 per second, but never for interaction callbacks', async () => {
    const limiter = new DiscordRateLimiter();
    const now = Date.now();
    let refused = 0;
    for (let k = 0; k < 60; k++) if (!limiter.check('GET', `/users/@me/x${k}`, now).ok) refused += 1;
    expect(refused).toBe(10);
    for (let k = 0; k < 60; k++)
      expect(limiter.check('POST', `/interactions/1${k}/token${k}/callback`, now).ok).toBe(true);
    const over = limiter.check('GET', '/users/@me', now);
    expect(over).toMatchObject({
      ok: false,
      status: 429,
      global: true,
      headers: { 'x-ratelimit-global': 'true' },
    });
  });
});
