import { z } from 'zod';
import {
  ParticipantSpecSchema,
  SimulatedArguerSpecSchema,
  SimulatedJudgeSpecSchema,
} from './participant-spec.ts';
import { PaymentRuleSchema, paymentRuleIssues } from './payment.ts';
import { ProtocolKindSchema } from './protocol-kind.ts';
import { QualityControlSchema, qualityControlIssues } from './quality.ts';

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
  /**
   * Model and simulated arguers: the judge's next turn opens no sooner than this many seconds after
   * the round's speeches were asked for, however fast they came. A round's speeches always reach the
   * judge together; this also hides how long the round took, which in consultancy and sandwiching
   * says who is honest when the two sides do different work (a best-of-N or critique-refine lie takes
   * several calls, the truth one). Set it above the slowest round (a pilot's report prints the waits in
   * its design audit); a round that overruns it is released when ready, and the audit counts those.
   */
  paceSeconds: z.number().int().min(1).max(3600).optional(),
  /**
   * When the judge may address the arguers (debate, interactive debate, consultancy): "between-rounds",
   * at their own turns where the protocol lets them (consultancy, interactive debate); "any-time", also
   * while a round's speeches are being written. An any-time question is answered by every arguer's next
   * speech: those of the round being written never see it (the same rule for both sides, and nothing
   * for the judge to time). Absent: between rounds.
   */
  interjections: z.enum(['between-rounds', 'any-time']).optional(),
  /** At most this many questions or comments per trial, of either kind (absent: no limit). */
  maxInterjections: z.number().int().min(0).max(100).optional(),
  /** Subtracted from the judge's reward for each question or comment, as perRoundPenalty is per continue. */
  interjectionPenalty: z.number().min(0).max(10).optional(),
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
  /**
   * Offline judging: the arm's transcripts are another experiment's finished trials (its `arms`, all
   * of them when omitted), judged again by this arm's judges, `judgesPerTranscript` each (different
   * people), either the whole transcript at once or stepped round by round with a belief after each
   * (the NYU offline judges' two modes). The arm's `protocol` must be the source trials'; `rounds`,
   * limits and the answer order are the source's (speeches name answers by letter, so the order a
   * transcript was argued in is the order it is judged in), and `trialsPerQuestion` is not used.
   */
  source: z
    .strictObject({
      experiment: z.string().min(1),
      arms: z.array(z.string().min(1)).min(1).optional(),
      mode: z.enum(['whole', 'stepped']).default('whole'),
      judgesPerTranscript: z.number().int().min(1).max(50).default(3),
    })
    .optional(),
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

/** A Discord snowflake: a server, channel, role or user id. */
export const DISCORD_ID = /^\d{17,20}$/;

/**
 * How the chat apps run the experiment. Who is an admin is said by platform roles and users, never by
 * participant ids in data.
 */
