// What the Slack app's tests share: a database with an experiment planned, the fake Slack and the
// fake OpenAI server on loopback, the real Bolt app started against them, and people who use it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExperimentConfigSchema, type Question, type TrialEvent } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { databaseLlmStore, llmParticipantFactory } from '@oversight/llm';
import { persistPlan, planExperiment } from '@oversight/runner';
import {
  type FakeMessage,
  type FakeOpenAIOptions,
  type FakeOpenAIServer,
  type FakeSlack,
  httpTransport,
  SlackDriver,
  type SlackPerson,
  startFakeOpenAI,
  startFakeSlack,
  type Transport,
} from '@oversight/testkit';
import { type RunningSlackApp, startSlackApp } from '../src/app.ts';
import { readEnv } from '../src/env.ts';
import { createLogger } from '../src/log.ts';

export const SECRET = 'test-signing-secret-0123456789';
export const TEAM = 'T0000001';
export const alice: SlackPerson = { id: 'UALICE001', team: TEAM, name: 'alice' };
export const bob: SlackPerson = { id: 'UBOB00001', team: TEAM, name: 'bob' };
export const carol: SlackPerson = { id: 'UCAROL001', team: TEAM, name: 'carol' };
export const admin: SlackPerson = { id: 'UADMIN001', team: TEAM, name: 'ada' };

export function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `oversight-slack-${name}-`));
}

let template: Promise<string> | null = null;

/**
 * A new folder holding an empty database with the migrations applied: a copy of one made once per
 * test file. Creating a database is most of a world's start (some 10-20 s of initdb and migrations on
 * a busy 2-core machine); opening a copy takes a tenth of that.
 */
export async function migratedDir(name: string): Promise<string> {
  template ??= (async () => {
    const dir = tempDir('template');
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    await (await openDatabase({ dataDir: dir })).close();
    return dir;
  })();
  const dir = tempDir(name);
  fs.cpSync(await template, dir, { recursive: true });
  return dir;
}

