// `pnpm --filter @oversight/web bench`: simulated participants over HTTP against the web app, each
// opening the study link, consenting and judging K trials at a compressed human pace. Prints request
// latency p50/p99/max, verdicts per second, where the CPU went, and a blinding check of every response.
// The embedded database by default; BENCH_POSTGRES=1 starts a throwaway durable PostgreSQL server;
// DATABASE_URL=postgresql://… uses yours.
//   BENCH_PEOPLE (default 200), BENCH_TRIALS (verdicts per person, default 2), BENCH_THINK_MS (pause
//   between a person's steps, default 100), BENCH_RAMP_MS (people arrive evenly over this; default 0:
//   all at once), BENCH_PROCESSES (web processes on one database, default 1; people are spread over
//   them as a load balancer would), BENCH_POOL (connections per web process, default 16),
//   BENCH_PROFILE (a folder: CPU profiles of the web processes).
// Judge-alone trials (no model turns), so what is measured is the web app and the database under
// people. The client runs in this process, each web process in a child of its own.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ExperimentConfigSchema } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { startPostgres } from '@oversight/db/testing/pg-server';
import { persistPlan, planExperiment } from '@oversight/runner';
import { StudyKeys } from '../src/keys.ts';
import { startWebApp } from '../src/server.ts';
import { formsOf } from '../test/harness.ts';
import { type RouteTrace, traceStatements } from './trace.ts';

const EXP = 'web-load';
const SECRET = 'a benchmark secret of at least 16 bytes';
const POOL = Number(process.env.BENCH_POOL ?? 16);