export const ChatConfigSchema = z.strictObject({
  admins: z
    .strictObject({
      /**
       * Discord role ids whose members may use the admin commands. Ids only: a role's name can be
       * copied in any server the bot is added to. Kept a plain string here, so a stored config from
       * before ids were required still parses; `discordSetupProblems` (design-warnings.ts) and the
       * Discord bot refuse a name.
       */
      discordRoles: z.array(z.string().min(1)).optional(),
      /** Slack user ids, and user group handles or ids, who may use the admin commands. */
      slackUsers: z.array(z.string().min(1)).optional(),
      slackUserGroups: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  /** A reminder when a person has not taken a turn for this long (default 60 minutes). */
  reminderMinutes: z.number().int().min(1).max(10080).optional(),
  /**
   * Discord: the servers (guild ids) the experiment runs in. The bot registers its command there and
   * takes commands, clicks and forms for this experiment from these servers only. Omitted: the bot's
   * DISCORD_GUILD_ID. No parsed default, so configs stored before it existed keep their hash.
   */
  discordGuilds: z
    .array(
      z
        .string()
        .regex(
          DISCORD_ID,
          'a Discord server id is 17 to 20 digits: turn on Developer Mode (User Settings → Advanced), right-click the server icon → Copy Server ID',
        ),
    )
    .min(1, 'name at least one server, or leave chat.discordGuilds out to use the bot’s DISCORD_GUILD_ID')
    .optional(),
  /** Discord: the channel (id) in which private trial threads are opened (in one of the servers above). */
  discordChannel: z.string().min(1).optional(),
  /**
   * Discord: several channels (ids, in one of the servers above) trial threads are spread over, instead
   * of `discordChannel`. Discord starts only about one thread a second in a channel, so a study where
   * many people ask for trials at once names several (packages/chat/src/spares.ts).
   */
  discordChannels: z.array(z.string().min(1)).min(1).max(50).optional(),
  /**
   * Retired: it put every judge's trial thread, the reveal after the verdict included, in one channel
   * other participants read. Kept in the schema only to refuse it with that reason (see RETIRED); a
   * config stored before keeps working without it (parseStoredConfig).
   */
  slackChannel: z.string().min(1).optional(),
});
export type ChatConfig = z.infer<typeof ChatConfigSchema>;

/** The Discord channels an experiment's trial threads open in: `discordChannels`, and `discordChannel` with them. */
export function discordStudyChannels(chat: ChatConfig | undefined): string[] {
  return [
    ...new Set([...(chat?.discordChannel ? [chat.discordChannel] : []), ...(chat?.discordChannels ?? [])]),
  ];
}

/**
 * What `oversight export --format sft|preference` may put in training data. Text people wrote (a
 * human arguer's speeches, a human judge's questions in the transcripts models read) is left out
 * unless the experiment says its participants agreed to that; people appear only under pseudonyms.
 */
export const ExportConfigSchema = z.strictObject({
  includeHumanText: z.boolean().default(false),
});
export type ExportConfig = z.infer<typeof ExportConfigSchema>;

/**
 * When to stop giving out trials in an arm because its answer is known: the anytime-valid
 * confidence sequence of @oversight/stats (valid however often it is checked) excludes 50% for the
 * arm's win rate (`per: "arm"`), or excludes 0 for the difference between two arms (`per:
 * "comparison"`, both arms stop). Checked by `serve` after each finished trial and when a person
 * asks for work; when it fires, trials nobody has started in that arm are stopped with the reason
 * (their TrialAborted event records why and when), trials in progress finish.
 */
export const StoppingRuleSchema = z.strictObject({
  /** Error rate the sequence guarantees, however often it is looked at. */
  alpha: z.number().gt(0).lt(0.5).default(0.05),
  /** Never stop an arm before it has this many judgments. */
  minJudgments: z.number().int().min(0).default(0),
  /** Stop an arm once it has this many judgments, known or not. */
  maxJudgments: z.number().int().min(1).optional(),
  per: z.enum(['arm', 'comparison']).default('arm'),
  /** per "arm": the arms the rule watches (all when omitted). */
  arms: z.array(slug).optional(),
  /** per "comparison": the pairs of arms it watches (every pair when omitted). */
  comparisons: z.array(z.tuple([slug, slug])).optional(),
});
export type StoppingRule = z.infer<typeof StoppingRuleSchema>;

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
    /**
     * A person judges each story once: across every experiment on the same dataset ("per-dataset",
     * what happens when this is omitted), or only within this experiment ("per-experiment": a story
     * they judged or argued in another experiment on the dataset may be theirs to judge again, e.g.
     * in a planned re-test; warned about at planning). Part of the design. No parsed default, so
     * configs stored before it existed keep their hash.
     */
    eachStoryOnce: z.enum(['per-dataset', 'per-experiment']).optional(),
    /** Stop an arm when its answer is known (anytime-valid); none when omitted. */
    stopping: StoppingRuleSchema.optional(),
    /**
     * How rewards become a bonus on the recruiting platform (see payment.ts); pre-registered, shown to
     * people with their running reward. No parsed default, so configs stored before it keep their hash.
     */
    payment: PaymentRuleSchema.optional(),
    /** Catch trials, attention checks, turn rules and exclusion rules (see quality.ts). */
    qualityControl: QualityControlSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.payment)
      for (const issue of paymentRuleIssues(config.payment))
        ctx.addIssue({ code: 'custom', path: ['payment', ...issue.path], message: issue.message });
    if (config.qualityControl) {
      for (const issue of qualityControlIssues(
        config.qualityControl,
        config.survey ?? [],
        config.questions.ids,
      ))
        ctx.addIssue({ code: 'custom', path: ['qualityControl', ...issue.path], message: issue.message });
      const rules = config.qualityControl.exclude;
      if (
        config.payment &&
        rules &&
        Object.values(rules).some((r) => r !== undefined) &&
        !config.payment.excludedJudges
      )
        ctx.addIssue({
          code: 'custom',
          path: ['payment', 'excludedJudges'],
          message:
            'qualityControl.exclude may exclude judges: say what they are paid, "base" (the base only) or "nothing", as the consent tells them',
        });
    }
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
      if (arm.source && !['debate', 'interactive-debate', 'consultancy'].includes(arm.protocol))
        ctx.addIssue({
          code: 'custom',
          path: ['arms', i, 'source'],
          message: `offline judging takes debate, interactive-debate or consultancy transcripts, not ${arm.protocol}`,
        });
      if (arm.source && (arm.interjections === 'any-time' || arm.paceSeconds !== undefined))
        ctx.addIssue({
          code: 'custom',
          path: ['arms', i, 'source'],
          message:
            'an offline arm replays finished transcripts: nobody writes while its judges read, so it takes no interjections or pace',
        });
      if (
        (arm.interjections === 'any-time' ||
          arm.maxInterjections !== undefined ||
          arm.interjectionPenalty !== undefined) &&
        !['debate', 'interactive-debate', 'consultancy'].includes(arm.protocol)
      )
        ctx.addIssue({
          code: 'custom',
          path: ['arms', i, 'interjections'],
          message: `${arm.protocol} takes no interjection settings: a judge's questions at any time are for debate, interactive-debate and consultancy`,
        });
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
    // Each question's id names its field in the chat apps' forms: Discord refuses a modal whose
    // components repeat a custom_id, Slack a view whose blocks repeat a block_id, so a repeated id
    // would make the survey impossible to open on both. A repeated option could not be told apart.
    const surveyIds = new Set<string>();
    config.survey?.forEach((question, i) => {
      if (surveyIds.has(question.id))
        ctx.addIssue({
          code: 'custom',
          path: ['survey', i, 'id'],
          message: `"${question.id}" is the id of an earlier survey question; each question needs its own id`,
        });
      surveyIds.add(question.id);
      if (question.kind === 'choice' && !question.options)
        ctx.addIssue({
          code: 'custom',
          path: ['survey', i, 'options'],
          message: 'a choice question needs "options"',
        });
      const seen = new Set<string>();
      question.options?.forEach((option, k) => {
        if (seen.has(option))
          ctx.addIssue({
            code: 'custom',
            path: ['survey', i, 'options', k],
            message: `"${option}" is listed twice; each option must differ`,
          });
        seen.add(option);
      });
    });
    for (const retired of RETIRED)
      if (retired.present(config))
        ctx.addIssue({ code: 'custom', path: retired.path, message: retired.message });
    const stopping = config.stopping;
    if (stopping) {
      const arms = new Set(config.arms.map((a) => a.name));
      stopping.arms?.forEach((arm, i) => {
        if (!arms.has(arm))
          ctx.addIssue({
            code: 'custom',
            path: ['stopping', 'arms', i],
            message: `no arm named "${arm}"; the stopping rule can watch ${[...arms].join(', ')}`,
          });
      });
      stopping.comparisons?.forEach((pair, i) => {
        pair.forEach((arm, j) => {
          if (!arms.has(arm))
            ctx.addIssue({
              code: 'custom',
              path: ['stopping', 'comparisons', i, j],
              message: `no arm named "${arm}"; compare two of ${[...arms].join(', ')}`,
            });
        });
        if (pair[0] === pair[1])
          ctx.addIssue({
            code: 'custom',
            path: ['stopping', 'comparisons', i],
            message: `a comparison needs two different arms, not "${pair[0]}" twice`,
          });
      });
      if (stopping.maxJudgments !== undefined && stopping.maxJudgments < stopping.minJudgments)
        ctx.addIssue({
          code: 'custom',
          path: ['stopping', 'maxJudgments'],
          message: `maxJudgments (${stopping.maxJudgments}) is below minJudgments (${stopping.minJudgments})`,
        });
      if (stopping.per === 'arm' && stopping.comparisons)
        ctx.addIssue({
          code: 'custom',
          path: ['stopping', 'comparisons'],
          message: 'comparisons apply with "per": "comparison"; drop them or set "per": "comparison"',
        });
      if (stopping.per === 'comparison' && config.arms.length < 2)
        ctx.addIssue({
          code: 'custom',
          path: ['stopping', 'per'],
          message: 'a stopping rule per comparison needs at least two arms; use "per": "arm"',
        });
    }
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

/**
 * Settings that break blinding, refused in a config with the reason and what to do instead. A config
 * stored before they were retired still parses (parseStoredConfig drops them), so its experiment goes
 * on, with the apps no longer honouring them.
 */
const RETIRED: ReadonlyArray<{
  path: string[];
  present(config: { chat?: { slackChannel?: string | undefined } | undefined }): boolean;
  drop(config: Record<string, unknown>): void;
  message: string;
}> = [
  {
    path: ['chat', 'slackChannel'],
    present: (config) => config.chat?.slackChannel !== undefined,
    drop: (config) => {
      const chat = config.chat as Record<string, unknown> | undefined;
      if (chat) delete chat.slackChannel;
    },
    message:
      "a judge's trial thread, its reveal of the correct answer included, must not be posted where other participants can read it, and a Slack channel is read by everyone in it; remove chat.slackChannel: trials open in each person's DM with the app, which only they can read",
  },
];

/** A config as stored with its experiment, read back: retired settings dropped (see RETIRED). */
export function parseStoredConfig(stored: unknown): ExperimentConfig {
  const copy = structuredClone(stored) as Record<string, unknown>;
  for (const retired of RETIRED) retired.drop(copy);
  return ExperimentConfigSchema.parse(copy);
}

/** A name a new experiment may not use, with the field it is in (as in validation messages). */
export interface NameIssue {
  field: string;
  message: string;
}

/**
 * Names a NEW experiment may not use. Trial ids are `<experiment>.<arm>.<question>.<k>`, so a "."
 * in the experiment's or an arm's name lets two experiments build the same ids ("study.v2" with arm
 * "debate" and "study" with arm "v2.debate" both make "study.v2.debate.<question>.<k>"), and the
 * second would find its trials taken. Not a rule of the schema: stored experiments whose names
 * already have dots are re-read with it (by the chat apps and `serve`) and must still parse; planning
 * applies it to experiments not stored yet.
 */
export function newExperimentNameIssues(config: ExperimentConfig): NameIssue[] {
  const why =
    'trial ids are <experiment>.<arm>.<question>.<k>, so a "." in an experiment or arm name lets two experiments build the same trial ids';
  const instead = (name: string) => `use "-" or "_" instead, e.g. "${name.replaceAll('.', '-')}"`;
  const issues: NameIssue[] = [];
  if (config.name.includes('.'))
    issues.push({
      field: 'name',
      message: `"${config.name}" contains "."; ${why}; ${instead(config.name)}`,
    });
  config.arms.forEach((arm, i) => {
    if (arm.name.includes('.'))
      issues.push({
        field: `arms[${i}].name`,
        message: `"${arm.name}" contains "."; ${why}; ${instead(arm.name)}${
          config.qualification?.arm === arm.name ? ' (and the same in qualification.arm)' : ''
        }`,
      });
  });
  return issues;
}

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
