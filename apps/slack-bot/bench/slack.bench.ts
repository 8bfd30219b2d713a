// The Slack app under load, through the fake Slack on loopback: 500 people each join, ask for a trial
// (500 live trials waiting on them), open their Home tab, check their status, click someone else's
// button, open their judge modal, submit a verdict, submit it again, click the outdated button and
// look at the leaderboard: 5,000 signed HTTP requests into the real Bolt app, 32 in flight. Prints the
// acknowledgement latency (request sent to HTTP response: what Slack's 3-second limit is about) per
// kind and overall, and requests per second; then checks that every verdict is in the log once.
// The app runs as deployed (`pnpm slack`'s entry, its own process, `serve` inside it); this process
// plays Slack: the fake Web API and the people.
//   pnpm --filter @oversight/slack-bot bench             (embedded database)
//   pnpm --filter @oversight/slack-bot bench --postgres  (a PostgreSQL server on loopback)
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ExperimentConfigSchema, type Question, type TrialEvent } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { startPostgres } from '@oversight/db/testing/pg-server';
import { persistPlan, planExperiment } from '@oversight/runner';
import {
  benchQuestions,
  type Delivery,
  type FakeMessage,
  findElement,
  httpTransport,
  SlackDriver,
  type SlackPerson,
  spawnChild,
  startFakeSlack,
} from '@oversight/testkit';

const PEOPLE = Number(process.env.BENCH_SLACK_PEOPLE ?? 500);
const IN_FLIGHT = Number(process.env.BENCH_SLACK_IN_FLIGHT ?? 32);
const postgres = process.argv.includes('--postgres');
const SECRET = 'bench-signing-secret-0123';
const EXP = 'slack-bench';

