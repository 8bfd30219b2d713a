import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPostgresBin } from '@oversight/db/testing/pg-server';
import { describe, expect, it } from 'vitest';
import { oversight, tempDir, writeConfig, writeQuestions } from './cli.ts';

/**
 * A benchmark or test that starts processes ends them however it is stopped: it fails on its own,
 * its caller's timeout sends SIGTERM, or it is SIGKILLed (no hook runs; the child sees its parent go).
 */
const starterScript = fileURLToPath(new URL('./fixtures/starter.ts', import.meta.url));
const cliDir = fileURLToPath(new URL('..', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 100)))
    if (!alive(pid)) return true;
  return !alive(pid);
}

/** Starts the stand-in benchmark and waits for the line that says what it started. */
async function starter(args: string[], line: RegExp) {
  const proc = spawn(process.execPath, ['--import', 'tsx', starterScript, ...args], {
    cwd: cliDir,
    env: { ...process.env, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (c: Buffer) => {
    err += c;
  });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    proc.stdout.on('data', (c: Buffer) => {
      out += c;
      const found = line.exec(out);
      if (found) resolve(found);
    });
    proc.once('exit', (code) => reject(new Error(`the starter exited (${code}) first: ${err}`)));
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return { proc, match, exited };
}

describe('processes started by benchmarks and tests', () => {
  const dir = tempDir('children');
  writeQuestions(dir, 2, 2);
  const dataDir = path.join(dir, 'data');

  it.each([
    ['SIGKILL (no hook runs)', 'wait', 'SIGKILL'],
    ['SIGTERM (a caller’s timeout)', 'wait', 'SIGTERM'],
    ['an uncaught error of its own', 'throw', null],
  ] as const)('end when the starter ends by %s', async (_how, then, signal) => {
    const file = writeConfig(dir, {
      name: 'served',
      seed: 1,
      dataset: { path: 'questions.jsonl' },
      judges: [{ count: 4 }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 1 }],
    });
    expect((await oversight(['run', file, '--data-dir', dataDir])).code).toBe(0);
    const { proc, match, exited } = await starter(['serve', dataDir, 'served', then], /child (\d+)\n/);
    const child = Number(match[1]);
    expect(alive(child)).toBe(true);
    if (signal) proc.kill(signal);
    await exited;
    expect(await goneWithin(child, 15_000), `oversight serve (pid ${child}) outlived its starter`).toBe(true);
  });

  it.skipIf(findPostgresBin() === null)(
    'a PostgreSQL server stops when its starter is SIGKILLed',
    async () => {
      const { proc, match, exited } = await starter(['postgres'], /postgres (\S+)\n/);
      const postmaster = Number(readFileSync(path.join(match[1]!, 'postmaster.pid'), 'utf8').split('\n')[0]);
      expect(alive(postmaster)).toBe(true);
      proc.kill('SIGKILL');
      await exited;
      expect(await goneWithin(postmaster, 20_000), `postgres (pid ${postmaster}) outlived its starter`).toBe(
        true,
      );
    },
  );
});
