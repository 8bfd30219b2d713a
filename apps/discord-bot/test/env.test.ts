// The environment is read once: what is missing is named with where to get it, and the token never
// appears in a message.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EnvError, readEnv } from '../src/env.ts';

describe('readEnv', () => {
  it('names each missing variable and where to get it', () => {
    expect(() => readEnv({})).toThrow(EnvError);
    try {
      readEnv({ DISCORD_APPLICATION_ID: '12' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(
        /DISCORD_TOKEN is not set: the bot token: Discord Developer Portal → your application → Bot/,
      );
      expect(message).toMatch(/DISCORD_APPLICATION_ID is not valid \(a Discord id is 17 to 20 digits\)/);
    }
  });

  it('takes a valid environment and never echoes the token', () => {
    const token = 'MTIz.secret-token-value-that-is-long-enough';
    const env = readEnv({
      DISCORD_TOKEN: token,
      DISCORD_APPLICATION_ID: '123456789012345678',
      OVERSIGHT_EXPERIMENTS: 'a, b',
    });
    expect(env).toMatchObject({
      OVERSIGHT_EXPERIMENTS: ['a', 'b'],
      OVERSIGHT_SERVE: true,
      OVERSIGHT_LEASE_SECONDS: 30,
    });
    try {
      readEnv({ DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: 'x' });
    } catch (error) {
      expect((error as Error).message).not.toContain(token);
    }
  });

  it('reads OVERSIGHT_SERVE as the Slack app does: on or off, in the words people type for them', () => {
    const base = { DISCORD_TOKEN: 'x'.repeat(30), DISCORD_APPLICATION_ID: '123456789012345678' };
    for (const on of ['on', '1', 'true', 'in-process', ''])
      expect(readEnv({ ...base, OVERSIGHT_SERVE: on }).OVERSIGHT_SERVE, on).toBe(true);
    for (const off of ['off', '0', 'false', 'No'])
      expect(readEnv({ ...base, OVERSIGHT_SERVE: off }).OVERSIGHT_SERVE, off).toBe(false);
    expect(() => readEnv({ ...base, OVERSIGHT_SERVE: 'maybe' })).toThrow(/"maybe" is neither on nor off/);
  });

  it('lets only a loopback address replace Discord’s API', () => {
    const base = { DISCORD_TOKEN: 'x'.repeat(30), DISCORD_APPLICATION_ID: '123456789012345678' };
    expect(readEnv({ ...base, DISCORD_API_URL: 'http://127.0.0.1:4000/api' }).DISCORD_API_URL).toBe(
      'http://127.0.0.1:4000/api',
    );
    expect(() => readEnv({ ...base, DISCORD_API_URL: 'https://example.com/api' })).toThrow(
      /only a loopback address/,
    );
  });

  it('started from any folder with a variable missing: its message, exit 2, nothing after it', () => {
    const launcher = fileURLToPath(new URL('../bin/discord.mjs', import.meta.url));
    const { DISCORD_TOKEN: _t, DISCORD_APPLICATION_ID: _a, ...env } = process.env;
    const started = spawnSync(process.execPath, [launcher], { cwd: '/', encoding: 'utf8', env });
    expect(started.status).toBe(2);
    expect(started.stderr).toMatch(/^The Discord bot cannot start:\n {2}DISCORD_TOKEN is not set/);
    expect(started.stderr).not.toMatch(/ELIFECYCLE|ERR_PNPM|\n\s+at /);
  });
});
