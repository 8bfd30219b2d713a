// OAuth installs to several workspaces (HTTP mode): "Add to Slack" through the fake's consent page
// and back, the installation stored in the project's database (not Bolt's file store), and the
// app then acting in that workspace with that workspace's token. A callback without the state
// cookie (a forged install) stores nothing.
import fs from 'node:fs';
import { type Database, openDatabase } from '@oversight/db';
import { type FakeSlack, httpTransport, SlackDriver, startFakeSlack } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSlackApp, startSlackApp } from '../src/app.ts';
import { readEnv } from '../src/env.ts';
import { createLogger } from '../src/log.ts';
import { planInto, SECRET, slackPeople, tempDir, waitFor } from './harness.ts';

const teams = [1, 2].map((n) => ({
  id: `T000000${n}`,
  name: `Lab ${n}`,
  botToken: `xoxb-fake-team-${n}`,
  botUserId: `UBOT0000${n}`,
  botId: `B000000${n}`,
}));
let dir: string;
let db: Database;
let slack: FakeSlack;
let app: RunningSlackApp;
const logs: string[] = [];

beforeAll(async () => {
  dir = tempDir('install');
  db = await openDatabase({ dataDir: dir });
  slack = await startFakeSlack({ teams });
  await planInto(
    db,
    {
      name: 'slack-install',
      judges: [slackPeople],
      consent: { text: 'Consent text.' },
      arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
    },
    'http://127.0.0.1:9/v1',
  );
  app = await startSlackApp({
    db,
    env: readEnv({
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_CLIENT_ID: 'fake-client-id',
      SLACK_CLIENT_SECRET: 'fake-client-secret',
      SLACK_STATE_SECRET: 'state-secret-123',
      SLACK_API_URL: slack.apiUrl,
      SLACK_AUTHORIZE_URL: `${slack.url}/oauth/v2/authorize`,
      PORT: '0',
      HOST: '127.0.0.1',
    }),
    experimentIds: ['slack-install'],
    pollMs: 50,
    logger: createLogger('warn', (line) => logs.push(line) > 0),
    clientOptions: { retryConfig: { retries: 0 } },
  });
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await slack?.close();
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('OAuth installs', () => {
  it('stores each workspace installation in the database and acts there with its token', async () => {
    const base = `http://127.0.0.1:${app.port}`;
    const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(slack.url);
    expect(authorize.searchParams.get('scope')).toContain('chat:write');
    const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
    const state = authorize.searchParams.get('state')!;

    // Without the state cookie (someone else's link): refused, nothing stored.
    const forged = await fetch(
      `${base}/slack/oauth_redirect?code=${slack.oauthCode(teams[1]!, 'UEVE')}&state=${state}`,
    );
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(await db.chat.installation('T0000002')).toBeNull();

    const done = await fetch(
      `${base}/slack/oauth_redirect?code=${slack.oauthCode(teams[1]!, 'UINSTALL')}&state=${state}`,
      {
        headers: { cookie },
      },
    );
    expect(done.status).toBe(200);
    const stored = (await db.chat.installation('T0000002')) as {
      bot?: { token?: string };
      team?: { id: string };
    };
    expect(stored.team?.id).toBe('T0000002');
    expect(stored.bot?.token).toBe('xoxb-fake-team-2');

    // A person in that workspace: the consent modal opens with that workspace's token.
    const driver = new SlackDriver(slack, httpTransport(`${base}/slack/events`, SECRET));
    const person = { id: 'UTEAM2001', team: 'T0000002' };
    const join = await driver.command(person, 'join');
    expect(join.status).toBe(200);
    const opened = await waitFor('views.open', () => slack.calls('views.open').find((c) => c.error === null));
    expect(opened.team).toBe('T0000002');
    // A workspace that never installed the app gets no answer from it, and nothing is recorded.
    const stranger = await driver.command({ id: 'UTEAM3001', team: 'T0000003' }, 'join');
    expect(stranger.status).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.calls().filter((c) => c.team === 'T0000003')).toEqual([]);
    expect(await db.participants.byIdentity('slack-install', 'slack:T0000003/UTEAM3001')).toBeNull();
    expect(logs.join('')).not.toMatch(/xoxb-fake-team-2/);
    expect(logs.join('')).not.toMatch(/\n\s+at /);
  });
});
