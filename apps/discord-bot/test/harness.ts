// A world for the bot's tests: the fake Discord, the fake OpenAI server, a database, `serve` and the
// real bot in this process; people who type commands, click and fill modals through the fake.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExperimentConfigSchema, type Question, type TrialEvent } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import type { Backend } from '@oversight/db/testing/backends';
import { databaseLlmStore, llmParticipantFactory } from '@oversight/llm';
import { persistPlan, planExperiment, type ServeHandle, serve } from '@oversight/runner';
import {
  type Acted,
  controlsOf,
  type FakeDiscordChannel as FakeChannel,
  type FakeDiscord,
  type FakeDiscordOptions,
  type FakeDiscordMessage as FakeMessage,
  type FakeOpenAIOptions,
  type FakeOpenAIServer,
  messageText,
  startFakeDiscord,
  startFakeOpenAI,
} from '@oversight/testkit';
import { type RunningBot, startBot } from '../src/bot.ts';

export function questions(count = 6): Question[] {
  return Array.from({ length: count }, (_, i) => {
    const source = Array.from(
      { length: 24 },
      (_, k) =>
        `In chapter ${k} of tale ${i}, the pilot ${k % 2 ? 'repaired the beacon' : 'mapped the reef'} before the tide turned.`,
    ).join(' ');
    return {
      id: `q${i}`,
      storyId: `s${i}`,
      storyTitle: `Tale ${i}`,
      question: `What did the pilot of tale ${i} do first?`,
      answers: ['mapped the reef', 'repaired the beacon'],
      correctIndex: i % 2,
      source,
      metadata: {},
    };
  });
}

export const llm = (model: string) => ({
  kind: 'llm',
  endpoint: 'local',
  model,
  temperature: 0,
  maxTokens: 200,
});
export const person = { kind: 'human', platform: 'discord' } as const;

export function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `oversight-discord-${name}-`));
}

/** Plans an experiment into the database (its model endpoint is the fake OpenAI server). */
export async function planInto(
  db: Database,
  input: Record<string, unknown> & { name: string },
  baseURL: string,
  qs = questions(),
  options: { blindingKey?: string } = {},
): Promise<void> {
  const config = ExperimentConfigSchema.parse({
    seed: input.name,
    llm: {
      cache: false,
      endpoints: { local: { baseURL, maxConcurrent: 8, timeoutMs: 5000, maxRetries: 0 } },
    },
    ...input,
  });
  const plan = planExperiment(config, qs, `${input.name}-questions`, options);
  await persistPlan(db, plan, `${input.name}-questions`);
}

/** How one experiment of a world is planned: its own questions, a blinding key (twin tests). */
export interface PlanChoice {
  questions?: Question[];
  blindingKey?: string;
}

export interface World {
  fake: FakeDiscord;
  openai: FakeOpenAIServer;
  db: Database;
  /** The study channels made for `studyChannels`. */
  channels: string[];
  bot: RunningBot;
  service: ServeHandle;
  logs: string[];
  close(): Promise<void>;
  person(id: string, options?: { roles?: string[]; name?: string; guild?: string }): Person;
  events(trialId: string): Promise<TrialEvent[]>;
}

/** Admin role ids the tests' configs name (`chat.admins.discordRoles`); startWorld creates them. */
export const RESEARCHER_ROLE = '400000000000000001';

