import {
  type ArguerView,
  type ExperimentConfig,
  inductionOf,
  type JudgeView,
  type LlmConfig,
  type LlmSpec,
  type MoveMeta,
  type ParticipantRecord,
} from '@oversight/core';
import type {
  MoveRequest,
  Participant,
  ParticipantContext,
  ParticipantFactory,
  ParticipantResponse,
} from '@oversight/runner';
import { ChatService } from './chat.ts';
import { composeSpeech, planArguer } from './induction.ts';
import { askJudge, askJudgeBothOrders, type JudgeModel, type JudgeTurn } from './judge.ts';
import { PromptLibrary, promptHash } from './prompts.ts';
import type { RetryPolicy } from './retry.ts';
import type { LlmStore } from './store.ts';

/**
 * Participants backed by models: debaters, consultants and sandwiching assistants (by the view's
 * protocol; honest or not by `view.assignedCorrect`) and judges (role `judge`). One factory shares
 * one set of clients, limits and prompt files between all the participants it makes.
 */

export interface LlmParticipantOptions {
  store: LlmStore;
  config: LlmConfig;
  experimentId: string;
  fetch?: typeof fetch;
  /** Where API keys are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Folder that relative `prompts` folders of specs are resolved against (the config file's folder). */
  baseDir?: string;
  /** Backoff timing; the number of retries is each endpoint's `maxRetries`. */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
}

export interface LlmRuntime {
  chat: ChatService;
  prompts: PromptLibrary;
}

export function createLlmRuntime(options: LlmParticipantOptions): LlmRuntime {
  return {
    chat: new ChatService({
      store: options.store,
      config: options.config,
      experimentId: options.experimentId,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
    }),
    prompts: new PromptLibrary(undefined, options.baseDir),
  };
}

/** Fails at set-up, not mid-run, when an endpoint a spec names is undefined or lacks its key. */
function checkEndpoints(runtime: LlmRuntime, spec: LlmSpec): void {
  runtime.chat.endpoint(spec.endpoint);
  if (spec.induction.method === 'model' && spec.induction.endpoint)
    runtime.chat.endpoint(spec.induction.endpoint);
  if (spec.induction.method === 'best-of-n' && spec.induction.judgeEndpoint)
    runtime.chat.endpoint(spec.induction.judgeEndpoint);
}

/**
 * `meta.induction` of a wrong-side speech. It agrees with TrialCreated.induction (the arm's), and
 * names the method too when a separate wrong-side model also uses one (`model+best-of-n`).
 */
function inductionLabel(
  config: ExperimentConfig | undefined,
  arm: string,
  record: ParticipantRecord,
  method: string,
): string {
  const armConfig = config?.arms.find((a) => a.name === arm);
  // core names the wrong-side participant of an arm `<arm>.dishonest-arguer` (experimentParticipants).
  if (!armConfig?.dishonestArguer || record.id !== `${armConfig.name}.dishonest-arguer`) {
    const armLevel = armConfig ? inductionOf(armConfig) : null;
    return armLevel ?? method;
  }
  return method === 'prompted' ? 'model' : `model+${method}`;
}

export function judgeModelOf(spec: LlmSpec): JudgeModel {
  return {
    endpoint: spec.endpoint,
    model: spec.model,
    temperature: spec.temperature,
    maxTokens: spec.maxTokens,
    maxRepairs: spec.maxRepairs,
    prompts: spec.prompts,
  };
}

async function judgeMove(
  runtime: LlmRuntime,
  record: ParticipantRecord,
  spec: LlmSpec,
  request: MoveRequest,
): Promise<ParticipantResponse> {
  if (request.turn.kind !== 'judge')
    throw new Error(`participant ${record.id} was asked to judge outside a judge turn`);
  const view = request.view as JudgeView;
  const turn: JudgeTurn = request.turn;
  const call = {
    seed: request.seed,
    variant: 'judge',
    trialId: request.trialId,
    role: 'judge',
    previousError: request.previousError,
  };
  const model = judgeModelOf(spec);
  const meta: MoveMeta = { participantId: record.id, model: spec.model };
  let decision: Awaited<ReturnType<typeof askJudge>>;
  if (spec.bothOrders) {
    const both = await askJudgeBothOrders(runtime.chat, runtime.prompts, model, view, turn, call);
    decision = both;
    meta.promptHash = promptHash(both.messages, both.swappedMessages);
    meta.positionBias = both.positionBias;
  } else {
    decision = await askJudge(runtime.chat, runtime.prompts, model, view, turn, call);
    meta.promptHash = promptHash(decision.messages);
  }
  if (decision.rationale) meta.rationale = decision.rationale;
  return {
    type: 'judgement',
    probabilities: decision.probabilities,
    end: decision.end,
    ...(decision.comment && !decision.end ? { comment: decision.comment } : {}),
    ...(decision.end && decision.rationale ? { rationale: decision.rationale } : {}),
    meta,
  };
}

async function arguerMove(
  runtime: LlmRuntime,
  record: ParticipantRecord,
  spec: LlmSpec,
  request: MoveRequest,
  context: ParticipantContext,
): Promise<ParticipantResponse> {
  const view = request.view as ArguerView;
  const plan = planArguer(spec, view.assignedCorrect);
  const speech = await composeSpeech({
    chat: runtime.chat,
    prompts: runtime.prompts,
    spec,
    view,
    plan,
    seed: request.seed,
    trialId: request.trialId,
    previousError: request.previousError,
  });
  const meta: MoveMeta = {
    participantId: record.id,
    model: speech.model,
    promptHash: speech.promptHash,
    induction: view.assignedCorrect
      ? 'none'
      : inductionLabel(context.config, request.arm, record, plan.label),
    ...(speech.candidates !== undefined ? { candidates: speech.candidates } : {}),
    ...(speech.candidateTexts && speech.scores
      ? {
          candidateSpeeches: speech.candidateTexts.map((text, i) => {
            const score = speech.scores?.[i] ?? -1;
            return { text, score: score < 0 ? null : score };
          }),
        }
      : {}),
    ...(speech.speechPromptHash !== undefined ? { speechPromptHash: speech.speechPromptHash } : {}),
    ...(request.previousError !== undefined ? { previousError: request.previousError } : {}),
  };
  return { type: 'argument', role: request.role, text: speech.text, meta };
}

/** The `llm` participant kind, for the runner's factories. */
export function llmParticipantFactory(options: LlmParticipantOptions): ParticipantFactory<'llm'> {
  const runtime = createLlmRuntime(options);
  return (record, context): Participant => {
    const spec = record.spec;
    checkEndpoints(runtime, spec);
    return {
      record,
      respond(request) {
        return request.role === 'judge'
          ? judgeMove(runtime, record, spec, request)
          : arguerMove(runtime, record, spec, request, context);
      },
    };
  };
}
