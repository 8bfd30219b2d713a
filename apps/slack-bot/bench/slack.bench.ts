// The Slack app under load, through the fake Slack on loopback: 500 people each join, ask for a trial
// (500 live trials waiting on them), open their Home tab, check their status, click someone else's
// button, open their judge modal, submit a verdict, submit it again, click the outdated button and
// look at the leaderboard: 5,000 signed HTTP requests into the real Bolt app, 32 in flight. Prints the
// acknowledgement latency (request sent to HTTP response: what Slack's 3-second limit is about) per
// kind and overall, and requests per second; then checks that every verdict is in the log once.
// Click to answer, new: from sending a click or a submission to what answers it reaching the fake Slack
// (the views.open or views.update that fills the modal in, a chat.update or ephemeral note for that
// person; a submission's answer in its HTTP response counts at the acknowledgement), each person
// waiting for the answer before acting again; and the trigger's age at every views.open (Slack refuses
// a trigger older than 3 s). Slack's rate limits (per-method tiers, a message per second per channel)
// are the fake's defaults.
// People arrive at a steady rate (BENCH_SLACK_ARRIVALS_PER_MIN, default 30; 0 for all at once) and
// each waits for an answer before acting again.
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
/**
 * People arriving per minute (0: all at once, a burst). The default, 30 a minute (500 people over 17
 * minutes), is under what one workspace's floors allow for this visit: its three clicks on "Submit
 * verdict" (one's own, someone else's, an outdated one) each open a modal, so 3 views.open and 3
 * views.update per person against Tier 4's 100 a minute: 33 people a minute at most (the calls per
 * person are printed at the end).
 */
const ARRIVALS = Number(process.env.BENCH_SLACK_ARRIVALS_PER_MIN ?? 30);
const postgres = process.argv.includes('--postgres');
/**
 * Slack's tiers are floors ("50+ per minute"); the fake grants exactly the floor, per workspace. 1 (the
 * default) is the documented floor; a larger value multiplies every tier (not the one message per
 * second per channel), to tell the app's own latency from the waits the floors impose.
 */
