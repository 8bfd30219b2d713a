import {
  type ExperimentConfig,
  type ExperimentConfigInput,
  ExperimentConfigSchema,
  type Question,
  type TrialEvent,
} from '@oversight/core';
import {
  type DriveOutcome,
  driveTrial,
  type ExperimentPlan,
  MemoryTrialStore,
  participantDirectory,
  planExperiment,
  runPool,
} from '@oversight/runner';
import type { ChatRequest } from '@oversight/testkit';
import { type LlmParticipantOptions, llmParticipantFactory } from '../src/index.ts';
import type { LlmStore } from '../src/store.ts';

const STORIES = [
  [
    'The rocket stood on the plain for forty days before anyone dared to approach it.',
    'Captain Mara Voss had ordered the crew to wait until the engines cooled completely.',
    'When the hatch finally opened, a smell of burnt sugar rolled across the camp.',
    'Nobody aboard had survived, but the logbook was intact and written in a steady hand.',
    'It said the navigator had changed course to avoid a storm that never came.',
    'The storm had been a fault in the instruments, a ghost that the old sensors kept seeing.',
  ],
  [
    'Old Tobias kept the lighthouse on Gannet Rock for thirty years without a single wreck.',
    'Every evening he climbed the hundred and twelve steps with a can of whale oil.',
    'In the winter of the great frost the oil froze solid in the cellar.',
    'He burned the furniture of the keeper’s cottage, one chair at a time, to keep the lamp alive.',
    'By spring the cottage was empty, but the supply ship found the light still burning.',
    'The inspectors gave him a new stove and a medal he never wore.',
  ],
  [
    'The colony on Vesta traded water ice for seeds with the freighters from Earth.',
    'Inez Carrow, the botanist, noticed that the beans from the last shipment would not sprout.',
    'She suspected the seeds had been irradiated to protect a patent held by the shipping company.',
    'Her greenhouse logs showed that only the seeds she had saved herself grew that season.',
    'The council voted to stop buying seeds and to build a seed vault under the north dome.',
    'Within two years the colony grew more food than it could eat.',
  ],
  [
    'Professor Hale built a machine that could translate the songs of whales.',
    'The first message it decoded was a warning about the noise of the ships.',
    'The navy insisted the machine was broken and confiscated it for study.',
    'Hale rebuilt it from memory in his garage using parts of an old radio.',
    'The second message was a request to move the shipping lanes further north.',
    'Nobody believed him until the whales stopped singing altogether one summer.',
  ],
];

const QUESTIONS: Array<Omit<Question, 'source' | 'storyId' | 'metadata'> & { story: number }> = [
  {
    id: 'q1',
    story: 0,
    storyTitle: 'The Quiet Rocket',
    question: 'Why did the navigator change course?',
    answers: ['To avoid a storm that never came', 'To reach the plain sooner'],
    correctIndex: 0,
  },
  {
    id: 'q2',
    story: 1,
    storyTitle: 'Gannet Rock',
    question: 'How did Tobias keep the lamp burning in the great frost?',
    answers: ['He burned the furniture of the cottage', 'The supply ship brought fresh oil'],
    correctIndex: 0,
  },
  {
    id: 'q3',
    story: 2,
    storyTitle: 'Seeds of Vesta',
    question: 'Why did the colony stop buying seeds?',
    answers: ['The freighters stopped coming', 'The shipped seeds would not sprout'],
    correctIndex: 1,
  },
  {
    id: 'q4',
    story: 3,
    storyTitle: 'Whale Song',
    question: 'What did the second message ask for?',
    answers: ['A new translation machine', 'Moving the shipping lanes north'],
    correctIndex: 1,
  },
];

export function storyText(i: number): string {
  return STORIES[i]!.join(' ');
}

export const questions: Question[] = QUESTIONS.map(({ story, ...q }) => ({
  ...q,
  storyId: `s${story + 1}`,
  source: storyText(story),
  metadata: {},
}));

export function experiment(
  input: Omit<ExperimentConfigInput, 'seed' | 'name'> & { name?: string; seed?: string },
): ExperimentConfig {
  return ExperimentConfigSchema.parse({ name: 'llm-test', seed: 'llm-test-seed', ...input });
}

export interface Run {
  plan: ExperimentPlan;
  trials: MemoryTrialStore;
  outcomes: Map<string, DriveOutcome>;
  logs(): Map<string, TrialEvent[]>;
}

/** Plans the experiment in memory and drives every trial with `concurrency` at once. */
export async function runExperiment(
  config: ExperimentConfig,
  options: { store: LlmStore; concurrency?: number } & Partial<Omit<LlmParticipantOptions, 'store'>>,
): Promise<Run> {
  const plan = planExperiment(config, questions);
  const trials = new MemoryTrialStore();
  for (const t of plan.trials) trials.create([t.created]);
  const { concurrency, ...rest } = options;
  const factory = llmParticipantFactory({
    config: config.llm,
    experimentId: plan.experimentId,
    retry: { baseDelayMs: 5, maxDelayMs: 40 },
    // Hermetic: OVERSIGHT_LLM_CACHE or API keys in the caller's environment do not change the tests.
    env: {},
    ...rest,
  });
  const participant = participantDirectory(plan, { llm: factory });
  const byId = new Map(questions.map((q) => [q.id, q]));
  const outcomes = new Map<string, DriveOutcome>();
  async function* ids() {
    for (const t of plan.trials) yield t.created.trialId;
  }
  await runPool(ids(), concurrency ?? 8, async (trialId) => {
    const outcome = await driveTrial(trialId, {
      store: trials,
      questions: (created) => byId.get(created.questionId)!,
      participant,
      reward: config.reward,
    });
    outcomes.set(trialId, outcome);
  });
  return { plan, trials, outcomes, logs: () => trials.logs };
}

/** Everything a request says, as one text (to search prompts in the fake server's log). */
export const promptOf = (request: ChatRequest) =>
  request.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');

/** Judge requests are the ones asking for structured output. */
export const isJudge = (request: ChatRequest) => request.response_format?.type === 'json_schema';
