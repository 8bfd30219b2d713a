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
  /** When the arguers are people: names of pools under `arguers` they come from (all when omitted). */
  arguerPools: z.array(z.string()).optional(),
});
export type Arm = z.infer<typeof ArmSchema>;

/** Any platform's user id or a chosen name: no blanks, no control characters. */
const identityId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s\p{Cc}]+$/u, 'an id may not contain spaces or control characters');

/**
 * A pool of participants. Automatic participants (simulated, models) give a `count` of anonymous
 * members or named `ids`, and are assigned to trials when the experiment is planned. A pool of
 * people (`participant.kind: "human"`) is filled by people joining from a chat app or the terminal:
 * `ids` then lists who may join (platform user ids or terminal names; anyone when omitted) and
 * `count` caps how many may; a person gets a seat when they ask for work.
 */
export const PoolSchema = z
  .strictObject({
    name: slug.default('judges'),
    /** Either a number of anonymous members ... */
    count: z.number().int().min(1).max(100000).optional(),
    /** ... or named ones (for people: who may join). */
    ids: z.array(identityId).min(1).optional(),
    participant: ParticipantSpecSchema.default(SimulatedJudgeSpecSchema.parse({ kind: 'simulated-judge' })),
  })
  .superRefine((p, ctx) => {
    if (p.count !== undefined && p.ids !== undefined)
      ctx.addIssue({ code: 'custom', message: 'give a pool either "count" or "ids", not both' });
    if (p.participant.kind !== 'human' && p.count === undefined && p.ids === undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'give a pool of simulated or model participants either "count" or "ids"',
      });
  });
export type Pool = z.infer<typeof PoolSchema>;
/** Judge pools are pools; the name stays for readers of configs. */
export const JudgePoolSchema = PoolSchema;
export type JudgePool = Pool;

export function isHumanPool(pool: Pool): boolean {
  return pool.participant.kind === 'human';
}

export const ConsentSchema = z.strictObject({
  /** Shown to a person before they join; their acceptance is recorded with its time. */
  text: z.string().min(1),
  /** Recorded with each acceptance, so a changed text can be told apart. */
  version: z.string().default('1'),
});

/**
 * Practice before real trials, as published studies screened their judges: a person judges
 * `trials` trials of the practice arm and qualifies with at least `minCorrect` correct. Practice
 * trials are kept apart from the results (no Judgment rows).
 */
export const QualificationSchema = z.strictObject({
  arm: slug,
  trials: z.number().int().min(1).max(100),
  minCorrect: z.number().int().min(0),
});
export type Qualification = z.infer<typeof QualificationSchema>;

/** A question of the feedback survey people answer after a verdict (chat apps show at most five). */
export const SurveyQuestionSchema = z.strictObject({
  id: slug,
  question: z.string().min(1).max(300),
  /** `scale`: 1 (not at all) to 5 (very much); `choice`: one of `options`; `text`: free text. */
  kind: z.enum(['scale', 'choice', 'text']).default('scale'),
  options: z.array(z.string().min(1).max(100)).min(2).max(25).optional(),
});
export type SurveyQuestion = z.infer<typeof SurveyQuestionSchema>;

