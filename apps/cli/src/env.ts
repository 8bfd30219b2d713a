import { z } from 'zod';

/** The environment, read once and validated. Secrets (API keys) are read by @oversight/llm where used, never here. */
const EnvSchema = z.object({
  OVERSIGHT_DATA_DIR: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  /** pnpm sets INIT_CWD to where the user typed the command; relative paths resolve from there. */
  INIT_CWD: z.string().optional(),
  CI: z.string().optional(),
  /** `off`: the short-look commands start the database as every other does (for the start-up benchmark's comparison). */
  OVERSIGHT_LIGHT: z.enum(['on', 'off']).optional(),
});

export const env = EnvSchema.parse(process.env);

/** The directory the user invoked the command from. */
export const userCwd = env.INIT_CWD ?? process.cwd();
