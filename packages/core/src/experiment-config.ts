import { z } from 'zod';
import {
  ParticipantSpecSchema,
  SimulatedArguerSpecSchema,
  SimulatedJudgeSpecSchema,
} from './participant-spec.ts';
import { ProtocolKindSchema } from './protocol-kind.ts';

const slug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    'use lower-case letters, digits, ".", "_" or "-" (it becomes part of ids)',
  );

export const RewardConfigSchema = z.strictObject({
  logBase: z.number().positive().default(2),
  coefficient: z.number().default(1),
  constant: z.number().default(0),
  /** Subtracted for every round the judge chose to continue (NYU 2023: 0.05). */
  perRoundPenalty: z.number().min(0).default(0.05),
  /**
   * p(correct) is clamped below at this before the log (default 0.01, as NYU 2023). Optional with no
   * parsed default, so configs stored before it existed keep their hash.
   */
  probabilityFloor: z.number().gt(0).lt(1).optional(),
});
export type RewardConfig = z.infer<typeof RewardConfigSchema>;

/** The rules of one arm: which protocol, how long, what the judge may do. */
export const ArmRulesSchema = z.strictObject({
  protocol: ProtocolKindSchema,
  /** Debate/consultancy: rounds of speeches. Sandwiching: the most assistant replies. */
  rounds: z.number().int().min(1).max(20).default(3),
  /** Debate only: debaters speak in turn, or both at once without seeing each other's speech. */
  speeches: z.enum(['sequential', 'simultaneous']).default('sequential'),
  charLimit: z.number().int().positive().default(1500),
  /** Characters of quoted source text allowed per speech; null for no limit. */
  quoteLimit: z.number().int().nonnegative().nullable().default(500),
  judgeMayEndEarly: z.boolean().default(true),
  /** Ask the judge for a probability per answer after every round (always asked at the end). */
  beliefsEachRound: z.boolean().default(true),
});
export type ArmRules = z.infer<typeof ArmRulesSchema>;

export const ArmSchema = ArmRulesSchema.extend({
  name: slug,
  /** Trials per question in this arm; even numbers balance honest/dishonest and answer order. */
  trialsPerQuestion: z.number().int().min(1).max(1000).default(2),
  /** The arguer(s): debaters, consultant or assistant. */
  arguer: ParticipantSpecSchema.default({ kind: 'simulated-arguer', quotesPerSpeech: 2 }),
  /** Overrides `arguer` for the side assigned a wrong answer (e.g. a model fine-tuned to deceive). */
  dishonestArguer: ParticipantSpecSchema.optional(),
  /** Names of judge pools (see `judges`) this arm draws from; all pools when omitted. */
  judgePools: z.array(z.string()).optional(),
});
export type Arm = z.infer<typeof ArmSchema>;

export const JudgePoolSchema = z
  .strictObject({
    name: slug.default('judges'),
    /** Either a number of anonymous judges ... */
    count: z.number().int().min(1).max(100000).optional(),
    /** ... or named judges (e.g. Discord users, terminal users). */
    ids: z.array(slug).min(1).optional(),
    participant: ParticipantSpecSchema.default(SimulatedJudgeSpecSchema.parse({ kind: 'simulated-judge' })),
  })
  .refine((p) => (p.count === undefined) !== (p.ids === undefined), {
    message: 'give a judge pool either "count" or "ids", not both',
  });
export type JudgePool = z.infer<typeof JudgePoolSchema>;

export const DatasetRefSchema = z.union([
  z.strictObject({ bundled: z.literal('nyu-2023-quality') }),
  z.strictObject({
    /** A JSONL or CSV file in the generic question format, relative to the config file. */
    path: z.string().min(1),
    name: slug.optional(),
  }),
]);

export const LlmEndpointSchema = z.strictObject({
  baseURL: z.string().url(),
  /** Name of the environment variable holding the API key; the key itself never goes in a config. */
  apiKeyEnv: z.string().default('OPENAI_API_KEY'),
  maxConcurrent: z.number().int().min(1).max(4096).default(16),
  tokensPerMinute: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().default(60000),
  maxRetries: z.number().int().min(0).max(20).default(5),
});

export const LlmConfigSchema = z.strictObject({
  endpoints: z.record(z.string(), LlmEndpointSchema).default({}),
  /** USD per million tokens, by model name. */
  prices: z
    .record(z.string(), z.strictObject({ input: z.number().min(0), output: z.number().min(0) }))
    .default({}),
  cache: z.boolean().default(true),
});
export type LlmConfig = z.infer<typeof LlmConfigSchema>;

export const ExperimentConfigSchema = z
  .strictObject({
    name: slug,
    description: z.string().default(''),
    seed: z.union([z.string(), z.number()]).transform(String),
    dataset: DatasetRefSchema.default({ bundled: 'nyu-2023-quality' }),
    questions: z
      .object({
        limit: z.number().int().positive().optional(),
        ids: z.array(z.string()).optional(),
      })
      .default({}),
    judges: z
      .array(JudgePoolSchema)
      .min(1)
      // prefault, not default: the default goes through the schema, so the judge spec gets its defaults.
      .prefault([{ name: 'judges', count: 20 }]),
    arms: z.array(ArmSchema).min(1, 'an experiment needs at least one arm'),
    reward: RewardConfigSchema.default(RewardConfigSchema.parse({})),
    /** Trials driven at once by `oversight run`. */
    concurrency: z.number().int().min(1).max(4096).default(32),
    llm: LlmConfigSchema.default(LlmConfigSchema.parse({})),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.arms.forEach((arm, i) => {
      if (seen.has(arm.name))
        ctx.addIssue({
          code: 'custom',
          path: ['arms', i, 'name'],
          message: `arm name "${arm.name}" is used twice; arm names must be unique`,
        });
      seen.add(arm.name);
      const poolNames = new Set(config.judges.map((p) => p.name));
      arm.judgePools?.forEach((pool, j) => {
        if (!poolNames.has(pool))
          ctx.addIssue({
            code: 'custom',
            path: ['arms', i, 'judgePools', j],
            message: `no judge pool named "${pool}"; define it under "judges"`,
          });
      });
    });
    const pools = new Set<string>();
    config.judges.forEach((pool, i) => {
      if (pools.has(pool.name))
        ctx.addIssue({
          code: 'custom',
          path: ['judges', i, 'name'],
          message: `judge pool name "${pool.name}" is used twice`,
        });
      pools.add(pool.name);
    });
  });
export type ExperimentConfig = z.infer<typeof ExperimentConfigSchema>;
export type ExperimentConfigInput = z.input<typeof ExperimentConfigSchema>;

export { SimulatedArguerSpecSchema };