// A web process: open the database, serve, say where, and on "stop" report the CPU it used.
if (process.env.BENCH_WEB_CHILD) {
  const target = process.env.BENCH_WEB_CHILD;
  const db = await openDatabase(
    target.startsWith('postgres') ? { databaseUrl: target, poolSize: POOL } : { dataDir: target },
  );
  const app = await startWebApp({
    db,
    keys: new StudyKeys(Buffer.from(SECRET)),
    experimentIds: [EXP],
    idleMs: 0,
    log: (line) => process.stderr.write(`web ${process.pid}: ${line}\n`),
  });
  // The time each request spends in this process, from its arrival to its last byte written, and how
  // late this process's event loop ran: what the client measures beside the network and itself.
  const served: number[] = [];
  app.server.on('request', (_req, res) => {
    const started = performance.now();
    res.on('finish', () => served.push(performance.now() - started));
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const traced = process.env.BENCH_TRACE ? traceStatements(app.server) : null;
  // CPU from the measured run's start (starting the process and warming it up are left out).
  let cpuFrom = process.cpuUsage();
  process.send!({ url: app.url });
  process.on('message', async (message) => {
    if (message === 'reset') {
      cpuFrom = process.cpuUsage();
      served.length = 0;
      loop.reset();
      traced?.clear();
      process.send!('reset');
      return;
    }
    loop.disable();
    await app.stop();
    await db.close();
    const cpu = process.cpuUsage(cpuFrom);
    process.send!(
      {
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        served,
        loopP99: loop.percentile(99) / 1e6,
        loopMax: loop.max / 1e6,
        routes: traced?.read() ?? [],
      },
      () => process.exit(0),
    );
  });
} else {
  await main();
}

async function main() {
  const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 200);
  const TRIALS = Number(process.env.BENCH_TRIALS ?? 2);
  const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 100);
  const RAMP_MS = Number(process.env.BENCH_RAMP_MS ?? 0);
  const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 1);

  // People per web process who go through the study before the clock starts, unmeasured: a cold
  // process compiles its modules and warms its JIT on its first requests, stalling them for seconds.
  const WARM = 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oversight-web-bench-'));
  const server = process.env.BENCH_POSTGRES
    ? await startPostgres({ fast: false, settings: { max_connections: String(20 + PROCESSES * POOL) } })
    : null;
  const databaseUrl = server ? await server.createDatabase('web_bench') : process.env.DATABASE_URL;
  if (!databaseUrl && PROCESSES > 1)
    throw new Error(
      'BENCH_PROCESSES > 1 needs PostgreSQL (BENCH_POSTGRES=1 or DATABASE_URL): the embedded database is one process',
    );
  // Twice the judge seats that everyone needs, each person judging TRIALS stories once each, with at
  // most 1,000 trials per story (the config's limit): more stories for more people.
  const everyone = PEOPLE + WARM * PROCESSES;
  const stories = TRIALS * 2 * Math.ceil(everyone / 1000);
  const perStory = Math.ceil((everyone * TRIALS) / stories) * 2;
  const questions = Array.from({ length: stories }, (_, i) => ({
    id: `q${i}`,
    storyId: `s${i}`,
    storyTitle: `Tale ${i}`,
    question: `What happened first in tale ${i}?`,
    answers: ['the reef was mapped', 'the beacon was repaired'],
    correctIndex: i % 2,
    source: `The pilot of tale ${i} mapped the reef before the tide turned.`,
    metadata: {},
  }));
  const config = ExperimentConfigSchema.parse({
    name: EXP,
    seed: 'bench',
    judges: [{ name: 'people', participant: { kind: 'human', platform: 'web' } }],
    arms: [
      {
        name: 'alone',
        protocol: 'judge-alone',
        trialsPerQuestion: perStory,
      },
    ],
    eachStoryOnce: 'per-experiment',
  });
  {
    const db = await openDatabase(databaseUrl ? { databaseUrl, poolSize: 4 } : { dataDir: dir });
    const planStart = Date.now();
    await persistPlan(db, planExperiment(config, questions, 'bench-questions'), 'bench-questions');
    process.stderr.write(`planned ${stories * perStory} trials in ${Date.now() - planStart} ms\n`);
    // The embedded database's folder is one process's at a time: the web process opens it next.
    await db.close();
  }
  const keys = new StudyKeys(Buffer.from(SECRET));

  const children = await Promise.all(
    Array.from({ length: PROCESSES }, async () => {
      const child = fork(new URL(import.meta.url).pathname, [], {
        env: { ...process.env, BENCH_WEB_CHILD: databaseUrl ?? dir },
        // BENCH_PROFILE=<folder>: a CPU profile of each web process there (node --cpu-prof).
        execArgv: [
          ...process.execArgv,
          ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
        ],
      });
      const url = await new Promise<string>((resolve, reject) => {
        child.once('message', (m) => resolve((m as { url: string }).url));
        child.once('exit', (code) => reject(new Error(`a web process exited (${code}) before serving`)));
      });
      return { child, url };
    }),
  );

  const latencies: number[] = [];
  const byRoute = new Map<string, number[]>();
  let verdicts = 0;
  let failures = 0;
  let reconnects = 0;
  /** Blinding: what a person's browser received that names a trial or says which answer is right. */
  const leaks: string[] = [];
  /** Per trial page first shown: whether the correct answer was listed first. */
  const correctFirst: boolean[] = [];
  const trialIdPattern = new RegExp(`${EXP}\\.alone\\.q\\d+\\.\\d+`);
  // What reveals the answer (the reveal after the verdict says these, by design).
  const revealing = /\bcorrect\b|\bwrong answer\b|\bhonest\b|\bincorrect\b/i;

  let recording = false;
  async function request(
    who: { base: string; cookie: string; judged: boolean },
    method: string,
    url: string,
    form?: Record<string, string>,
  ): Promise<{ status: number; body: string }> {
    const started = performance.now();
    const send = () =>
      fetch(new URL(url, who.base), {
        method,
        redirect: 'manual',
        headers: {
          ...(who.cookie ? { cookie: who.cookie } : {}),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      });
    // A kept-alive connection the server closed as the request went out (its idle timeout) is tried
    // again on a new one, as a browser does; counted.
    const res = await send().catch((error: Error & { cause?: { code?: string } }) => {
      if (error.cause?.code !== 'UND_ERR_SOCKET' && error.cause?.code !== 'ECONNRESET') throw error;
      reconnects += 1;
      return send();
    });
    const body = await res.text();
    const took = performance.now() - started;
    if (!recording) {
      const set = res.headers.getSetCookie()[0];
      if (set) who.cookie = set.split(';')[0]!;
      const location = res.headers.get('location');
      if (res.status === 303 && location) return request(who, 'GET', location);
      return { status: res.status, body };
    }
    latencies.push(took);
    const route = `${method} ${new URL(url, who.base).pathname.replace(/\/t\/[^/]+$/, '/t/<ref>').replace(/^\/s\/[^/]+/, '')}`;
    const list = byRoute.get(route) ?? [];
    list.push(took);
    byRoute.set(route, list);
    const location = res.headers.get('location');
    // Everything the browser gets: body, redirect, cookie.
    const received = `${body}\n${location ?? ''}\n${res.headers.getSetCookie().join('\n')}`;
    if (trialIdPattern.test(received)) leaks.push(`${route}: a trial id`);
    // Before this trial's verdict is recorded nothing may say which answer is right.
    const verdictPage = body.includes('Verdict recorded');
    if (!who.judged && !verdictPage && revealing.test(received))
      leaks.push(`${route}: "${revealing.exec(received)![0]}" before the verdict`);
    const set = res.headers.getSetCookie()[0];
    if (set) who.cookie = set.split(';')[0]!;
    if (res.status >= 500) failures += 1;
    if (res.status === 303 && location) return request(who, 'GET', location);
    return { status: res.status, body };
  }

  const think = () =>
    recording ? new Promise((r) => setTimeout(r, THINK_MS * (0.5 + Math.random()))) : Promise.resolve();

  async function person(i: number) {
    if (RAMP_MS > 0 && recording) await new Promise((r) => setTimeout(r, (RAMP_MS * i) / PEOPLE));
    const who = { base: children[i % PROCESSES]!.url, cookie: '', judged: false };
    const link = `/s/${EXP}?k=${keys.studyKey(EXP)}&PROLIFIC_PID=bench${String(i).padStart(6, '0')}&STUDY_ID=s&SESSION_ID=x`;
    await request(who, 'GET', link);
    await think();
    let page = await request(who, 'POST', `/s/${EXP}/consent`, { choice: 'accept' });
    for (let t = 0; t < TRIALS; t++) {
      who.judged = false;
      const choose = formsOf(page.body).find((f) => f.buttons.some((b) => b.label === 'Choose'));
      if (!choose) throw new Error(`person ${i}: no trial to judge (${page.status})`);
      // Answer order on the page: must not follow the truth (the plan draws it per trial).
      const tale = Number(/Tale (\d+)/.exec(page.body)?.[1]);
      const correct = questions[tale]!.answers[questions[tale]!.correctIndex]!;
      const wrong = questions[tale]!.answers[1 - questions[tale]!.correctIndex]!;
      if (recording) correctFirst.push(page.body.indexOf(correct) < page.body.indexOf(wrong));
      await think();
      page = await request(who, 'POST', choose.action, { ...choose.fields, value: '60' });
      const verdict = formsOf(page.body).find((f) => f.buttons.some((b) => b.label === 'Submit verdict'));
      if (!verdict) throw new Error(`person ${i}: no verdict button`);
      await think();
      page = await request(who, 'POST', verdict.action, verdict.fields);
      if (page.body.includes('Verdict recorded') && recording) verdicts += 1;
      who.judged = true;
      const next = formsOf(page.body).find((f) => f.buttons.some((b) => b.label === 'Continue'));
      if (t < TRIALS - 1 && next) {
        await think();
        who.judged = false;
        page = await request(who, 'POST', next.action, next.fields);
      }
    }
  }

  // Statements the database ran (each of the app's is its own transaction, or part of one).
  const transactions = () =>
    server
      ? Number(
          server.tool(
            'psql',
            [
              '-Atc',
              'SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()',
            ],
            { databaseUrl: databaseUrl! },
          ),
        )
      : null;
  const txBefore = transactions();
  // The warm-up people (numbered after the measured ones), then the clocks start again everywhere.
  for (let k = 0; k < WARM; k++)
    await Promise.all(children.map((_, c) => person(PEOPLE + k * PROCESSES + c)));
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          child.once('message', () => resolve());
          child.send('reset');
        }),
    ),
  );
  recording = true;
  const clientDelay = monitorEventLoopDelay({ resolution: 10 });
  clientDelay.enable();
  const cpuBefore = process.cpuUsage();
  const pgBefore = server ? postgresCpuSeconds(server.dataDir!) : 0;
  const stallBefore = cpuStallMicros();
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: PEOPLE }, (_, i) => person(i)));
  const seconds = (performance.now() - started) / 1000;
  const clientCpu = process.cpuUsage(cpuBefore);
  const stallAfter = cpuStallMicros();
  // The share of the run during which some runnable task on the machine waited for a CPU (Linux's
  // pressure stall information): near 100% says latencies here measure the queue for the cores.
  const cpuStall =
    stallBefore !== null && stallAfter !== null ? (stallAfter - stallBefore) / 1e6 / seconds : null;
  const pgCpu = server ? postgresCpuSeconds(server.dataDir!) - pgBefore : null;
  const clientLoop = { p99: clientDelay.percentile(99) / 1e6, max: clientDelay.max / 1e6 };
  clientDelay.disable();
  type Report = {
    cpuSeconds: number;
    served: number[];
    loopP99: number;
    loopMax: number;
    routes: RouteTrace[];
  };
  const reports = await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<Report>((resolve) => {
          child.once('message', (m) => resolve(m as Report));
          child.send('stop');
        }),
    ),
  );
  const webCpu = reports.map((r) => r.cpuSeconds);
  const served = reports.flatMap((r) => r.served).sort((a, b) => a - b);
  const sq = (p: number) => served[Math.min(served.length - 1, Math.floor(p * served.length))]!.toFixed(1);
  // The web processes' connections are closed: their counts are in the statistics now.
  await new Promise((r) => setTimeout(r, 500));
  const txAfter = transactions();
  const errors = results.filter((r) => r.status === 'rejected');
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
  const first = correctFirst.filter(Boolean).length;
  // The answer order is a coin per trial: more than 4 standard deviations from half says it follows the truth.
  const orderSkewed =
    correctFirst.length >= 50 &&
    Math.abs(first - correctFirst.length / 2) > 4 * Math.sqrt(correctFirst.length / 4);
  const database = server ? 'PostgreSQL (durable)' : databaseUrl ? 'PostgreSQL' : 'embedded PGlite';
  process.stdout.write(
    [
      `web load: ${PEOPLE} people (arriving over ${RAMP_MS} ms), ${TRIALS} verdicts each, think ${THINK_MS} ms; ${PROCESSES} web process(es); database: ${database}`,
      `  requests: ${latencies.length}; latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
      `  verdicts: ${verdicts} in ${seconds.toFixed(1)} s = ${(verdicts / seconds).toFixed(1)} per second; requests ${(latencies.length / seconds).toFixed(0)} per second; server errors: ${failures}; connections closed under a request and tried again: ${reconnects}; people who could not finish: ${errors.length}`,
      `  in the web processes (arrival to last byte): p50 ${sq(0.5)} ms, p99 ${sq(0.99)} ms, max ${served.at(-1)!.toFixed(1)} ms; event loop late by p99 ${reports.map((r) => r.loopP99.toFixed(0)).join(' / ')} ms, max ${reports.map((r) => r.loopMax.toFixed(0)).join(' / ')} ms (the client's: p99 ${clientLoop.p99.toFixed(0)} ms, max ${clientLoop.max.toFixed(0)} ms)`,
      ...(txBefore !== null
        ? [
            `  database transactions: ${txAfter! - txBefore} = ${((txAfter! - txBefore) / latencies.length).toFixed(1)} per request`,
          ]
        : []),
      `  CPU seconds: web ${webCpu.map((c) => c.toFixed(1)).join(' + ')}, client ${((clientCpu.user + clientCpu.system) / 1e6).toFixed(1)}${pgCpu === null ? '' : `, PostgreSQL ${pgCpu.toFixed(1)}`} (of ${(seconds * os.availableParallelism()).toFixed(0)} on ${os.availableParallelism()} cores; load average at the end ${os.loadavg()[0]!.toFixed(1)}: other work on the machine counts in it)${cpuStall === null ? '' : `; some task waiting for a CPU ${(cpuStall * 100).toFixed(0)}% of the run`}`,
      `  blinding: ${latencies.length} responses checked for trial ids and, before each verdict, words that reveal the answer: ${leaks.length ? `${leaks.length} LEAKS, first: ${leaks[0]}` : 'none'}; correct answer listed first on ${first} of ${correctFirst.length} trial pages${orderSkewed ? ' (SKEWED: the order follows the truth)' : ''}`,
      ...[...byRoute].map(([route, xs]) => {
        xs.sort((a, b) => a - b);
        return `    ${route.padEnd(16)} n ${String(xs.length).padStart(5)}  p50 ${xs[Math.floor(xs.length / 2)]!.toFixed(1)} ms  p99 ${xs[Math.floor(xs.length * 0.99)]!.toFixed(1)} ms`;
      }),
      ...traceLines(reports.flatMap((r) => r.routes)),
      `  row: | ${database} | ${PROCESSES} | ${PEOPLE} | ${THINK_MS} ms | ${(verdicts / seconds).toFixed(1)} | ${q(0.5)} ms | ${q(0.99)} ms | ${latencies.at(-1)!.toFixed(0)} ms |`,
      ...(errors.length
        ? [
            `  first: ${(errors[0] as PromiseRejectedResult).reason} ${((errors[0] as PromiseRejectedResult).reason as Error).cause ?? ''}`,
          ]
        : []),
      '',
    ].join('\n'),
  );
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(errors.length || failures || leaks.length || orderSkewed ? 1 : 0);
}