const questions: Question[] = benchQuestions(PEOPLE / 5);

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function pool<T>(items: T[], run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const root = path.resolve(import.meta.dirname, '../../..');

async function startApp(
  port: number,
  env: Record<string, string>,
): Promise<ChildProcess & { out: () => string }> {
  const proc = spawnChild(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'apps/slack-bot/src/main.ts')],
    {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ) as ChildProcess & { out: () => string };
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c));
  proc.stderr!.on('data', (c: Buffer) => (out += c));
  proc.out = () => out;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`the app exited: ${out}`);
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return proc;
    if (i > 600) throw new Error(`the app did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oversight-slack-bench-'));
  const server = postgres ? await startPostgres({ fast: false }) : null;
  const db: Database = await openDatabase(
    server ? { databaseUrl: await server.createDatabase('slackbench') } : { dataDir: dir },
  );
  const slack = await startFakeSlack();
  const config = ExperimentConfigSchema.parse({
    name: EXP,
    seed: EXP,
    judges: [{ name: 'people', participant: { kind: 'human', platform: 'slack' } }],
    survey: [{ id: 'clear', question: 'How clear was it?' }],
    arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 5 }],
  });
  const plan = planExperiment(config, questions, `${EXP}-q`);
  await persistPlan(db, plan, `${EXP}-q`);
  const url = server ? await server.createDatabase('slackbenchapp') : null;
  if (url) {
    // The plan went into a scratch database above; the app gets its own, planned the same way.
    const appDb = await openDatabase({ databaseUrl: url });
    await persistPlan(appDb, plan, `${EXP}-q`);
    await appDb.close();
  }
  await db.close();
  const port = await freePort();
  const app = await startApp(port, {
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: slack.teams[0]!.botToken,
    SLACK_API_URL: slack.apiUrl,
    OVERSIGHT_EXPERIMENTS: EXP,
    ...(url ? { DATABASE_URL: url } : { OVERSIGHT_DATA_DIR: dir }),
  });
  const logs: string[] = [];
  const driver = new SlackDriver(slack, httpTransport(`http://127.0.0.1:${port}/slack/events`, SECRET));
  const people: SlackPerson[] = Array.from({ length: PEOPLE }, (_, i) => ({
    id: `U${String(i).padStart(8, '0')}`,
    team: slack.teams[0]!.id,
  }));
  const latencies = new Map<string, number[]>();
  const record = (kind: string, d: Delivery) => {
    if (d.status !== 200) throw new Error(`${kind}: HTTP ${d.status}`);
    const list = latencies.get(kind) ?? [];
    list.push(d.ms);
    latencies.set(kind, list);
  };
  const waitFor = async <T>(what: string, probe: () => T | undefined | null | false) => {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > deadline)
        throw new Error(
          `timed out: ${what} (${slack.responses().length} responses; views.open errors: ${slack
            .calls('views.open')
            .filter((c) => c.error)
            .map((c) => c.error)
            .join(', ')}; ${logs.slice(-3).join(' ')})`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const turnOf = (p: SlackPerson): FakeMessage | undefined =>
    slack.messages(slack.dm(p.id)).find((m) => JSON.stringify(m.blocks ?? []).includes('Submit verdict'));

  const started = performance.now();
  await pool(people, async (p) => record('command join', await driver.command(p, 'join')));
  // Commands are acknowledged before their work is done: the next phase waits for the answers.
  await waitFor('every join answered', () => slack.responses().length >= PEOPLE);
  console.log(`joined in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await pool(people, async (p) => record('command next', await driver.command(p, 'next')));
  await waitFor('every next answered', () => slack.responses().length >= 2 * PEOPLE);
  console.log(`asked for trials by ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // The turn messages of 500 trials are posted after the acknowledgements; the clicks need them.
  await waitFor('every turn message', () => people.every((p) => turnOf(p))).catch(async (error) => {
    const missing = people.filter((p) => !turnOf(p));
    console.log(missing.length, 'without a turn;', [
      ...new Set(slack.responses().map((r) => String(r.text).slice(0, 90))),
    ]);
    const m = missing[0]!;
    console.log(slack.messages(slack.dm(m.id)).map((x) => x.text.slice(0, 60)));
    console.log(await db.prisma.chatThread.findMany({ take: 3 }), await db.chat.behind('slack', {}));
    throw error;
  });
  console.log(`turn messages posted by ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const turns = new Map(people.map((p) => [p.id, structuredClone(turnOf(p)!)]));
  await pool(people, async (p) => {
    record('event app_home_opened', await driver.homeOpened(p));
    record('command status', await driver.command(p, 'status'));
    const other = people[(people.indexOf(p) + 1) % people.length]!;
    record('click foreign', await driver.clickMessage(p, turns.get(other.id)!, 'Submit verdict'));
    const seen = slack.views().length;
    record('click judge', await driver.clickMessage(p, turns.get(p.id)!, 'Submit verdict'));
    const id = findElement(turns.get(p.id)!.blocks ?? [], 'Submit verdict')!.element.action_id;
    const modal = await waitFor('the modal', () =>
      slack
        .views()
        .slice(seen)
        .find((v) => v.view.callback_id === id),
    );
    record('view_submission verdict', await driver.submit(p, modal, { 'credence-0': '70' }));
    record('view_submission repeat', await driver.submit(p, modal, { 'credence-0': '70' }));
    record('click stale', await driver.clickMessage(p, turns.get(p.id)!, 'Submit verdict'));
    record('command leaderboard', await driver.command(p, 'leaderboard'));
  });
  const seconds = (performance.now() - started) / 1000;

  const all = [...latencies.values()].flat().sort((a, b) => a - b);
  const line = (name: string, values: number[]) => {
    const s = [...values].sort((a, b) => a - b);
    return `${name.padEnd(26)} n=${String(s.length).padStart(5)}  p50 ${quantile(s, 0.5).toFixed(1).padStart(6)} ms  p99 ${quantile(s, 0.99).toFixed(1).padStart(6)} ms  max ${s.at(-1)!.toFixed(1).padStart(6)} ms`;
  };
  console.log(
    `Slack app bench: ${PEOPLE} people, ${people.filter((p) => turns.has(p.id)).length} live trials waiting on them, ${IN_FLIGHT} requests in flight, database: ${server ? 'PostgreSQL server' : 'embedded (PGlite)'}`,
  );
  for (const [kind, values] of latencies) console.log(line(kind, values));
  console.log(line('all requests', all));
  console.log(
    `${all.length} requests in ${seconds.toFixed(1)} s: ${(all.length / seconds).toFixed(0)} requests/s (acknowledged; the work after each ack included until the last request)`,
  );

  // Every verdict once; nothing recorded for foreign, repeated or stale clicks.
  await new Promise((r) => setTimeout(r, 500));
  const exited = new Promise((r) => app.once('exit', r));
  app.kill('SIGTERM');
  await exited;
  logs.push(
    ...app
      .out()
      .split('\n')
      .filter((l) => /warn|error/.test(l)),
  );
  const check = await openDatabase(url ? { databaseUrl: url } : { dataDir: dir });
  let verdicts = 0;
  for (const t of await check.trials.list(EXP)) {
    const events = (await check.events.load(t.id)).map((e) => e.payload as TrialEvent);
    const n = events.filter((e) => e.type === 'VerdictSubmitted').length;
    if (n > 1) throw new Error(`trial ${t.id} has ${n} verdicts`);
    verdicts += n;
  }
  console.log(
    `verdicts recorded: ${verdicts} of ${PEOPLE} (each once); Web API calls made: ${slack.calls().length}; warnings logged: ${logs.length}`,
  );
  await check.close();
  await slack.close();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  if (verdicts !== PEOPLE) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
