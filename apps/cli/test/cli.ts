import { type ChildProcessByStdio, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { childEnv, spawnChild } from '@oversight/testkit';
import { vi } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * The command as users run it: the launcher, which runs the bundle and rebuilds it first when a
 * source file is newer (test/global-setup.ts builds it once before the tests).
 */
export const launcher = path.join(repoRoot, 'apps/cli/bin/oversight.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process, as a user would. */
export function cli(
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, [launcher, ...args], {
    cwd: options.cwd ?? repoRoot,
    input: options.input ?? '',
    encoding: 'utf8',
    env: childEnv({ ...process.env, INIT_CWD: options.cwd ?? repoRoot, DATABASE_URL: '', ...options.env }),
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function cliChild(args: string[], options: { cwd: string }) {
  return spawnChild(process.execPath, [launcher, ...args], {
    cwd: options.cwd,
    env: { ...process.env, INIT_CWD: options.cwd, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcessByStdio<null, Readable, Readable>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `oversight-${prefix}-`));
}

/** A small questions file in the generic format, with a real story-like source. */
export function writeQuestions(dir: string, count: number, stories = 4): string {
  const file = path.join(dir, 'questions.jsonl');
  const lines = Array.from({ length: count }, (_, i) => {
    const story = i % stories;
    const source = Array.from(
      { length: 30 },
      (_, k) =>
        `In chapter ${k} of tale ${story}, the pilot ${k % 2 ? 'repaired the beacon' : 'mapped the reef'} before the tide turned.`,
    ).join(' ');
    return JSON.stringify({
      id: `q${String(i).padStart(3, '0')}`,
      storyId: `story-${story}`,
      storyTitle: `Tale ${story}`,
      question: `What did the pilot do in chapter ${i % 30}?`,
      answers: ['repaired the beacon', 'mapped the reef'],
      correctIndex: i % 2,
      source,
    });
  });
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export function writeConfig(dir: string, config: Record<string, unknown>, name = 'config.json'): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Like `cli`, without blocking this process: needed when the test itself serves the child (a fake server). */
export function cliAsync(args: string[], options: { cwd: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = cliChild(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs a command line in this process, from the TypeScript source, capturing what it prints: the
 * same code path as the real command from argument parsing on, without a child process's start-up.
 */
export async function oversight(args: string[]): Promise<CliResult> {
  process.env.DATABASE_URL = '';
  const { runCli } = await import('../src/cli.ts');
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts) => {
    stdout.push(`${format(...parts)}\n`);
  });
  const error = vi.spyOn(console, 'error').mockImplementation((...parts) => {
    stderr.push(`${format(...parts)}\n`);
  });
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
  try {
    const code = await runCli(args);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}
