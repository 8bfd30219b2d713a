// The app as deployed (`pnpm slack`'s entry in its own process, HTTP mode, the embedded database)
// killed with SIGKILL and started again: a button in a message posted before the kill still works,
// an outdated one is refused, no event is lost or doubled, and a "your turn" DM that could not be
// delivered before the kill is delivered after it.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { openDatabase } from '@oversight/db';
import {
  type FakeOpenAIServer,
  type FakeSlack,
  httpTransport,
  SlackDriver,
  spawnChild,
  startFakeOpenAI,
  startFakeSlack,
} from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  alice,
  bob,
  clickForRefusal,
  eventsOf,
  llm,
  planInto,
  SECRET,
  slackPeople,
  tempDir,
  textOf,
  waitFor,
  withButton,
} from './harness.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const main = path.join(root, 'apps/slack-bot/src/main.ts');
const EXP = 'slack-restart';
let dir: string;
let slack: FakeSlack;
let openai: FakeOpenAIServer;
let port: number;
let child: (ChildProcess & { out: () => string }) | null = null;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function startApp(): Promise<ChildProcess & { out: () => string }> {
  const proc = spawnChild(process.execPath, ['--import', 'tsx', main], {
    cwd: root,
    env: {
      ...process.env,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: slack.teams[0]!.botToken,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      OVERSIGHT_DATA_DIR: dir,
      OVERSIGHT_EXPERIMENTS: EXP,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { out: () => string };
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => {
    out += c;
  });
  proc.stderr!.on('data', (c: Buffer) => {
    out += c;
  });
  proc.out = () => out;
  await waitFor(
    'the app to listen',
    async () => {
      if (proc.exitCode !== null) throw new Error(`the app exited: ${out}`);
      return fetch(`http://127.0.0.1:${port}/healthz`)
        .then((r) => r.ok)
        .catch(() => false);
    },
    30_000,
  );
  return proc;
}

async function kill(proc: ChildProcess, signal: NodeJS.Signals) {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  await exited;
}

beforeAll(async () => {
  dir = tempDir('restart');
  slack = await startFakeSlack({
    users: [alice, bob, admin].map((p) => ({ id: p.id, team: p.team, name: p.name! })),
  });
  openai = await startFakeOpenAI();
  port = await freePort();
  const db = await openDatabase({ dataDir: dir });
  await planInto(
    db,
    {
      name: EXP,
      judges: [slackPeople],
      chat: { admins: { slackUsers: [admin.id] } },
      arms: [
        {
          name: 'consultancy',
          protocol: 'consultancy',
          rounds: 2,
          trialsPerQuestion: 1,
          arguer: llm('consultant'),
        },
      ],
    },
    openai.url,
  );
  await db.close();
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) await kill(child, 'SIGKILL');
  await slack?.close();
  await openai?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL and restart', () => {
  it('keeps old buttons working, loses and doubles nothing, and delivers "your turn" at least once', async () => {
    const driver = new SlackDriver(slack, httpTransport(`http://127.0.0.1:${port}/slack/events`, SECRET));
    child = await startApp();
    await driver.command(alice, `join ${EXP}`);
    await driver.command(bob, `join ${EXP}`);
    await driver.command(alice, 'next');
    const dm = slack.dm(alice.id);
    const parent = await waitFor('the thread', () =>
      slack.messages(dm).find((m) => textOf(m).includes('Consultancy')),
    );
    const turn1 = structuredClone(
      await waitFor('turn 1', () => withButton(slack.thread(dm, parent.ts), 'Judge now')[0]),
    );
    const seen = new Set(slack.views().map((v) => v.id));
    await driver.clickMessage(alice, turn1, 'Judge now');
    // The modal opens at the click (a loading view) and is filled in once the turn is looked up.
    const modal = await waitFor('modal 1', () =>
      slack.views().find((v) => !seen.has(v.id) && String(v.view.callback_id).startsWith('ov1:numbers:')),
    );
    const first = await driver.submit(alice, modal, { 'credence-0': '60', next: 'continue' });
    expect(first.body).toBe('');
    const turn2 = await waitFor(
      'turn 2, posted before the kill',
      () => withButton(slack.thread(dm, parent.ts), 'Submit verdict')[0],
    );

    await kill(child, 'SIGKILL');
    child = await startApp();
    // The button of a message the killed process posted opens the modal and records the verdict.
    const seen2 = new Set(slack.views().map((v) => v.id));
    await driver.clickMessage(alice, turn2, 'Submit verdict');
    const modal2 = await waitFor('modal 2', () =>
      slack.views().find((v) => !seen2.has(v.id) && String(v.view.callback_id).startsWith('ov1:numbers:')),
    );
    expect((await driver.submit(alice, modal2, { 'credence-0': '65' })).body).toBe('');
    await waitFor('the outcome', () =>
      slack.thread(dm, parent.ts).find((m) => textOf(m).includes('The correct answer was')),
    );
    // The first turn's button, now outdated: refused.
    await clickForRefusal({ slack, driver }, alice, turn1, 'Judge now', /out of date|ended/);

    // A second trial; its seat handed to bob while bob cannot be reached: the notice stays pending.
    await driver.command(alice, 'next');
    const parent2 = await waitFor(
      'thread 2',
      () => slack.messages(dm).filter((m) => textOf(m).includes('Consultancy'))[1],
    );
    await waitFor('turn in trial 2', () => withButton(slack.thread(dm, parent2.ts), 'Judge now')[0]);
    slack.failNext('conversations.open', 'fatal_error', 10_000);
    const trialRef = await (async () => {
      const db = await openDatabase({ dataDir: dir });
      try {
        const trials = await db.trials.list(EXP);
        const active = trials.find((t) => t.status !== 'finished' && t.judgeId)!;
        return active.ref!;
      } finally {
        await db.close();
      }
    })();
    await driver.command(admin, `reassign ${trialRef} judge <@${bob.id}>`);
    await waitFor('a failed delivery', () =>
      slack.calls('conversations.open').some((c) => c.error === 'fatal_error'),
    );
    await kill(child, 'SIGKILL');
    slack.failNext('conversations.open', 'fatal_error', 0);
    child = await startApp();
    const bobDm = slack.dm(bob.id);
    const notice = await waitFor('bob told after the restart', () =>
      slack.messages(bobDm).find((m) => m.text.startsWith('A trial is waiting for you')),
    );
    expect(textOf(notice)).toMatch(/archives/);
    await kill(child, 'SIGTERM');
    expect(child.exitCode).toBe(0);
    expect(child.out()).not.toMatch(/\n\s+at /);

    // The log: one verdict, one belief per turn, each speech once; every notice delivered.
    const db = await openDatabase({ dataDir: dir });
    try {
      const trials = await db.trials.list(EXP);
      const done = trials.find((t) => t.status === 'finished')!;
      const events = await eventsOf(db, done.id);
      expect(events.filter((e) => e.type === 'VerdictSubmitted')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'BeliefReported').length).toBeLessThanOrEqual(2);
      const speeches = events.filter((e) => e.type === 'ArgumentSubmitted') as Array<{ round?: number }>;
      expect(new Set(speeches.map((s) => s.round)).size).toBe(speeches.length);
      expect(await db.outbox.pending({ experimentIds: [EXP] })).toEqual([]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
