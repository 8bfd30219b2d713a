// What the fault scripts and tests share: the real `oversight` command started against a database
// (an embedded data folder or a PostgreSQL server), stopped by a signal at a chosen moment, and the
// checks that nothing was lost or doubled: the planned trials exactly, every trial's log 0..n-1 with
// one TrialCreated and at most one verdict, one Judgment per verdict, and the export's bytes.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { openDatabase } from '@oversight/db';
import { childEnv, spawnChild } from '@oversight/testkit';
import { launcher } from './processes.ts';

/** Where the experiment lives: an embedded data folder, or a server. */
export type Target = { dataDir: string } | { databaseUrl: string };

const env = (target: Target, cwd: string) => ({
  ...process.env,
  INIT_CWD: cwd,
  DATABASE_URL: 'databaseUrl' in target ? target.databaseUrl : '',
});
const targetArgs = (target: Target) => ('dataDir' in target ? ['--data-dir', target.dataDir] : []);

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `oversight <args>` to its end. */
export function oversight(args: readonly string[], target: Target, cwd: string): Finished {
  const r = spawnSync(process.execPath, [launcher, ...args, ...targetArgs(target)], {
    cwd,
    env: childEnv(env(target, cwd)),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export interface Stopped extends Finished {
  /** The signal was sent (false: the command had finished before the moment came). */
  sent: boolean;
  /** From the signal to the process's exit. */
  exitMs: number;
}

export interface Running {
  child: ChildProcess;
  /** What it has written to stderr so far. */
  stderr(): string;
  /** Resolves once stderr matches. */
  saying(pattern: RegExp): Promise<void>;
  done: Promise<Finished>;
}

/** Starts `oversight <args>` in the background. */
export function start(args: readonly string[], target: Target, cwd: string): Running {
  const child = spawnChild(process.execPath, [launcher, ...args, ...targetArgs(target)], {
    cwd,
    env: env(target, cwd),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiting: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c;
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c;
    for (const w of waiting.splice(0)) {
      if (w.pattern.test(stderr)) w.resolve();
      else waiting.push(w);
    }
  });
  const done = new Promise<Finished>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    child,
    stderr: () => stderr,
    saying: (pattern) =>
      pattern.test(stderr)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiting.push({ pattern, resolve });
            void done.then((r) =>
              reject(new Error(`exited (${r.code}) before saying ${pattern}:\n${r.stderr}`)),
            );
          }),
    done,
  };
}

/**
 * Starts `oversight <args>` and sends it `signal` `afterMs` after it started, or after its stderr first
 * matched `from` (unless it has finished by then).
 */
export function stopAfter(
  args: readonly string[],
  target: Target,
  cwd: string,
  afterMs: number,
  signal: NodeJS.Signals,
  from?: RegExp,
): Promise<Stopped> {
  const child: ChildProcess = spawnChild(process.execPath, [launcher, ...args, ...targetArgs(target)], {
    cwd,
    env: env(target, cwd),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c;
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c;
  });
  let sentAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer ??= setTimeout(() => {
      sentAt = performance.now();
      child.kill(signal);
    }, afterMs);
  };
  if (from) child.stderr!.on('data', () => from.test(stderr) && arm());
  else arm();
  return new Promise((resolve) => {
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      resolve({
        code,
        signal: sig,
        stdout,
        stderr,
        sent: sentAt > 0,
        exitMs: sentAt > 0 ? performance.now() - sentAt : 0,
      });
    });
  });
}

export interface Integrity {
  planned: number | null;
  trials: number;
  finished: number;
  events: number;
  judgments: number;
  /** Each line a broken promise; empty when all hold. */
  problems: string[];
}

/** Checks, in the database, that the experiment holds what it should and nothing twice. */
export async function integrity(target: Target, experimentId: string): Promise<Integrity> {
  const db = await openDatabase(
    'dataDir' in target ? { dataDir: target.dataDir } : { databaseUrl: target.databaseUrl },
  );
  try {
    const planned = (await db.experiments.get(experimentId))?.plannedTrials ?? null;
    const counts = await db.trials.countByStatus(experimentId);
    const trials = Object.values(counts).reduce((a, b) => a + b, 0);
    const [logs] = await db.prisma.$queryRaw<Array<{ events: number; broken: number; mismatched: number }>>`
      WITH per AS (
        SELECT e."trialId", count(*)::int AS n, max(e."seq") AS top, min(e."seq") AS bottom,
          count(*) FILTER (WHERE e."type" = 'TrialCreated')::int AS created,
          count(*) FILTER (WHERE e."type" = 'VerdictSubmitted')::int AS verdicts
        FROM "TrialEvent" e JOIN "Trial" t ON t."id" = e."trialId"
        WHERE t."experimentId" = ${experimentId}
        GROUP BY e."trialId"
      )
      SELECT coalesce(sum(per.n), 0)::int AS events,
        count(*) FILTER (WHERE per.bottom <> 0 OR per.top <> per.n - 1 OR per.created <> 1 OR per.verdicts > 1)::int AS broken,
        (SELECT count(*)::int FROM "Trial" t LEFT JOIN per ON per."trialId" = t."id"
          WHERE t."experimentId" = ${experimentId} AND (per.n IS NULL OR per.n <> t."nextSeq")) AS mismatched
      FROM per`;
    const [verdicts] = await db.prisma.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM "TrialEvent" e JOIN "Trial" t ON t."id" = e."trialId"
      WHERE t."experimentId" = ${experimentId} AND e."type" = 'VerdictSubmitted'`;
    const judgments = await db.judgments.count(experimentId);
    const problems: string[] = [];
    if (planned === null) problems.push('the plan was never recorded as complete');
    else if (trials !== planned) problems.push(`${trials} trials stored, ${planned} planned`);
    if (logs!.broken > 0)
      problems.push(
        `${logs!.broken} trials whose log is not 0..n-1 with one TrialCreated and at most one verdict`,
      );
    if (logs!.mismatched > 0)
      problems.push(`${logs!.mismatched} trials whose nextSeq disagrees with their log`);
    if (judgments !== verdicts!.n) problems.push(`${judgments} judgments for ${verdicts!.n} verdicts`);
    return { planned, trials, finished: counts.finished ?? 0, events: logs!.events, judgments, problems };
  } finally {
    await db.close();
  }
}

/** The experiment's JSONL export without move times: every judgment with its whole log, byte for byte. */
export function exportBytes(target: Target, experimentId: string, cwd: string): string {
  const r = oversight(['export', experimentId, '--format', 'jsonl', '--no-times'], target, cwd);
  if (r.code !== 0) throw new Error(`export failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A seeded stream of numbers in [0, 1), so a script's moments can be given again. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
