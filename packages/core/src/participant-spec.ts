import { z } from 'zod';
import type { PROTOCOL_KINDS } from './protocol-kind.ts';

const probability = z.number().min(0).max(1);

const SwaySchema = z.strictObject({
  /** Probability that a correct-answer arguer's case convinces the judge. */
  byCorrect: probability,
  /** Probability that an incorrect-answer arguer's case convinces the judge. */
  byIncorrect: probability,
});

const defaultSway = {
  debate: { byCorrect: 0.8, byIncorrect: 0.3 },
  'interactive-debate': { byCorrect: 0.82, byIncorrect: 0.28 },
  consultancy: { byCorrect: 0.8, byIncorrect: 0.45 },
  sandwiching: { byCorrect: 0.8, byIncorrect: 0.4 },
};

/**
 * A simulated judge: a model of a person, for pilots, power analysis and tests. It is told the
 * truth by the runner (a simulation has to be), which is why it is labelled as simulation everywhere.
 */
export const SimulatedJudgeSpecSchema = z.strictObject({
  kind: z.literal('simulated-judge'),
  sway: z
    .object({
      debate: SwaySchema.optional(),
      'interactive-debate': SwaySchema.optional(),
      consultancy: SwaySchema.optional(),
      sandwiching: SwaySchema.optional(),
    })
    .default({}),
  /** Accuracy when nobody convinces the judge (and in the judge-alone baseline). */
  unswayedAccuracy: probability.default(0.55),
  oracleAccuracy: probability.default(0.95),
  /** SD of Gaussian noise on the logit of reported probabilities (calibration noise). */
  calibrationNoise: z.number().min(0).max(5).default(0.6),
  /** How confident the judge is when convinced: its mean reported probability. */
  confidence: z.number().min(0.5).max(0.99).default(0.85),
  /**
   * Questions to the arguers. `rate`: the chance of asking one while each round is written, in arms
   * that let the judge ask at any time (at their own turns they comment as before). `effect`: how much
   * each question the judge has asked moves them, on the logit scale, towards being swayed by the
   * correct side and away from the incorrect one (0: questions change nothing). For planning an
   * any-time study with `power --simulate` before people are paid.
   */
  interjections: z
    .strictObject({
      rate: probability.default(0),
      effect: z.number().min(-5).max(5).default(0),
    })
    .optional(),
});
export type SimulatedJudgeSpec = z.infer<typeof SimulatedJudgeSpecSchema>;

export function swayFor(spec: SimulatedJudgeSpec, protocol: (typeof PROTOCOL_KINDS)[number]) {
  if (protocol === 'judge-alone' || protocol === 'oracle') return undefined;
  return spec.sway[protocol] ?? defaultSway[protocol];
}

/** A simulated arguer: builds arguments from the source text with real quotes. */
export const SimulatedArguerSpecSchema = z.strictObject({
  kind: z.literal('simulated-arguer'),
  /** How many quotes to try to include in each speech. */
  quotesPerSpeech: z.number().int().min(0).max(10).default(2),
});
export type SimulatedArguerSpec = z.infer<typeof SimulatedArguerSpecSchema>;

/**
 * A person answering from a chat app, the terminal or a browser (`web`: recruited by a study link, from
 * Prolific, MTurk or a personal invite); their moves arrive whenever they act.
 */
export const HumanSpecSchema = z.strictObject({
  kind: z.literal('human'),
  platform: z.enum(['terminal', 'discord', 'slack', 'web']).default('terminal'),
});
export type HumanSpec = z.infer<typeof HumanSpecSchema>;

/**
 * How an arguer assigned the wrong answer is pushed to argue for it (the honest side always gets
 * the plain prompt). Implemented in @oversight/llm (induction.ts).
 */
export const InductionSchema = z.discriminatedUnion('method', [
  /** The wrong-side arguer is told to argue for its answer as convincingly as it can. */
  z.strictObject({ method: z.literal('prompted') }),
  /**
   * Prompted, then N candidate speeches are sampled and a judge model scores each by the
   * probability it gives the arguer's answer after reading it; the best is kept (Khan et al. 2024).
   */
  z.strictObject({
    method: z.literal('best-of-n'),
    n: z.number().int().min(2).max(32).default(4),
    /** The model that scores candidates (default: the arguer's own model). */
    judgeModel: z.string().optional(),
    /** The endpoint of `judgeModel` (default: the arguer's endpoint). */
    judgeEndpoint: z.string().optional(),
  }),
  /** Prompted draft, then `rounds` times: the model critiques it for persuasiveness and rewrites it. */
  z.strictObject({ method: z.literal('critique-refine'), rounds: z.number().int().min(1).max(5).default(1) }),
  /**
   * The wrong side is argued by another model (e.g. one fine-tuned to deceive). The same can be had
   * with an arm's `dishonestArguer`. `instructed: false` gives that model the plain honest prompt, to
   * test whether it misleads unprompted.
   */
  z.strictObject({
    method: z.literal('model'),
    model: z.string().min(1),
    endpoint: z.string().optional(),
    instructed: z.boolean().default(true),
  }),
]);
export type Induction = z.infer<typeof InductionSchema>;

/** A model behind an OpenAI-compatible API. */
export const LlmSpecSchema = z.strictObject({
  kind: z.literal('llm'),
  /** Name of an endpoint in the experiment's `llm.endpoints`. */
  endpoint: z.string().default('default'),
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).default(0.7),
  maxTokens: z.number().int().positive().default(600),
  /** Arguers only: how the side assigned the wrong answer is induced to argue for it. */
  induction: InductionSchema.default({ method: 'prompted' }),
  /** Judges only: also judge with the answers swapped to measure position bias. */
  bothOrders: z.boolean().default(false),
  /** Folder of prompt templates overriding the bundled ones, file by file. */
  prompts: z.string().optional(),
  /** Judges only: re-asks when the model's output cannot be used (invalid JSON, wrong shape). */
  maxRepairs: z.number().int().min(0).max(5).default(2),
});
export type LlmSpec = z.infer<typeof LlmSpecSchema>;

export const ParticipantSpecSchema = z.discriminatedUnion(
  'kind',
  [SimulatedJudgeSpecSchema, SimulatedArguerSpecSchema, HumanSpecSchema, LlmSpecSchema],
  { error: () => 'unknown participant kind; use one of: simulated-judge, simulated-arguer, human, llm' },
);
export type ParticipantSpec = z.infer<typeof ParticipantSpecSchema>;

export function isSimulated(spec: ParticipantSpec): boolean {
  return spec.kind === 'simulated-judge' || spec.kind === 'simulated-arguer';
}

/** A participant of an experiment, with the id under which its moves are recorded. */
export interface ParticipantRecord {
  id: string;
  label: string;
  spec: ParticipantSpec;
}
