import { z } from 'zod';

/**
 * The web app's environment, read once. Secrets (OVERSIGHT_WEB_SECRET) are read here and never
 * printed: `describeEnv` names what is set, not its value.
 */
/** "exp-a=C1A2B3,exp-b=XYZ": a code per experiment. */
const codesByExperiment = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const out: Record<string, string> = {};
    for (const part of (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^([a-z0-9][a-z0-9-]*)=([A-Za-z0-9_-]{1,64})$/.exec(part);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not experiment=CODE (letters and digits)` });
        return z.NEVER;
      }
      out[m[1]!] = m[2]!;
    }
    return out;
  });

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Loopback unless told otherwise: put a TLS-terminating proxy in front to reach people. */
  HOST: z.string().default('127.0.0.1'),
  /** The address people reach the app at (for printed links); https there makes cookies Secure. */
  OVERSIGHT_WEB_URL: z.url().optional(),
  /** The deployment secret the study keys, invites and sessions are derived from (16+ characters). */
  OVERSIGHT_WEB_SECRET: z
    .string()
    .min(16, 'must have at least 16 characters (e.g. the output of  openssl rand -base64 32)')
    .optional(),
  /** Completion codes per experiment: "exp-a=C1A2B3,exp-b=XYZ" (default: one derived per experiment). */
  OVERSIGHT_WEB_COMPLETION_CODES: codesByExperiment,
  /**
   * Codes for people a pre-registered rule screened out (failed practice, a screen-out attention
   * check), per experiment like the completion codes: Prolific's screen-out code (default: one derived
   * per experiment, never the completion code).
   */
  OVERSIGHT_WEB_SCREENED_OUT_CODES: codesByExperiment,
  /**
   * Dropouts: a person's seat goes back to the pool when the move they owe has waited this many
   * minutes without a sign of them (a request, or their visible page's heartbeat); 0: never.
   */
  OVERSIGHT_WEB_IDLE_MINUTES: z.coerce
    .number()
    .min(0)
    .max(24 * 60)
    .default(10),
  /** Turns on the researcher's read-only live view at /r (open /r?token=<this> once). */
  OVERSIGHT_WEB_RESEARCHER_TOKEN: z.string().min(16, 'must have at least 16 characters').optional(),
  /** Experiments served, comma-separated (default: every experiment with a pool of web people). */
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
  OVERSIGHT_SERVE: z.enum(['in-process', 'off']).default('in-process'),
  DATABASE_URL: z.string().optional(),
  OVERSIGHT_DATA_DIR: z.string().optional(),
});

export type WebEnv = z.output<typeof EnvSchema>;

export class EnvError extends Error {
  override name = 'EnvError';
}

export function readEnv(source: NodeJS.ProcessEnv = process.env): WebEnv {
  const parsed = EnvSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) =>
    i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
  );
  throw new EnvError(`The web app cannot start:\n  ${lines.join('\n  ')}\nSee apps/web/README.md.`);
}
