// OAuth installs to several workspaces (HTTP mode): "Add to Slack" through the fake's consent page
// and back, the installation stored in the project's database (not Bolt's file store), and the
// app then acting in that workspace with that workspace's token. A callback without the state
// cookie (a forged install) stores nothing.
import fs from 'node:fs';
import { type Database, openDatabase } from '@oversight/db';
import { type FakeSlack, httpTransport, SlackDriver, startFakeSlack } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSlackApp, startSlackApp } from '../src/app.ts';
import { databaseInstallationStore } from '../src/clients.ts';
import { EnvError, readEnv } from '../src/env.ts';
import { InstallationKey, isSealed } from '../src/installation-key.ts';
import { createLogger } from '../src/log.ts';
import { planInto, SECRET, slackPeople, tempDir, waitFor } from './harness.ts';

const teams = [1, 2].map((n) => ({
  id: `T000000${n}`,
  name: `Lab ${n}`,
  botToken: `xoxb-fake-team-${n}`,
  botUserId: `UBOT0000${n}`,
  botId: `B000000${n}`,
}));
const KEY = 'test-installation-key-0123456789abcdef';
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
      SLACK_INSTALLATION_KEY: KEY,
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
    // Sealed in the database: the token is nowhere in the row, and it opens with the key.
    const row = await db.chat.installation('T0000002');
    expect(isSealed(row)).toBe(true);
    expect(JSON.stringify(row)).not.toMatch(/xoxb-|fake-team-2|UINSTALL/);
    const stored = (await databaseInstallationStore(db, new InstallationKey(KEY)).fetchInstallation({
      teamId: 'T0000002',
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    })) as { bot?: { token?: string }; team?: { id: string } };
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

describe('the installation key', () => {
  const query = { teamId: 'T0000009', enterpriseId: undefined, isEnterpriseInstall: false };
  const installation = { team: { id: 'T0000009' }, bot: { token: 'xoxb-secret-nine' } };

  it('a changed key is named as such, and the stored row is left as it was', async () => {
    await databaseInstallationStore(db, new InstallationKey(KEY)).storeInstallation(installation as never);
    const before = JSON.stringify(await db.chat.installation('T0000009'));
    const other = databaseInstallationStore(
      db,
      new InstallationKey('another-key-of-enough-length-0123456789'),
    );
    await expect(other.fetchInstallation(query)).rejects.toThrow(
      /stored under another SLACK_INSTALLATION_KEY \(key id [0-9a-f]{12}; this one is [0-9a-f]{12}\)\. Set SLACK_INSTALLATION_KEY back/,
    );
    expect(JSON.stringify(await db.chat.installation('T0000009'))).toBe(before);
  });

  it('a sealed row moved to another workspace does not open', async () => {
    const sealed = await db.chat.installation('T0000009');
    await db.chat.saveInstallation('T0000010', sealed);
    await expect(
      databaseInstallationStore(db, new InstallationKey(KEY)).fetchInstallation({
        ...query,
        teamId: 'T0000010',
      }),
    ).rejects.toThrow(/does not open with SLACK_INSTALLATION_KEY/);
  });

  it('a row an earlier version stored in the clear is sealed when first read', async () => {
    await db.chat.saveInstallation('T0000011', { team: { id: 'T0000011' }, bot: { token: 'xoxb-old' } });
    const sealedOld: string[] = [];
    const store = databaseInstallationStore(db, new InstallationKey(KEY), (id) => sealedOld.push(id));
    const found = (await store.fetchInstallation({ ...query, teamId: 'T0000011' })) as {
      bot: { token: string };
    };
    expect(found.bot.token).toBe('xoxb-old');
    expect(sealedOld).toEqual(['T0000011']);
    expect(JSON.stringify(await db.chat.installation('T0000011'))).not.toMatch(/xoxb-old/);
  });

  it('OAuth installs without a key (or with a short one) do not start, saying how to make one', () => {
    const oauth = {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_CLIENT_ID: 'id',
      SLACK_CLIENT_SECRET: 'secret',
      SLACK_STATE_SECRET: 'state-secret-123',
    };
    expect(() => readEnv(oauth)).toThrow(EnvError);
    expect(() => readEnv(oauth)).toThrow(
      /SLACK_INSTALLATION_KEY, which seals .* is not set; make one with {2}openssl rand -base64 32/,
    );
    expect(() => readEnv({ ...oauth, SLACK_INSTALLATION_KEY: 'short' })).toThrow(
      /is too short \(5 characters; at least 32\)/,
    );
    // One workspace's token comes from the environment: no key needed.
    expect(readEnv({ SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-1' }).mode).toBe('http');
  });
});