export function questions(count = 6): Question[] {
  return Array.from({ length: count }, (_, i) => {
    const story = i % 3;
    const source = Array.from(
      { length: 24 },
      (_, k) =>
        `In chapter ${k} of tale ${story}, the pilot ${k % 2 ? 'repaired the beacon' : 'mapped the reef'} before the tide turned.`,
    ).join(' ');
    return {
      id: `q${i}`,
      storyId: `story-${story}`,
      storyTitle: `Tale ${story}`,
      question: `What did the pilot do in chapter ${i}?`,
      answers: ['repaired the beacon', 'mapped the reef'],
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
export const slackPeople = { name: 'people', participant: { kind: 'human', platform: 'slack' } };

/** Plans an experiment into the database (no trial driven: `serve` in the app does that). */
export async function planInto(
  db: Database,
  input: Record<string, unknown>,
  openaiUrl: string,
  qs = questions(),
  options: { blindingKey?: string } = {},
) {
  const name = String(input.name);
  const config = ExperimentConfigSchema.parse({
    seed: name,
    llm: {
      cache: false,
      endpoints: { local: { baseURL: openaiUrl, maxConcurrent: 8, timeoutMs: 5000, maxRetries: 0 } },
    },
    ...input,
  });
  const plan = planExperiment(config, qs, `${name}-questions`, options);
  await persistPlan(db, plan, `${name}-questions`);
  return plan;
}

export interface World {
  dir: string;
  db: Database;
  slack: FakeSlack;
  openai: FakeOpenAIServer;
  app: RunningSlackApp;
  driver: SlackDriver;
  transport: Transport;
  eventsUrl: string;
  logs: string[];
  close(): Promise<void>;
}

export function envFor(slack: FakeSlack, extra: Record<string, string> = {}) {
  return readEnv({
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: slack.teams[0]!.botToken,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    ...extra,
  });
}

/** The app in this process over HTTP, serving `experimentIds`, with models from the fake OpenAI server. */
export async function startWorld(
  name: string,
  setup: (db: Database, openaiUrl: string) => Promise<string[]>,
  options: {
    socket?: boolean;
    env?: Record<string, string>;
    userGroups?: Record<string, string[]>;
    /** The fake model's latency and replies (twin tests: the same words for either side). */
    openai?: FakeOpenAIOptions;
    /** See SlackAppOptions.activeMs. */
    activeMs?: number;
    /** The fake's rate limits (default: Slack's own); false for none. */
    rateLimits?: false;
    /** The data folder (default: a new one); removed on close. */
    dir?: string;
  } = {},
): Promise<World> {
  const dir = options.dir ?? tempDir(name);
  const db = await openDatabase({ dataDir: dir });
  const slack = await startFakeSlack({
    users: [alice, bob, carol, admin].map((p) => ({ id: p.id, team: p.team, name: p.name! })),
    ...(options.userGroups ? { userGroups: options.userGroups } : {}),
    ...(options.rateLimits === false ? { rateLimits: false as const } : {}),
  });
  const openai = await startFakeOpenAI(options.openai);
  const experimentIds = await setup(db, openai.url);
  const logs: string[] = [];
  const env = envFor(slack, {
    ...(options.socket ? { SLACK_APP_TOKEN: slack.appToken } : {}),
    ...options.env,
  });
  const store = databaseLlmStore(db);
  const app = await startSlackApp({
    env,
    db,
    experimentIds,
    pollMs: 50,
    ...(options.activeMs === undefined ? {} : { activeMs: options.activeMs }),
    logger: createLogger('warn', (line) => logs.push(line) > 0),
    clientOptions: { retryConfig: { retries: 3, factor: 1, minTimeout: 10, maxTimeout: 20 } },
    factories: (experimentId, config) => ({
      llm: llmParticipantFactory({ store, config: config.llm, experimentId }),
    }),
  });
  const eventsUrl = `http://127.0.0.1:${app.port}/slack/events`;
  const transport = options.socket
    ? (await import('@oversight/testkit')).socketTransport(slack)
    : httpTransport(eventsUrl, SECRET);
  if (options.socket) await slack.socket.connected();
  const driver = new SlackDriver(slack, transport);
  return {
    dir,
    db,
    slack,
    openai,
    app,
    driver,
    transport,
    eventsUrl,
    logs,
    async close() {
      await app.stop();
      await slack.close();
      await openai.close();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Messages with a button whose label is `label`, newest last. */
export function withButton(messages: FakeMessage[], label: string | RegExp): FakeMessage[] {
  return messages.filter((m) =>
    (m.blocks ?? []).some(
      (b) =>
        (b as { type?: string }).type === 'actions' &&
        ((b as { elements: Array<{ text?: { text?: string } }> }).elements ?? []).some((e) =>
          typeof label === 'string' ? e.text?.text === label : label.test(e.text?.text ?? ''),
        ),
    ),
  );
}

export function textOf(m: { text?: string; blocks?: unknown[] }): string {
  return JSON.stringify(m.blocks ?? []) + (m.text ?? '');
}

export async function eventsOf(db: Database, trialId: string): Promise<TrialEvent[]> {
  return (await db.events.load(trialId)).map((e) => e.payload as TrialEvent);
}

/** The newest modal the app opened for a person. */
export function lastModal(slack: FakeSlack, callback?: RegExp) {
  const views = slack
    .views()
    .filter((v) => v.view.type === 'modal' && (!callback || callback.test(String(v.view.callback_id))));
  return views.at(-1);
}

/** Clicks, then waits for the modal the click opens (not one opened before). */
export async function clickForModal(
  w: World,
  person: SlackPerson,
  message: FakeMessage,
  label: string | RegExp,
  callback: RegExp,
) {
  const seen = new Set(w.slack.views().map((v) => v.id));
  await w.driver.clickMessage(person, message, label);
  return waitFor(`a modal ${callback}`, () =>
    w.slack
      .views()
      .find((v) => !seen.has(v.id) && v.view.type === 'modal' && callback.test(String(v.view.callback_id))),
  );
}

/**
 * A click on a button that opens a modal, answered with a refusal: the modal opened at the click says
 * why (the trigger is used at once, before the database is asked), or, for a click that opens none, an
 * ephemeral message does.
 */
export async function clickForRefusal(
  w: Pick<World, 'slack' | 'driver'>,
  person: SlackPerson,
  message: FakeMessage,
  label: string | RegExp,
  reason: RegExp,
) {
  const seen = new Set(w.slack.views().map((v) => v.id));
  const ephemerals = w.slack.ephemerals(person.id).length;
  await w.driver.clickMessage(person, message, label);
  return waitFor(`a refusal ${reason}`, () => {
    const view = w.slack.views().find((v) => !seen.has(v.id) && reason.test(textOf(v.view)));
    if (view) return textOf(view.view);
    return w.slack
      .ephemerals(person.id)
      .slice(ephemerals)
      .find((e) => reason.test(e.text))?.text;
  });
}