/** BENCH_TRACE's table: per route, statements per request and the mean ms in queries, pool waits, commits. */
function traceLines(traces: RouteTrace[]): string[] {
  const merged = new Map<string, RouteTrace>();
  for (const t of traces) {
    const m = merged.get(t.route);
    if (!m) merged.set(t.route, { ...t });
    else
      for (const k of ['requests', 'statements', 'queryMs', 'poolWaitMs', 'commitMs'] as const) m[k] += t[k];
  }
  if (merged.size === 0) return [];
  return [
    '  per route in the web processes (means per request): statements, ms in queries (commits included), ms waiting for a pool connection, ms in COMMIT',
    ...[...merged.values()].map(
      (t) =>
        `    ${t.route.padEnd(16)} n ${String(t.requests).padStart(5)}  statements ${(t.statements / t.requests).toFixed(1).padStart(5)}  queries ${(t.queryMs / t.requests).toFixed(1).padStart(6)} ms  pool wait ${(t.poolWaitMs / t.requests).toFixed(1).padStart(6)} ms  commit ${(t.commitMs / t.requests).toFixed(1).padStart(6)} ms`,
    ),
  ];
}

/** Microseconds some task has waited for a CPU since boot (/proc/pressure/cpu), or null without PSI. */
function cpuStallMicros(): number | null {
  try {
    const some = fs.readFileSync('/proc/pressure/cpu', 'utf8').split('\n')[0]!;
    return Number(/total=(\d+)/.exec(some)![1]);
  } catch {
    return null;
  }
}

/** CPU seconds the PostgreSQL server has used: the postmaster, its live backends, and those it reaped. */
function postgresCpuSeconds(dataDir: string): number {
  const tick = 100; // USER_HZ on Linux
  const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const stat = (pid: number | string) => {
    try {
      // Fields after the command's closing parenthesis: state is [0], ppid [1], utime [11] … cstime [14].
      return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    } catch {
      return null;
    }
  };
  const own = stat(postmaster);
  if (!own) return 0;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const s = stat(pid);
    if (s && Number(s[1]) === postmaster) ticks += Number(s[11]) + Number(s[12]);
  }
  return ticks / tick;
}
