// Faults survived, with figures: the real `oversight` command on simulated experiments.
//   kill     `oversight run` SIGKILLed at 20 seeded random moments (planning or running), then run to the
//            end: exactly the planned trials, every event once, export byte-identical to an uninterrupted run
//   sigterm  SIGTERM at 5 moments: exit 0 within a few seconds, saying how to resume; then the same checks
//   restart  the PostgreSQL server restarted under 2 `oversight serve` processes: they reconnect and finish
//   disk     the embedded data folder on a small tmpfs: a clear error when it fills, the database intact
//            and the run finished once space returns (needs root to mount)
// pnpm --filter @oversight/cli bench:faults [kill|sigterm|restart|disk ...]   (default: all; BENCH_FAULTS_SEED)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres } from '@oversight/db/testing/pg-server';
import { exportBytes, integrity, oversight, seeded, start, stopAfter, type Target } from './faults.ts';

const which = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const want = (name: string) => which.length === 0 || which.includes(name);
const random = seeded(Number(process.env.BENCH_FAULTS_SEED ?? 20_261_201));
const root = mkdtempSync(path.join(os.tmpdir(), 'oversight-faults-'));

/** A config of simulated participants over `questions` story-like questions, `perQuestion` trials per arm. */
function writeExperiment(name: string, questions: number, perQuestion: number): string {
  const file = path.join(root, `${name}.jsonl`);
  const stories = Math.max(1, Math.floor(questions / 4));
  const lines = Array.from({ length: questions }, (_, i) => {
    const story = i % stories;
    const source = Array.from(
      { length: 60 },
      (_, k) =>
        `In chapter ${k} of tale ${story}, the pilot ${k % 3 ? 'repaired the beacon' : 'mapped the reef'} while the keeper ${k % 2 ? 'lit the lamp' : 'slept'}.`,
    ).join(' ');
    return JSON.stringify({
      id: `q${String(i).padStart(4, '0')}`,
      storyId: `s${story}`,
      storyTitle: `Tale ${story}`,
      question: `What did the pilot do in chapter ${i % 60} of tale ${story}?`,
      answers: ['repaired the beacon', 'mapped the reef'],
      correctIndex: i % 2,
      source,
    });
  });
  writeFileSync(file, `${lines.join('\n')}\n`);
  const config = path.join(root, `${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      name,
      seed: `${name}-seed`,
      dataset: { path: path.basename(file) },
      judges: [{ count: perQuestion * 20 }],
      arms: ['debate', 'consultancy'].map((protocol) => ({
        name: protocol,
        protocol,
        rounds: 3,
        trialsPerQuestion: perQuestion,
      })),
    }),
  );
  return config;
}

/** The checks after a fault, against a run of the same config that nothing interrupted. */
async function verdict(label: string, target: Target, clean: Target, name: string): Promise<boolean> {
  const found = await integrity(target, name);
  const same = exportBytes(target, name, root) === exportBytes(clean, name, root);
  const ok = found.problems.length === 0 && same;
  console.log(
    `  ${label}: ${found.trials} trials (planned ${found.planned}), ${found.finished} finished, ${found.events} events, ${found.judgments} judgments; ` +
      `${found.problems.length ? `PROBLEMS: ${found.problems.join('; ')}` : 'every event once'}; export ${same ? 'byte-identical to' : 'DIFFERS from'} the uninterrupted run`,
  );
  return ok;
}

const ms = (x: number) => `${Math.round(x)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
let failures = 0;

async function killed(kind: 'embedded' | 'server', signal: 'SIGKILL' | 'SIGTERM', times: number) {
  const name = `${signal.toLowerCase()}-${kind}`;
  const config = writeExperiment(name, 120, kind === 'server' ? 60 : 30);
  const server = kind === 'server' ? await startPostgres({ fast: false }) : null;
  try {
    const target: Target = server
      ? { databaseUrl: await server.createDatabase('faulted') }
      : { dataDir: path.join(root, `${name}-db`) };
    const clean: Target = server
      ? { databaseUrl: await server.createDatabase('clean') }
      : { dataDir: path.join(root, `${name}-clean`) };
    const started = performance.now();
    const reference = oversight(['run', config], clean, root);
    if (reference.code !== 0) throw new Error(`the uninterrupted run failed: ${reference.stderr}`);
    const span = performance.now() - started;
    console.log(`${signal} x${times}, ${kind} database: an uninterrupted run takes ${ms(span)}`);
    const moments: string[] = [];
    const exits: number[] = [];
    let landed = 0;
    let planning = 0;
    for (let k = 0; k < times; k++) {
      // A quarter of the moments fall in start-up and planning (from the start), the rest among the
      // trials (from the line saying how many are left); each restart goes on from the last.
      const early = random() < 0.25;
      const at = early ? random() * 3_000 : random() * span * 0.2;
      const r = await stopAfter(['run', config], target, root, at, signal, early ? undefined : /to run/);
      if (!r.sent) {
        moments.push(`${ms(at)} (finished first)`);
        continue;
      }
      landed += 1;
      if (!/to run/.test(r.stderr)) planning += 1;
      exits.push(r.exitMs);
      moments.push(`${early ? '' : '+'}${ms(at)}`);
      if (signal === 'SIGTERM') {
        const said = /run {2}pnpm oversight run .* {2}to go on/.test(r.stderr);
        if (r.code !== 0 || !said) {
          failures += 1;
          console.log(
            `  SIGTERM at ${ms(at)}: exit ${r.code}${said ? '' : ', no resume command'}:\n${r.stderr}`,
          );
        }
      }
    }
    console.log(`  moments (from the start, or +from the trials' start): ${moments.join(', ')}`);
    console.log(`  ${landed} signals landed mid-command (${planning} before the trials started)`);
    if (signal === 'SIGTERM')
      console.log(
        `  from SIGTERM to exit: median ${ms(median(exits))}, max ${ms(Math.max(...exits))} (exit 0, resume command printed)`,
      );
    const last = oversight(['run', config], target, root);
    if (last.code !== 0) throw new Error(`the final run failed: ${last.stderr}`);
    if (!(await verdict('then run to the end', target, clean, name))) failures += 1;
  } finally {
    await server?.stop();
  }
}

async function restarted() {
  const name = 'restart';
  const config = writeExperiment(name, 120, 60);
  const server = await startPostgres({ fast: false, own: true });
  try {
    const target: Target = { databaseUrl: await server.createDatabase('faulted') };
    const clean: Target = { databaseUrl: await server.createDatabase('clean') };
    if (oversight(['run', config], clean, root).code !== 0) throw new Error('the uninterrupted run failed');
    // `oversight run` plans and drives; a `serve` joins it once the plan is stored.
    const started = performance.now();
    const run = start(['run', config], target, root);
    await run.saying(/to run/);
    const serve = start(['serve', name, '--until-idle'], target, root);
    await serve.saying(/serving/);
    const downAt = 500 + random() * 1_500;
    await new Promise((r) => setTimeout(r, downAt));
    const down = performance.now();
    await server.restart(2_000);
    const up = performance.now();
    const ends = await Promise.all([run.done, serve.done]);
    const finished = performance.now();
    const reconnected = ends.filter((e) => /answers again/.test(e.stderr)).length;
    console.log(
      `server restart under \`oversight run\` and \`oversight serve\`: restarted ${ms(down - started)} after the run started, down ${ms(up - down)}; ` +
        `they exited ${ends.map((e) => e.code).join(' and ')} ${ms(finished - up)} after it was back; ${reconnected} of 2 said they waited for it and went on`,
    );
    for (const e of ends) if (e.code !== 0) console.log(e.stderr);
    if (ends.some((e) => e.code !== 0)) failures += 1;
    if (!(await verdict('after the restart', target, clean, name))) failures += 1;
  } finally {
    await server.stop();
  }
}

async function diskFull() {
  const name = 'disk';
  const config = writeExperiment(name, 120, 30);
  const mount = path.join(root, 'small-disk');
  mkdirSync(mount);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mount]);
  } catch (error) {
    console.log(
      `disk full: skipped, cannot mount a small tmpfs here (${(error as Error).message.split('\n')[0]})`,
    );
    return;
  }
  try {
    const clean: Target = { dataDir: path.join(root, 'disk-clean') };
    if (oversight(['run', config], clean, root).code !== 0) throw new Error('the uninterrupted run failed');
    const target: Target = { dataDir: path.join(mount, 'db') };
    const full = oversight(['run', config], target, root);
    const message = full.stderr.trim().split('\n').at(-1) ?? '';
    console.log(`disk full: embedded data folder on a 48 MB tmpfs: exit ${full.code}: ${message}`);
    if (full.code !== 3 || !/disk holding the database is full/.test(message)) failures += 1;
    const status = oversight(['status', name], target, root);
    console.log(
      `  status with the disk still full: exit ${status.code}: ${status.stderr.trim().split('\n').at(-1)}`,
    );
    if (status.code !== 3) failures += 1;
    execFileSync('mount', ['-o', 'remount,size=1g', mount]);
    const again = oversight(['run', config], target, root);
    console.log(`  space back (1 GB): run again: exit ${again.code}: ${again.stdout.trim().split('\n')[0]}`);
    if (again.code !== 0) failures += 1;
    if (!(await verdict('after space returned', target, clean, name))) failures += 1;
  } finally {
    execFileSync('umount', [mount]);
  }
}

try {
  if (want('kill')) {
    await killed('embedded', 'SIGKILL', 20);
    await killed('server', 'SIGKILL', 20);
  }
  if (want('sigterm')) {
    await killed('embedded', 'SIGTERM', 5);
    await killed('server', 'SIGTERM', 5);
  }
  if (want('restart')) await restarted();
  if (want('disk')) await diskFull();
  console.log(failures === 0 ? '\nevery fault survived' : `\n${failures} fault(s) NOT survived`);
  process.exitCode = failures === 0 ? 0 : 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
