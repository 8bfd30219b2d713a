// The environment is read once: what is missing is named with where to get it, and the token never
// appears in a message.
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
      OVERSIGHT_SERVE: '1',
      OVERSIGHT_LEASE_SECONDS: 30,
    });
    try {
      readEnv({ DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: 'x' });
    } catch (error) {
      expect((error as Error).message).not.toContain(token);
    }
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
});
