// The bot as it is deployed (`pnpm discord`: a process with `serve` inside), killed with SIGKILL in
// the middle of a trial and started again: old buttons still work, the archived thread is reopened,
// the trial goes on, no event is lost or doubled and the "your turn" DM arrives.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrialEvent } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import {
  type FakeDiscord,
  type FakeOpenAIServer,
  messageText,
  spawnChild,
  startFakeDiscord,
  startFakeOpenAI,
} from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llm, Person, person, planInto, tempDir, until } from './harness.ts';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const experiment = {
  name: 'discord-restart',
  judges: [{ name: 'people', participant: person }],
  arms: [{ name: 'debate', protocol: 'debate', rounds: 3, trialsPerQuestion: 1, arguer: llm('arguer') }],
};

let fake: FakeDiscord;
let openai: FakeOpenAIServer;
let dir: string;
const children: ChildProcess[] = [];

function startBot(): ChildProcess & { output: () => string } {
  const child = spawnChild(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: app,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DISCORD_TOKEN: fake.token,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_GUILD_ID: fake.guildId,
      DISCORD_API_URL: fake.api,
      OVERSIGHT_DATA_DIR: dir,
      OVERSIGHT_EXPERIMENTS: experiment.name,
      OVERSIGHT_LEASE_SECONDS: '1',
      OVERSIGHT_ACTIVE_MINUTES: '0',
      OPENAI_API_KEY: 'sk-local-fake',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: () => string };
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c;
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c;
  });
  child.output = () => out;
  children.push(child);
  return child;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

/** Waits until the bot's gateway session is up (a fresh IDENTIFY after `after`). */
async function connected(after: number): Promise<void> {
  await until(
    () => fake.gateway.identifies.some((i) => i.at > after) && fake.gateway.ready,
    'the bot to connect',
    60_000,
  );
}

beforeAll(async () => {
  fake = await startFakeDiscord();
  openai = await startFakeOpenAI({ latencyMs: 20 });
  dir = tempDir('restart');
  const db = await openDatabase({ dataDir: dir });
  await planInto(db, experiment, openai.url);
  await db.close();
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await fake?.close();
  await openai?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// Two kills, two restarts of the bot's process and a whole trial: more than the package's 90 s when the
// machine is busy.
describe('the bot killed with SIGKILL mid-trial', { timeout: 240_000 }, () => {
  it('carries on after a restart: old buttons work, the thread reopens, nothing is lost or doubled', async () => {
    const alice = new Person(fake, '400000000000000001', { name: 'alice' });
    let started = Date.now();
    let bot = startBot();
    await connected(started);
    await (await alice.run('join')).reply();
    // The judge's seat opens once `serve` has had the debaters speak: ask again until it has, as a person would.
    await until(
      async () => {
        await (await alice.run('next')).reply(20_000);
        if (alice.threads().length === 0) await new Promise((resolve) => setTimeout(resolve, 300));
        return alice.threads().length > 0;
      },
      'a trial for alice',
      60_000,
    );
    const [thread] = alice.threads();
    const turn1 = await alice.waitTurn(thread!, /after round 1 of 3/);
    const choice = await (await alice.select(turn1, '70')).reply();
    const cont = await alice.click(choice, 'Continue');
    expect(await cont.text()).toMatch(/Recorded/);

    // Killed while `serve` in it drives the debaters' round 2; meanwhile Discord archives the thread.
    expect(await kill(bot)).toBeNull();
    fake.archive(thread!.id);
    started = Date.now();
    bot = startBot();
    await connected(started);

    // Round 2 is posted in the reopened thread, and the "your turn" DM arrives.
    const turn2 = await alice.waitTurn(thread!, /after round 2 of 3/, turn1);
    expect(thread!.thread_metadata!.archived).toBe(false);
    expect(fake.calls.some((c) => c.method === 'PATCH' && c.path.endsWith(`/channels/${thread!.id}`))).toBe(
      true,
    );
    const dm = await until(
      () => fake.dms(alice.id).find((m) => m.content.includes('after round 2 of 3')),
      'the DM',
    );
    expect(dm.content).toMatch(/Your turn after round 2 of 3/);

    // Buttons posted by the killed process still work: the old screen's "Show" answers with the current one.
    const shown = await alice.click(turn1, 'Show the trial');
    expect(await shown.text()).toBe('Here is the trial as it stands.');
    // The interaction recorded before the kill, delivered again to the new process: no second event.
    await fake.redeliver(cont, 800);

    // The verdict, killed again right after it is recorded: the outcome is posted after the restart.
    const turn3 = await (async () => {
      const c = await (await alice.select(turn2, '65')).reply();
      await alice.click(c, 'Continue');
      return alice.waitTurn(thread!, /Your verdict/, turn2);
    })();
    const final = await (await alice.select(turn3, '80')).reply();
    const verdict = await alice.click(final, 'Submit verdict');
    expect(await verdict.text()).toContain('Verdict recorded');
    await kill(bot);
    started = Date.now();
    bot = startBot();
    await connected(started);
    await until(
      () => alice.messages(thread!).find((m) => messageText(m).includes('The verdict is in')),
      'the outcome',
      30_000,
    );
    expect(await kill(bot, 'SIGTERM')).toBe(0);

    const db = await openDatabase({ dataDir: dir });
    try {
      const [trial] = (await db.trials.list(experiment.name)).filter((t) => t.judgeId);
      const events = await db.events.load(trial!.id);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      const types = events.map((e) => (e.payload as TrialEvent).type);
      expect(types.filter((t) => t === 'ArgumentSubmitted')).toHaveLength(6);
      expect(types.filter((t) => t === 'BeliefReported')).toHaveLength(2);
      expect(types.filter((t) => t === 'VerdictSubmitted')).toHaveLength(1);
      const notices = await db.prisma.notification.findMany({
        where: { trialId: trial!.id, kind: 'your-turn' },
      });
      expect(notices.length).toBeGreaterThanOrEqual(3);
      expect(notices.every((n) => n.deliveredAt !== null)).toBe(true);
    } finally {
      await db.close();
    }
    // Each turn was posted once in the thread (nonces made any repeat a no-op).
    const prompts = alice.messages(thread!).filter((m) => m.content.startsWith(`<@${alice.id}>`));
    expect(prompts.map((m) => /\*\*(.+)\*\*/.exec(m.content)![1])).toEqual([
      'Your turn after round 1 of 3',
      'Your turn after round 2 of 3',
      'Your verdict',
    ]);
    const acks = [...fake.interactions.all.values()].filter((i) => i.ack).map((i) => i.ack!.ms);
    expect(Math.max(...acks)).toBeLessThan(3000);
  });
});
