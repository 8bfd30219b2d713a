// Acknowledgement latency under load, through the fake Discord and the real discord.js client: 500
// people each join, open a trial (500 live trials, each in its own private thread) and judge a 3-round
// debate to a verdict against simulated debaters, with a "show" click and a click on an outdated
// screen each: 5,000 interactions, 50 people acting at once. The bot runs as deployed (`src/main.ts`,
// `serve` inside) in its own process; this one is Discord and the people. Latency is the fake's: from
// sending INTERACTION_CREATE to receiving the callback. Click to answer: from the person's action (the
// interaction created) to what answers it arriving at the fake: the callback itself when it carries the
// answer (a message, an update, a modal), else the edit of the original response after the deferral
// (PATCH .../messages/@original), the first one Discord accepted. Both under Discord's rate limits as the
// fake models them. On the embedded database and a PostgreSQL server.
//   pnpm --filter @oversight/discord-bot bench     (BENCH_DISCORD_TRIALS, BENCH_DISCORD_AT_ONCE, BENCH_DISCORD_DB=embedded|postgres)
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Question } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { startPostgres } from '@oversight/db/testing/pg-server';
import { benchQuestions, type FakeDiscord, spawnChild, startFakeDiscord } from '@oversight/testkit';
import { Person, person, planInto, tempDir, until } from '../test/harness.ts';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const TRIALS = Number(process.env.BENCH_DISCORD_TRIALS ?? 500);
const AT_ONCE = Number(process.env.BENCH_DISCORD_AT_ONCE ?? 50);
const BACKENDS = (process.env.BENCH_DISCORD_DB ?? 'embedded,postgres').split(',');
/** Study channels the trial threads are spread over (chat.discordChannels); Discord starts about one thread a second in each. */
const CHANNELS = Number(process.env.BENCH_DISCORD_CHANNELS ?? 10);
/** Per person: join, next, 3 × (select + continue/verdict), a show and a stale click = 10. */
const PER_PERSON = 10;

/** How long a person waits for an answer before giving up (counted as failed). */
const WAIT = 120_000;

const questions: Question[] = benchQuestions(TRIALS / 4);