export async function startWorld(
  experiments: Array<Record<string, unknown> & { name: string }>,
  options: {
    activeMs?: number;
    dir?: string;
    plans?: Record<string, PlanChoice>;
    openai?: FakeOpenAIOptions;
    /** Where the database is: a backend of the db package's test harness (default: embedded here). */
    backend?: Backend;
    /** Roles to make in the bot's first server before it connects, by name: their ids. */
    roles?: Record<string, string>;
    /** The bot's DISCORD_GUILD_ID: the fake's first server unless given (null: none). */
    guildId?: string | null;
    /** Options of the fake Discord (its rate limits are Discord's unless set otherwise here). */
    discord?: FakeDiscordOptions;
    /** Experiments already planned in the database at `dir` (offline arms), served as well. */
    served?: string[];
    /** Text channels made in the fake's first server and named as every experiment's study channels (chat.discordChannels). */
    studyChannels?: number;
    /** The database as the bot sees it (the service and the test use it as it is). */
    botDb?: (db: Database) => Database;
  } = {},
): Promise<World> {
  const dir = options.dir ?? tempDir('world');
  const fake = await startFakeDiscord(options.discord ?? {});
  for (const [name, id] of Object.entries(options.roles ?? { Researcher: RESEARCHER_ROLE }))
    fake.addRole(name, { id });
  const openai = await startFakeOpenAI({ latencyMs: 5, ...options.openai });
  // The embedded database in the world's folder, or (twin tests) a backend of the db package's tests.
  const harness = options.backend ? await options.backend.setup() : null;
  const db = harness?.db ?? (await openDatabase({ dataDir: dir }));
  const channels = Array.from({ length: options.studyChannels ?? 0 }, (_, i) =>
    fake.addChannel(`study-${i + 1}`),
  );
  const planned = channels.length
    ? experiments.map((e) => ({
        ...e,
        chat: { ...(e.chat as Record<string, unknown> | undefined), discordChannels: channels },
      }))
    : experiments;
  for (const e of planned) {
    const choice = options.plans?.[e.name] ?? {};
    await planInto(
      db,
      e,
      openai.url,
      choice.questions,
      choice.blindingKey ? { blindingKey: choice.blindingKey } : {},
    );
  }
  const controller = new AbortController();
  const experimentIds = [...experiments.map((e) => e.name), ...(options.served ?? [])];
  const service = serve(db, {
    experimentIds,
    signal: controller.signal,
    pollMs: 100,
    factories: (experimentId, config) => ({
      llm: llmParticipantFactory({ store: databaseLlmStore(db), config: config.llm, experimentId }),
    }),
  });
  const logs: string[] = [];
  const bot = await startBot({
    db: options.botDb ? options.botDb(db) : db,
    token: fake.token,
    applicationId: fake.applicationId,
    ...(options.guildId === null ? {} : { guildId: options.guildId ?? fake.guildId }),
    experimentIds,
    apiUrl: fake.api,
    onMove: () => service.wake(),
    activeMs: options.activeMs ?? 10 * 60_000,
    log: (line) => logs.push(line),
    pollMs: 100,
  });
  const world: World = {
    fake,
    openai,
    db,
    channels,
    bot,
    service,
    logs,
    async close() {
      controller.abort();
      await bot.stop();
      await service.done.catch(() => undefined);
      if (harness) await harness.teardown();
      else await db.close();
      await fake.close();
      await openai.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    person: (id, o = {}) => new Person(fake, id, o),
    async events(trialId) {
      return (await db.events.load(trialId)).map((e) => e.payload as TrialEvent);
    },
  };
  return world;
}

/** Waits until `check` returns something truthy, polling. */
export async function until<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Someone in a Discord server (the fake's first unless `guild`). */
export class Person {
  readonly guild: string | undefined;

  constructor(
    readonly fake: FakeDiscord,
    readonly id: string,
    options: { roles?: string[]; name?: string; guild?: string },
  ) {
    this.guild = options.guild;
    fake.user(id, { ...options, ...(options.guild ? { guildId: options.guild } : {}) });
  }

  /**
   * `/oversight [group] subcommand`, typed in this person's server unless `where.guild` names another;
   * `where.stale` delivers it even where the command is not registered (see the fake's `stale`).
   */
  run(
    subcommand: string,
    options: Record<string, string> = {},
    group?: string,
    where: { guild?: string; stale?: boolean } = {},
  ): Promise<Acted> {
    const guildId = where.guild ?? this.guild;
    return this.fake.command(this.id, 'oversight', {
      subcommand,
      options,
      ...(group ? { group } : {}),
      ...(guildId ? { guildId } : {}),
      ...(where.stale ? { stale: true } : {}),
    });
  }

  /** Private threads this person is in, oldest first. */
  threads(): FakeChannel[] {
    return this.fake.threads().filter((t) => t.members?.has(this.id));
  }

  messages(thread: FakeChannel): FakeMessage[] {
    return this.fake.messages(thread.id, this.id);
  }

  /** The newest message in the thread that mentions this person with controls (their turn). */
  turnMessage(thread: FakeChannel, heading?: RegExp): FakeMessage | undefined {
    return this.messages(thread)
      .filter((m) => m.content.includes(`<@${this.id}>`) && m.components.length > 0 && !m.visibleTo)
      .filter((m) => !heading || heading.test(m.content))
      .at(-1);
  }

  waitTurn(thread: FakeChannel, heading?: RegExp, after?: FakeMessage): Promise<FakeMessage> {
    return until(
      () => {
        const m = this.turnMessage(thread, heading);
        return m && m !== after && (!after || BigInt(m.id) > BigInt(after.id)) ? m : undefined;
      },
      `${this.id}'s turn ${heading ?? ''}`,
    );
  }

  control(message: FakeMessage, label: RegExp | string): { id: string; type: number } {
    const found = controlsOf(message).find((c) =>
      typeof label === 'string' ? c.label === label : label.test(c.label),
    );
    if (!found)
      throw new Error(
        `no control ${label} on message: ${controlsOf(message)
          .map((c) => c.label)
          .join(', ')}`,
      );
    return found;
  }

  click(message: FakeMessage, label: RegExp | string): Promise<Acted> {
    return this.fake.click(this.id, message, this.control(message, label).id);
  }

  select(message: FakeMessage, value: string): Promise<Acted> {
    const select = controlsOf(message).find((c) => c.type === 3);
    if (!select) throw new Error('no select on the message');
    return this.fake.select(this.id, message, select.id, [value]);
  }

  submit(opened: Acted, values: Record<string, string | string[]>): Promise<Acted> {
    return this.fake.submit(this.id, opened, values);
  }

  text(thread: FakeChannel): string {
    return this.messages(thread)
      .filter((m) => !m.visibleTo)
      .map(messageText)
      .join('\n---\n');
  }
}
