// `pnpm slack` with a token Slack refuses, or with Slack out of reach, ends in one clean line and exit
// code 2, before saying it runs: no stack trace, no warnings from retries, in both modes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { type FakeSlack, startFakeSlack } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, tempDir } from './harness.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const main = path.join(root, 'apps/slack-bot/src/main.ts');
let slack: FakeSlack;
let dir: string;

beforeAll(async () => {
  slack = await startFakeSlack();
  dir = tempDir('startup');
});
afterAll(async () => {
  await slack?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Runs `pnpm slack`'s entry with `env` until it exits (or 60 s pass): its exit code and output. */
function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: root,
      env: { ...process.env, OVERSIGHT_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d) => {
      stdout += String(d);
    });
    proc.stderr!.on('data', (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

describe('a Slack token that does not work', () => {
  it('HTTP mode: a refused bot token is one line and exit code 2, and the app never says it runs', async () => {
    const out = await run({
      SLACK_BOT_TOKEN: 'xoxb-0000-bogus',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
    });
    expect(out.code).toBe(2);
    expect(lines(out.stderr)).toEqual([
      expect.stringMatching(/^Slack refused SLACK_BOT_TOKEN \(invalid_auth\): copy the Bot User OAuth Token/),
    ]);
    expect(out.stdout + out.stderr).not.toMatch(/running|\n\s+at |Error:/);
    // The token is never printed.
    expect(out.stdout + out.stderr).not.toContain('bogus');
  }, 90_000);

  it('Socket Mode: a refused app token is one line and exit code 2', async () => {
    const out = await run({
      SLACK_BOT_TOKEN: slack.teams[0]!.botToken,
      SLACK_APP_TOKEN: 'xapp-1-bogus',
      SLACK_API_URL: slack.apiUrl,
    });
    expect(out.code).toBe(2);
    expect(lines(out.stderr)).toEqual([
      expect.stringMatching(/^Slack refused SLACK_APP_TOKEN \(invalid_auth\)/),
    ]);
    expect(out.stdout + out.stderr).not.toMatch(/running|\n\s+at /);
  }, 90_000);

  it('Slack out of reach: one line naming where it looked, exit code 2', async () => {
    const port = await closedPort();
    const out = await run({
      SLACK_BOT_TOKEN: 'xoxb-0000-bogus',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    });
    expect(out.code).toBe(2);
    expect(lines(out.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^Slack could not be reached at http://127\\.0\\.0\\.1:${port}/api/`)),
    ]);
    expect(out.stdout + out.stderr).not.toMatch(/running|\n\s+at /);
  }, 90_000);
});