async function judgeOneTrial(p: Person): Promise<void> {
  await (await p.run('join')).reply(WAIT);
  // Each trial gets a private thread in one of the study channels, and Discord creates threads in a
  // channel at about one a second (the fake's bucket, 5 per 5 s): the bot keeps spares in each, and when
  // they run out a person waits for the next. That wait is part of click to answer, not a failure.
  const opened = await (await p.run('next')).reply(15 * 60_000);
  const [thread] = p.threads();
  if (!thread) throw new Error(`no thread: next answered "${opened.content.slice(0, 120)}"`);
  let turn = await p.waitTurn(thread!, /after round 1/);
  const first = turn;
  for (const [round, pct] of [
    [1, '60'],
    [2, '70'],
  ] as const) {
    const choice = await (await p.select(turn, pct)).reply(WAIT);
    await (await p.click(choice, 'Continue')).reply(WAIT);
    // A look at the trial as it stands.
    if (round === 1) await (await p.click(turn, 'Show the trial')).reply(WAIT);
    turn = await p.waitTurn(thread!, round === 1 ? /after round 2/ : /Your verdict/, turn);
  }
  const final = await (await p.select(turn, '80')).reply(WAIT);
  await (await p.click(final, 'Submit verdict')).reply(WAIT);
  // A click on a screen answered long ago: refused as out of date, nothing recorded.
  await (await p.select(first, '55')).reply(WAIT);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function run(backend: string): Promise<void> {
  const dir = tempDir(`bench-${backend}`);
  const pg = backend === 'postgres' ? await startPostgres() : null;
  const databaseUrl = pg ? await pg.createDatabase('discord_bench') : null;
  const open = () => (databaseUrl ? openDatabase({ databaseUrl }) : openDatabase({ dataDir: dir }));
  let db: Database = await open();
  const fake: FakeDiscord = await startFakeDiscord();
  const channels = Array.from({ length: CHANNELS }, (_, i) => fake.addChannel(`trials-${i + 1}`));
  const name = 'discord-bench';
  await planInto(
    db,
    {
      name,
      judges: [{ name: 'people', count: TRIALS, participant: person }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 3, trialsPerQuestion: 4 }],
      chat: { discordChannels: channels },
    },
    'http://127.0.0.1:9/unused',
    questions,
  );
  await db.close();
  const bot: ChildProcess = spawnChild(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: app,
    env: {
      PATH: process.env.PATH,
      DISCORD_TOKEN: fake.token,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_GUILD_ID: fake.guildId,
      DISCORD_API_URL: fake.api,
      OVERSIGHT_EXPERIMENTS: name,
      ...(pg ? { DATABASE_URL: databaseUrl! } : { OVERSIGHT_DATA_DIR: dir }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await until(() => fake.gateway.ready, 'the bot to connect', 60_000);
  const people = Array.from(
    { length: TRIALS },
    (_, i) => new Person(fake, `5${String(i).padStart(17, '0')}`, {}),
  );
  const load = os.loadavg()[0]!;
  const started = performance.now();
  let next = 0;
  let failures = 0;
  const worker = async () => {
    for (let i = next++; i < people.length; i = next++)
      await judgeOneTrial(people[i]!).catch((error) => {
        failures += 1;
        if (failures <= 3) console.error(`  person ${i}: ${(error as Error).message}`);
      });
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
  const seconds = (performance.now() - started) / 1000;
  const all = [...fake.interactions.all.values()];
  const acked = all
    .filter((i) => i.ack)
    .map((i) => i.ack!.ms)
    .sort((a, b) => a - b);
  if (process.env.BENCH_DISCORD_SLOWEST)
    for (const i of [...all].sort((a, b) => (b.ack?.ms ?? 1e9) - (a.ack?.ms ?? 1e9)).slice(0, 12))
      console.log(
        '   slow',
        Math.round(i.ack?.ms ?? -1),
        i.ack?.type,
        JSON.stringify(i.payload.data).slice(0, 90),
      );
  // The same, leaving out the first burst (everyone joining at once into a process just started).
  const warm = all
    .slice(AT_ONCE * 2)
    .filter((i) => i.ack)
    .map((i) => i.ack!.ms)
    .sort((a, b) => a - b);
  const deferred = all.filter((i) => i.ack && (i.ack.type === 5 || i.ack.type === 6)).length;
  // The first accepted edit of each interaction's original response (its answer after a deferral).
  const edited = new Map<string, number>();
  if (process.env.BENCH_DISCORD_PATHS)
    console.log([
      ...new Set(fake.calls.map((c) => `${c.method} ${c.path.replace(/\d{6,}|aW5[\w.-]+/g, ':id')}`)),
    ]);
  for (const c of fake.calls) {
    const m = /^\/api\/v10\/webhooks\/[^/]+\/([^/]+)\/messages\/(?:@|%40)original$/.exec(c.path);
    if (m && c.method === 'PATCH' && c.status < 300 && !edited.has(m[1]!)) edited.set(m[1]!, c.at);
  }
  let unanswered = 0;
  const answers: number[] = [];
  const answersWarm: number[] = [];
  /** By what was done: a slash command by its subcommand, else a click, a choice or a form. */
  const byKind = new Map<string, number[]>();
  const kindOf = (i: (typeof all)[number]) => {
    const data = i.payload.data as { options?: Array<{ name: string }>; component_type?: number };
    if (i.type === 2) return `/oversight ${data.options?.[0]?.name ?? ''}`;
    if (i.type === 5) return 'modal submission';
    return data.component_type === 3 ? 'select' : 'button';
  };
  all.forEach((i, n) => {
    if (!i.ack) return;
    const at =
      i.ack.type === 5 || i.ack.type === 6
        ? edited.has(i.token)
          ? edited.get(i.token)! - i.createdAt
          : null
        : i.ack.ms;
    if (at === null) unanswered += 1;
    else {
      answers.push(at);
      const kind = byKind.get(kindOf(i)) ?? [];
      kind.push(at);
      byKind.set(kindOf(i), kind);
      if (n >= AT_ONCE * 2) answersWarm.push(at);
    }
  });
  answers.sort((a, b) => a - b);
  answersWarm.sort((a, b) => a - b);
  const exited = new Promise((resolve) => bot.once('exit', resolve));
  bot.kill('SIGTERM');
  await exited;
  db = await open();
  const finished = (await db.trials.countByStatus(name)).finished ?? 0;
  console.log(
    `${backend.padEnd(9)} ${all.length} interactions (${all.length - acked.length} unacknowledged, ${deferred} deferred), ` +
      `${finished}/${TRIALS} trials to a verdict, ${failures} people failed, in ${seconds.toFixed(1)} s`,
  );
  console.log(
    `          ack latency p50 ${percentile(acked, 0.5).toFixed(1)} ms, p99 ${percentile(acked, 0.99).toFixed(1)} ms, ` +
      `max ${acked.at(-1)!.toFixed(1)} ms; ${(all.length / seconds).toFixed(0)} interactions/s; ` +
      `${fake.calls.length} REST calls to the fake (${fake.calls.filter((c) => c.status === 429).length} answered 429)`,
  );
  console.log(
    `          after the first ${AT_ONCE * 2} interactions: p50 ${percentile(warm, 0.5).toFixed(1)} ms, p99 ${percentile(warm, 0.99).toFixed(1)} ms, max ${warm.at(-1)!.toFixed(1)} ms`,
  );
  console.log(
    `          click to answer (deferral, then the edit carrying the answer): p50 ${percentile(answers, 0.5).toFixed(0)} ms, ` +
      `p99 ${percentile(answers, 0.99).toFixed(0)} ms, max ${answers.at(-1)!.toFixed(0)} ms (n=${answers.length}, ${unanswered} deferred and never answered); ` +
      `after the first ${AT_ONCE * 2}: p50 ${percentile(answersWarm, 0.5).toFixed(0)} ms, p99 ${percentile(answersWarm, 0.99).toFixed(0)} ms, max ${answersWarm.at(-1)!.toFixed(0)} ms`,
  );
  for (const [kind, values] of [...byKind].sort()) {
    values.sort((a, b) => a - b);
    console.log(
      `            ${kind.padEnd(20)} n=${String(values.length).padStart(5)}  p50 ${percentile(values, 0.5).toFixed(0)} ms, p99 ${percentile(values, 0.99).toFixed(0)} ms, max ${values.at(-1)!.toFixed(0)} ms`,
    );
  }
  console.log(
    `          load average (1 min) at the start ${load.toFixed(2)}, at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (${os.cpus().length} cores)`,
  );
  await db.close();
  await fake.close();
  await pg?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

console.log(
  `Discord bot: ${TRIALS} live trials, ${TRIALS * PER_PERSON} interactions, ${AT_ONCE} people acting at once, threads over ${CHANNELS} study channels (Node ${process.version})`,
);
for (const backend of BACKENDS) await run(backend);
