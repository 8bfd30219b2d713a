// `pnpm --filter @oversight/web bench`: simulated participants over HTTP against the web app, each
// opening the study link, consenting and judging K trials at a compressed human pace, all at once.
// Prints request latency p50/p99/max and verdicts per second. The embedded database by default;
// DATABASE_URL=postgresql://… uses a server. BENCH_PEOPLE (default 200), BENCH_TRIALS (per person,
// default 2), BENCH_THINK_MS (pause between a person's steps, default 100).
// A first slice of issue 24's load benchmark: one web process, judge-alone trials (no model turns), so
// what is measured is the web app and the database under people, nothing else.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExperimentConfigSchema } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { startPostgres } from '@oversight/db/testing/pg-server';
import { persistPlan, planExperiment } from '@oversight/runner';
import { StudyKeys } from '../src/keys.ts';
import { startWebApp } from '../src/server.ts';
import { formsOf } from '../test/harness.ts';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 200);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 2);
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 100);
const EXP = 'web-load';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oversight-web-bench-'));
// BENCH_POSTGRES=1: a throwaway PostgreSQL server from the machine's binaries (durable, on loopback).
const server = process.env.BENCH_POSTGRES ? await startPostgres({ fast: false }) : null;
const databaseUrl = server ? await server.createDatabase('web_bench') : process.env.DATABASE_URL;
const db = await openDatabase(databaseUrl ? { databaseUrl, poolSize: 16 } : { dataDir: dir });
const questions = Array.from({ length: TRIALS * 2 }, (_, i) => ({
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
  // Enough trials of each story for everyone: each person judges TRIALS stories once each.
  arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: Math.ceil(PEOPLE / 2) * 2 }],
  eachStoryOnce: 'per-experiment',
});
const planStart = Date.now();
await persistPlan(db, planExperiment(config, questions, 'bench-questions'), 'bench-questions');
process.stderr.write(
  `planned ${TRIALS * 2 * Math.ceil(PEOPLE / 2) * 2} trials in ${Date.now() - planStart} ms\n`,
);
const keys = new StudyKeys(Buffer.from('a benchmark secret of at least 16 bytes'));
const app = await startWebApp({ db, keys, experimentIds: [EXP], idleMs: 0 });

const latencies: number[] = [];
const byRoute = new Map<string, number[]>();
let verdicts = 0;
let failures = 0;

async function request(
  cookie: { value: string },
  method: string,
  url: string,
  form?: Record<string, string>,
) {
  const started = performance.now();
  const res = await fetch(new URL(url, app.url), {
    method,
    redirect: 'manual',
    headers: {
      ...(cookie.value ? { cookie: cookie.value } : {}),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  const body = await res.text();
  const took = performance.now() - started;
  latencies.push(took);
  const route = `${method} ${new URL(url, app.url).pathname.replace(/\/t\/[^/]+$/, '/t/<ref>').replace(/^\/s\/[^/]+/, '')}`;
  byRoute.set(route, [...(byRoute.get(route) ?? []), took]);
  const set = res.headers.getSetCookie()[0];
  if (set) cookie.value = set.split(';')[0]!;
  if (res.status >= 500) failures += 1;
  const location = res.headers.get('location');
  if (res.status === 303 && location) return request(cookie, 'GET', location);
  return { status: res.status, body };
}

const think = () => new Promise((r) => setTimeout(r, THINK_MS * (0.5 + Math.random())));

async function person(i: number) {
  const cookie = { value: '' };
  const link = `/s/${EXP}?k=${keys.studyKey(EXP)}&PROLIFIC_PID=bench${String(i).padStart(6, '0')}&STUDY_ID=s&SESSION_ID=x`;
  await request(cookie, 'GET', link);
  await think();
  let page = await request(cookie, 'POST', `/s/${EXP}/consent`, { choice: 'accept' });
  for (let t = 0; t < TRIALS; t++) {
    const choose = formsOf(page.body).find((f) => f.buttons.some((b) => b.label === 'Choose'));
    if (!choose) throw new Error(`person ${i}: no trial to judge (${page.status})`);
    await think();
    page = await request(cookie, 'POST', choose.action, { ...choose.fields, value: '60' });
    const verdict = formsOf(page.body).find((f) => f.buttons.some((b) => b.label === 'Submit verdict'));
    if (!verdict) throw new Error(`person ${i}: no verdict button`);
    await think();
    page = await request(cookie, 'POST', verdict.action, verdict.fields);
    if (page.body.includes('Verdict recorded')) verdicts += 1;
    const next = formsOf(page.body).find((f) => f.buttons.some((b) => b.label === 'Continue'));
    if (t < TRIALS - 1 && next) {
      await think();
      page = await request(cookie, 'POST', next.action, next.fields);
    }
  }
}

const started = performance.now();
const results = await Promise.allSettled(Array.from({ length: PEOPLE }, (_, i) => person(i)));
const seconds = (performance.now() - started) / 1000;
const errors = results.filter((r) => r.status === 'rejected');
latencies.sort((a, b) => a - b);
const q = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
process.stdout.write(
  [
    `web load: ${PEOPLE} people at once, ${TRIALS} verdicts each, think ${THINK_MS} ms; database: ${db.location}`,
    `  requests: ${latencies.length}; latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    `  verdicts: ${verdicts} in ${seconds.toFixed(1)} s = ${(verdicts / seconds).toFixed(1)} per second; server errors: ${failures}; people who could not finish: ${errors.length}`,
    ...[...byRoute].map(([route, xs]) => {
      xs.sort((a, b) => a - b);
      return `    ${route.padEnd(16)} n ${String(xs.length).padStart(5)}  p50 ${xs[Math.floor(xs.length / 2)]!.toFixed(1)} ms  p99 ${xs[Math.floor(xs.length * 0.99)]!.toFixed(1)} ms`;
    }),
    ...(errors.length ? [`  first: ${(errors[0] as PromiseRejectedResult).reason}`] : []),
    '',
  ].join('\n'),
);
await app.stop();
await db.close();
await server?.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(errors.length || failures ? 1 : 0);
