import { z } from 'zod';

/** The environment, read once and validated. Secrets (API keys) are read by @oversight/llm where used, never here. */
const EnvSchema = z.object({
  OVERSIGHT_DATA_DIR: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  /** pnpm sets INIT_CWD to where the user typed the command; relative paths resolve from there. */
  INIT_CWD: z.string().optional(),
  CI: z.string().optional(),
  /**
   * `off`: the short-look commands start the database as every other does; `on`: those that start light
   * only on a small database (LIGHT_WHEN_SMALL) start light on any (for the benchmarks' comparisons).
   */
  OVERSIGHT_LIGHT: z.enum(['on', 'off']).optional(),
  /** `1`: `analyze` prints the time of each of its phases on stderr (for the benchmarks). */
  OVERSIGHT_TIMINGS: z.enum(['0', '1']).optional(),
});

export const env = EnvSchema.parse(process.env);

/** The directory the user invoked the command from. */
export const userCwd = env.INIT_CWD ?? process.cwd();
