import { ServeSwitchSchema } from '@oversight/runner';
import { z } from 'zod';
import { KEY_VARIABLE, keyProblem } from './installation-key.ts';

/**
 * The Slack app's environment, read once. Two ways to run it:
 * - Socket Mode (SLACK_APP_TOKEN + SLACK_BOT_TOKEN): one internal workspace, no public URL.
 * - HTTP mode (SLACK_SIGNING_SECRET, a public URL pointing at /slack/events): with SLACK_BOT_TOKEN for
 *   one workspace, or SLACK_CLIENT_ID / SLACK_CLIENT_SECRET / SLACK_STATE_SECRET for OAuth installs to
 *   several workspaces (installations kept in the project's database, sealed with SLACK_INSTALLATION_KEY).
 * Secrets are only read here and never printed: `describeEnv` names what is set, not its value.
 */

const token = (prefix: string, what: string) =>
  z
    .string()
    .trim()
    .refine((v) => v.startsWith(prefix), `must start with "${prefix}" (${what})`);

const EnvSchema = z
  .object({
    SLACK_BOT_TOKEN: token('xoxb-', 'the Bot User OAuth Token').optional(),
    SLACK_APP_TOKEN: token('xapp-', 'an app-level token with the connections:write scope').optional(),
    SLACK_SIGNING_SECRET: z.string().trim().min(8).optional(),
    SLACK_CLIENT_ID: z.string().trim().min(1).optional(),
    SLACK_CLIENT_SECRET: z.string().trim().min(1).optional(),
    SLACK_STATE_SECRET: z.string().trim().min(8).optional(),
    /** OAuth: seals the installations (their bot tokens) stored in the database; see installation-key.ts. */
    SLACK_INSTALLATION_KEY: z.string().trim().optional(),
    /** Where the Web API is (tests and benchmarks point it at a local fake). */
    SLACK_API_URL: z.url().optional(),
    /** OAuth: where "Add to Slack" sends people (tests point it at the fake). */
    SLACK_AUTHORIZE_URL: z.url().optional(),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    /** Experiments served, comma-separated (default: every experiment with a pool of Slack people). */
    OVERSIGHT_EXPERIMENTS: z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : undefined,
      ),
    /** `serve` in this process (default) or beside it (off: run `oversight serve` yourself). */
    OVERSIGHT_SERVE: ServeSwitchSchema,
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .transform((env, ctx) => {
    const socket = env.SLACK_APP_TOKEN !== undefined;
    const oauth = env.SLACK_CLIENT_ID !== undefined || env.SLACK_CLIENT_SECRET !== undefined;
    const missing: string[] = [];
    if (socket) {
      if (!env.SLACK_BOT_TOKEN)
        missing.push(
          'SLACK_BOT_TOKEN (OAuth & Permissions → Bot User OAuth Token, after installing the app)',
        );
    } else {
      if (!env.SLACK_SIGNING_SECRET)
        missing.push('SLACK_SIGNING_SECRET (Basic Information → App Credentials → Signing Secret)');
      if (oauth) {
        if (!env.SLACK_CLIENT_ID) missing.push('SLACK_CLIENT_ID (Basic Information → App Credentials)');
        if (!env.SLACK_CLIENT_SECRET)
          missing.push('SLACK_CLIENT_SECRET (Basic Information → App Credentials)');
        if (!env.SLACK_STATE_SECRET)
          missing.push('SLACK_STATE_SECRET (any random string of 8+ characters, to sign OAuth state)');
        const keyIssue = keyProblem(env.SLACK_INSTALLATION_KEY);
        if (keyIssue)
          missing.push(
            `${KEY_VARIABLE}, which seals the workspaces' bot tokens stored in the database (it ${keyIssue})`,
          );
      } else if (!env.SLACK_BOT_TOKEN) {
        missing.push(
          'SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET for OAuth installs',
        );
      }
    }
    if (missing.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `${socket ? 'Socket Mode (SLACK_APP_TOKEN is set)' : 'HTTP mode (no SLACK_APP_TOKEN)'} also needs: ${missing.join('; ')}`,
      });
      return z.NEVER;
    }
    return {
      ...env,
      mode: socket ? ('socket' as const) : ('http' as const),
      oauth: !socket && oauth,
    };
  });

export type SlackEnv = z.output<typeof EnvSchema>;

export class EnvError extends Error {
  override name = 'EnvError';
}

/** Parses the environment, or throws an EnvError listing every variable that is missing or wrong. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): SlackEnv {
  const parsed = EnvSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) =>
    i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
  );
  throw new EnvError(
    `The Slack app cannot start:\n  ${lines.join('\n  ')}\nSee apps/slack-bot/README.md ("Create the app") for where each value comes from.`,
  );
}

/** What the app runs with, for its start-up line: names and modes, never secrets. */
export function describeEnv(env: SlackEnv): string {
  if (env.mode === 'socket') return 'Socket Mode (one workspace)';
  return env.oauth
    ? `HTTP mode on ${env.HOST}:${env.PORT}/slack/events, OAuth installs at /slack/install`
    : `HTTP mode on ${env.HOST}:${env.PORT}/slack/events (one workspace)`;
}
