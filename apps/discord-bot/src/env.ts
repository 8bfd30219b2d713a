import { ServeSwitchSchema } from '@oversight/runner';
import { z } from 'zod';

/**
 * The bot's settings, read from the environment once. Secrets stay here: the token is never logged
 * and never put in an error message. Each missing or malformed variable is named with where to get it.
 */

const snowflake = z.string().regex(/^\d{17,20}$/, 'a Discord id is 17 to 20 digits');

const HELP: Record<string, string> = {
  DISCORD_TOKEN:
    'the bot token: Discord Developer Portal → your application → Bot → Reset Token (https://discord.com/developers/applications)',
  DISCORD_APPLICATION_ID:
    'the application id: Developer Portal → your application → General Information → Application ID',
  DISCORD_GUILD_ID:
    'optional, the server experiments run in when their config names none (chat.discordGuilds); the bot takes commands and clicks for an experiment only from its servers: enable Developer Mode in Discord, right-click the server → Copy Server ID',
  DISCORD_CHANNEL_ID:
    "optional, the channel in which trial threads open in its server when the experiment's config names none (chat.discordChannel); else where /oversight next is used: right-click the channel → Copy Channel ID",
  OVERSIGHT_EXPERIMENTS:
    'optional, comma-separated experiment ids to serve (default: every experiment in the database)',
  DISCORD_API_URL: 'optional, only for tests: a local fake of Discord (http://127.0.0.1:PORT/api)',
  OVERSIGHT_SERVE: 'optional, "off" to leave model and simulated turns to a separate `oversight serve`',
  OVERSIGHT_LEASE_SECONDS:
    'optional, how long a trial stays claimed by this process without renewal (default 30; after a crash, others wait this long)',
  OVERSIGHT_ACTIVE_MINUTES:
    'optional, how long after their last move a person gets no "your turn" DM (default 10)',
};

const EnvSchema = z.object({
  DISCORD_TOKEN: z.string().min(20, 'a bot token is longer than that'),
  DISCORD_APPLICATION_ID: snowflake,
  DISCORD_GUILD_ID: snowflake.optional(),
  DISCORD_CHANNEL_ID: snowflake.optional(),
  OVERSIGHT_EXPERIMENTS: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : null,
    ),
  DISCORD_API_URL: z
    .string()
    .url()
    .optional()
    .refine((v) => !v || /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(v), {
      message: 'only a loopback address (a local fake of Discord) may replace the real API',
    }),
  OVERSIGHT_SERVE: ServeSwitchSchema,
  OVERSIGHT_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How long after their last move a person counts as at the trial (no "your turn" DM), in minutes. */
  OVERSIGHT_ACTIVE_MINUTES: z.coerce.number().min(0).default(10),
});

export type BotEnv = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  override name = 'EnvError';
}

/** The validated settings, or an EnvError listing every problem with where to get the value. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): BotEnv {
  const picked = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((key) => [key, source[key] === '' ? undefined : source[key]]),
  );
  const parsed = EnvSchema.safeParse(picked);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0]);
    const problem =
      source[key] === undefined || source[key] === '' ? 'is not set' : `is not valid (${issue.message})`;
    return `  ${key} ${problem}: ${HELP[key] ?? ''}`;
  });
  throw new EnvError(`The Discord bot cannot start:\n${lines.join('\n')}`);
}