/** How the chat apps run the experiment. Who is an admin is said by platform roles, never by ids in data. */
export const ChatConfigSchema = z.strictObject({
  admins: z
    .strictObject({
      /** Discord role names (or ids) whose members may use the admin commands. */
      discordRoles: z.array(z.string().min(1)).optional(),
      /** Slack user ids, and user group handles or ids, who may use the admin commands. */
      slackUsers: z.array(z.string().min(1)).optional(),
      slackUserGroups: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  /** A reminder when a person has not taken a turn for this long (default 60 minutes). */
  reminderMinutes: z.number().int().min(1).max(10080).optional(),
  /** Discord: the channel (id) in which private trial threads are opened. */
  discordChannel: z.string().min(1).optional(),
  /** Slack: the channel (id) in which trial threads live; in the person's DM with the app when omitted. */
  slackChannel: z.string().min(1).optional(),
});
export type ChatConfig = z.infer<typeof ChatConfigSchema>;

/**
 * What `oversight export --format sft|preference` may put in training data. Text people wrote (a
 * human arguer's speeches, a human judge's questions in the transcripts models read) is left out
 * unless the experiment says its participants agreed to that; people appear only under pseudonyms.
 */
export const ExportConfigSchema = z.strictObject({
  includeHumanText: z.boolean().default(false),
});
export type ExportConfig = z.infer<typeof ExportConfigSchema>;

export const DatasetRefSchema = z.union([
  z.strictObject({ bundled: z.literal('nyu-2023-quality') }),
  z.strictObject({
    /** A JSONL or CSV file in the generic question format, relative to the config file. */
    path: z.string().min(1),
    name: slug.optional(),
  }),
  /** Questions already in the database under this dataset name (`oversight import <file>`). */
  z.strictObject({ name: slug }),
]);

/**
 * A config names which environment variable's value is sent, as a bearer token, to the host it names;
 * anyone's config can be run, so only variables meant as model API keys may be named (`*_API_KEY`),
 * and never the project's own secrets (a chat app's token, the database's password).
 */
const OWN_SECRET_PREFIXES = ['OVERSIGHT_', 'DISCORD_', 'SLACK_', 'DATABASE_', 'PG'];

/** Why `name` may not be an endpoint's apiKeyEnv, or null when it may. */
export function apiKeyEnvProblem(name: string): string | null {
  const own = OWN_SECRET_PREFIXES.find((prefix) => name.toUpperCase().startsWith(prefix));
  if (own)
    return `"${name}" is one of the project's own settings (${own}…), which are never sent to a model endpoint; name a variable of its own for this endpoint's key, ending in _API_KEY (such as OPENAI_API_KEY)`;
  if (!/^[A-Z][A-Z0-9_]*_API_KEY$/.test(name))
    return `"${name}" is not a model API key's variable: only names ending in _API_KEY (capitals, digits, _; such as OPENAI_API_KEY or VLLM_API_KEY) may be named, so that a config cannot send another secret from the environment to the host it names`;
  return null;
}

export const ApiKeyEnvSchema = z.string().superRefine((name, ctx) => {
  const problem = apiKeyEnvProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const LlmEndpointSchema = z.strictObject({
  baseURL: z.string().url(),
  /** Name of the environment variable holding the API key; the key itself never goes in a config. */
  apiKeyEnv: ApiKeyEnvSchema.default('OPENAI_API_KEY'),
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
    /** Pools of people who argue (debaters, consultants, assistants) in arms whose arguer is `human`. */
    arguers: z.array(PoolSchema).optional(),
    arms: z.array(ArmSchema).min(1, 'an experiment needs at least one arm'),
    consent: ConsentSchema.optional(),
    qualification: QualificationSchema.optional(),
    survey: z.array(SurveyQuestionSchema).max(5).optional(),
    chat: ChatConfigSchema.optional(),
    reward: RewardConfigSchema.default(RewardConfigSchema.parse({})),
    /** Trials driven at once by `oversight run`. */
    concurrency: z.number().int().min(1).max(4096).default(32),
    llm: LlmConfigSchema.default(LlmConfigSchema.parse({})),
    /** No parsed default, so configs stored before it existed keep their hash. */
    export: ExportConfigSchema.optional(),
  })
  .superRefine((config, ctx) => {
    const judgePools = new Map(config.judges.map((p) => [p.name, p]));
    const arguerPools = new Map((config.arguers ?? []).map((p) => [p.name, p]));
    const seen = new Set<string>();
    config.arms.forEach((arm, i) => {
      if (seen.has(arm.name))
        ctx.addIssue({
          code: 'custom',
          path: ['arms', i, 'name'],
          message: `arm name "${arm.name}" is used twice; arm names must be unique`,
        });
      seen.add(arm.name);
      arm.judgePools?.forEach((pool, j) => {
        if (!judgePools.has(pool))
          ctx.addIssue({
            code: 'custom',
            path: ['arms', i, 'judgePools', j],
            message: `no judge pool named "${pool}"; define it under "judges"`,
          });
      });
      const kinds = new Set(
        (arm.judgePools ?? [...judgePools.keys()]).map(
          (name) => judgePools.get(name)?.participant.kind === 'human',
        ),
      );
      if (kinds.size > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['arms', i, 'judgePools'],
          message:
            'an arm draws its judges either from pools of people or from pools of simulated/model judges, not both; list one kind in "judgePools"',
        });
      arm.arguerPools?.forEach((pool, j) => {
        if (!arguerPools.has(pool))
          ctx.addIssue({
            code: 'custom',
            path: ['arms', i, 'arguerPools', j],
            message: `no arguer pool named "${pool}"; define it under "arguers"`,
          });
      });
    });
    checkUnique(config.judges, 'judges', ctx);
    checkUnique(config.arguers ?? [], 'arguers', ctx);
    config.arguers?.forEach((pool, i) => {
      if (pool.participant.kind !== 'human')
        ctx.addIssue({
          code: 'custom',
          path: ['arguers', i, 'participant'],
          message:
            'pools under "arguers" are for people; give a model or simulated arguer as the arm\'s "arguer"',
        });
      if (judgePools.has(pool.name))
        ctx.addIssue({
          code: 'custom',
          path: ['arguers', i, 'name'],
          message: `"${pool.name}" is also a judge pool; pool names must be unique`,
        });
    });
    config.survey?.forEach((question, i) => {
      if (question.kind === 'choice' && !question.options)
        ctx.addIssue({
          code: 'custom',
          path: ['survey', i, 'options'],
          message: 'a choice question needs "options"',
        });
    });
    const q = config.qualification;
    if (q) {
      const arm = config.arms.find((a) => a.name === q.arm);
      if (!arm)
        ctx.addIssue({
          code: 'custom',
          path: ['qualification', 'arm'],
          message: `no arm named "${q.arm}"; name the practice arm`,
        });
      if (q.minCorrect > q.trials)
        ctx.addIssue({
          code: 'custom',
          path: ['qualification', 'minCorrect'],
          message: `minCorrect (${q.minCorrect}) is more than the ${q.trials} practice trials`,
        });
    }
  });

function checkUnique(pools: readonly Pool[], key: string, ctx: z.RefinementCtx): void {
  const names = new Set<string>();
  pools.forEach((pool, i) => {
    if (names.has(pool.name))
      ctx.addIssue({
        code: 'custom',
        path: [key, i, 'name'],
        message: `pool name "${pool.name}" is used twice`,
      });
    names.add(pool.name);
  });
}
export type ExperimentConfig = z.infer<typeof ExperimentConfigSchema>;
export type ExperimentConfigInput = z.input<typeof ExperimentConfigSchema>;

export { SimulatedArguerSpecSchema };