const TIER_SCALE = Number(process.env.BENCH_SLACK_TIER_SCALE ?? 1);
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
  const slack = await startFakeSlack({ rateLimits: { tierScale: TIER_SCALE } });
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
  // Bolt answers 404 to a request its handlers did not acknowledge within 3 s (Slack would show the
  // person an error): counted, its latency kept in the figures, and that person goes no further.
  const late = new Map<string, number>();
  const record = (kind: string, d: Delivery) => {
    if (d.status !== 200) late.set(kind, (late.get(kind) ?? 0) + 1);
    const list = latencies.get(kind) ?? [];
    list.push(d.ms);
    latencies.set(kind, list);
    if (d.status !== 200) throw new Error(`${kind}: HTTP ${d.status}`);
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
  // Whose click a trigger came from: the driver takes one from the fake while building each payload,
  // synchronously, so the trigger taken last belongs to the request just built.
  const ownerOfTrigger = new Map<string, string>();
  let lastTrigger = '';
  const issue = slack.trigger.bind(slack);
  slack.trigger = () => {
    lastTrigger = issue();
    return lastTrigger;
  };
  // Whose a response URL is, the same way.
  const ownerOfResponse = new Map<string, string>();
  let lastResponse = '';
  const responseUrl = slack.responseUrl.bind(slack);
  slack.responseUrl = () => {
    lastResponse = responseUrl();
    return lastResponse;
  };
  const sent = (p: SlackPerson, send: () => Promise<Delivery>) => {
    lastTrigger = '';
    lastResponse = '';
    const delivery = send();
    if (lastTrigger) ownerOfTrigger.set(lastTrigger, p.id);
    if (lastResponse) ownerOfResponse.set(lastResponse, p.id);
    return delivery;
  };
  // What answers a person, read from the fake's log of Web API calls as they come in.
  const answered = new Map<string, number[]>();
  const triggerAges: number[] = [];
  let scanned = 0;
  let opened = 0;
  const viewOwner = new Map<string, string>();
  const view = (v: unknown) =>
    (typeof v === 'string' ? JSON.parse(v) : (v ?? {})) as { callback_id?: string };
  const scan = () => {
    const calls = slack.calls();
    for (; scanned < calls.length; scanned++) {
      const c = calls[scanned]!;
      if (c.method === 'views.open' && c.triggerAgeMs !== undefined) triggerAges.push(c.triggerAgeMs);
      if (c.status !== 200 || c.error) continue;
      let who: string | undefined;
      if (c.method === 'views.open' || c.method === 'views.update') {
        const loading = view(c.args.view).callback_id === 'ov-loading';
        // The fake cannot know whose a modal opened from a trigger is: the n-th views.open it accepted
        // made the n-th modal it holds, and that modal is the trigger's owner's.
        if (c.method === 'views.open') {
          who = ownerOfTrigger.get(String(c.args.trigger_id));
          const modal = slack.views().filter((v) => v.view.type !== 'home')[opened++];
          if (modal && who) viewOwner.set(modal.id, who);
        } else who = viewOwner.get(String(c.args.view_id));
        if (loading) continue;
      } else if (c.method === 'chat.postEphemeral') who = String(c.args.user);
      else if (c.method === 'response_url') who = ownerOfResponse.get(c.responseUrl ?? '');
      if (!who) continue;
      const list = answered.get(who) ?? [];
      list.push(c.at);
      answered.set(who, list);
    }
  };
  const scanner = setInterval(scan, 5);
  const clickToAnswer = new Map<string, number[]>();
  let unanswered = 0;
  /** Sends a click or a submission for `p` and waits (up to 20 s) for what answers it. */
  const act = async (kind: string, p: SlackPerson, send: () => Promise<Delivery>) => {
    const t0 = Date.now();
    const d = await sent(p, send);
    record(kind, d);
    const list = clickToAnswer.get(kind) ?? [];
    clickToAnswer.set(kind, list);
    const body = d.body as { response_action?: string } | null;
    // A submission's answer is its acknowledgement: the modal updates or closes.
    if (kind.startsWith('view_submission') || (body && typeof body === 'object' && body.response_action)) {
      list.push(d.ms);
      return;
    }
    for (
      const deadline = Date.now() + (process.env.BENCH_SLACK_DEBUG ? 3000 : 20_000);
      Date.now() < deadline;
    ) {
      scan();
      const times = answered.get(p.id) ?? [];
      const i = times.findIndex((t) => t >= t0);
      if (i >= 0) {
        list.push(times[i]! - t0);
        answered.set(p.id, times.slice(i + 1));
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    unanswered += 1;
    if (process.env.BENCH_SLACK_DEBUG)
      console.log(
        kind,
        p.id,
        ownerOfTrigger.size,
        JSON.stringify([...answered]),
        JSON.stringify(
          slack
            .calls()
            .filter((c) => c.at >= t0)
            .filter((c) => c.method.startsWith('views'))
            .map((c) => [
              c.method,
              c.status,
              c.error,
              c.args.view_id,
              c.args.view_id ? slack.view(String(c.args.view_id))?.user : null,
              typeof c.args.view,
            ]),
        ),
      );
  };
  const turnOf = (p: SlackPerson): FakeMessage | undefined =>
    slack.messages(slack.dm(p.id)).find((m) => JSON.stringify(m.blocks ?? []).includes('Submit verdict'));

  const load = os.loadavg()[0]!;
  const started = performance.now();
  // People arrive one every 60/ARRIVALS s (evenly: the same run every time) and each goes through the
  // whole visit at their own pace, waiting for each answer before acting again; a burst (ARRIVALS 0)
  // has them all there at once, IN_FLIGHT of them acting at a time.
  const gapMs = ARRIVALS > 0 ? 60_000 / ARRIVALS : 0;
  const turns = new Map<string, FakeMessage>();
  let failed = 0;
  let last: SlackPerson | null = null;
  const visit = async (p: SlackPerson) => {
    const wait = started + people.indexOf(p) * gapMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    try {
      await act('command join', p, () => driver.command(p, 'join'));
      // Its answer comes once the trial's thread is posted, turn message included.
      await act('command next', p, () => driver.command(p, 'next'));
      const turn = await waitFor(`${p.id}'s turn message`, () => turnOf(p));
      turns.set(p.id, structuredClone(turn));
      const other = last;
      last = p;
      await judge(p, other);
    } catch (error) {
      failed += 1;
      if (failed <= 3) console.log(`  ${p.id}: ${(error as Error).message.slice(0, 200)}`);
    }
  };
  if (ARRIVALS > 0) await Promise.all(people.map(visit));
  else await pool(people, visit);
  async function judge(p: SlackPerson, other: SlackPerson | null) {
    record('event app_home_opened', await driver.homeOpened(p));
    await act('command status', p, () => driver.command(p, 'status'));
    if (other)
      await act('click foreign', p, () => driver.clickMessage(p, turns.get(other.id)!, 'Submit verdict'));
    const seen = slack.views().length;
    await act('click judge', p, () => driver.clickMessage(p, turns.get(p.id)!, 'Submit verdict'));
    const id = findElement(turns.get(p.id)!.blocks ?? [], 'Submit verdict')!.element.action_id;
    const modal = await waitFor('the modal', () =>
      slack
        .views()
        .slice(seen)
        .find((v) => v.view.callback_id === id),
    );
    await act('view_submission verdict', p, () => driver.submit(p, modal, { 'credence-0': '70' }));
    await act('view_submission repeat', p, () => driver.submit(p, modal, { 'credence-0': '70' }));
    await act('click stale', p, () => driver.clickMessage(p, turns.get(p.id)!, 'Submit verdict'));
    await act('command leaderboard', p, () => driver.command(p, 'leaderboard'));
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(scanner);

  const all = [...latencies.values()].flat().sort((a, b) => a - b);
  const line = (name: string, values: number[]) => {
    const s = [...values].sort((a, b) => a - b);
    if (!s.length) return `${name.padEnd(26)} n=    0`;
    return `${name.padEnd(26)} n=${String(s.length).padStart(5)}  p50 ${quantile(s, 0.5).toFixed(1).padStart(6)} ms  p99 ${quantile(s, 0.99).toFixed(1).padStart(6)} ms  max ${s.at(-1)!.toFixed(1).padStart(6)} ms`;
  };
  console.log(
    `Slack app bench: ${PEOPLE} people in one workspace, ${people.filter((p) => turns.has(p.id)).length} live trials waiting on them, ${ARRIVALS > 0 ? `arriving ${ARRIVALS} a minute` : `all at once, ${IN_FLIGHT} acting at a time`}, database: ${server ? 'PostgreSQL server' : 'embedded (PGlite)'}`,
  );
  for (const [kind, values] of latencies) console.log(line(kind, values));
  console.log(line('all requests', all));
  console.log('click to answer (sent to the answer arriving at Slack):');
  for (const [kind, values] of clickToAnswer) console.log(line(kind, values));
  console.log(line('all clicks and submissions', [...clickToAnswer.values()].flat()));
  console.log(
    `${unanswered} clicks got no answer within 20 s; requests not acknowledged within 3 s: ${
      [...late].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'
    }; ${failed} people stopped by one`,
  );
  console.log(line('trigger age at views.open', triggerAges));
  console.log(
    `rate limits: tiers at ${TIER_SCALE} × Slack's documented floor per workspace; answered 429: ${
      [...(slack.rateLimiter?.limited ?? [])].map(([m, n]) => `${m} ${n}`).join(', ') || 'none'
    }`,
  );
  const perMethod = new Map<string, number>();
  for (const c of slack.calls()) perMethod.set(c.method, (perMethod.get(c.method) ?? 0) + 1);
  console.log(
    `Web API calls per person: ${[...perMethod]
      .sort((a, b) => b[1] - a[1])
      .map(([m, n]) => `${m} ${(n / PEOPLE).toFixed(2)}`)
      .join(', ')}`,
  );
  console.log(
    `load average (1 min) at the start ${load.toFixed(2)}, at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (${os.cpus().length} cores)`,
  );
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
