import {
  foldEvents,
  type JudgmentRecord,
  judgeView,
  judgmentOf,
  type LlmConfig,
  type LlmSpec,
  type MoveMeta,
  type Question,
  type RewardConfig,
  RewardConfigSchema,
  type TrialCreated,
  type TrialEvent,
  type VerdictSubmitted,
} from '@oversight/core';
import { ParticipantFailure } from '@oversight/runner';
import { askJudge, askJudgeBothOrders, type JudgeTurn } from './judge.ts';
import { createLlmRuntime, judgeModelOf, type LlmRuntime } from './participants.ts';
import { promptHash } from './prompts.ts';
import type { RetryPolicy } from './retry.ts';
import type { LlmStore } from './store.ts';

/**
 * Re-judging finished trials with an AI judge (e.g. the imported NYU human debates), so human and
 * AI judges can be compared on the same transcripts. For each trial with a verdict, the log is cut
 * before the verdict, the judge's own intermediate beliefs are removed (the AI must not see the
 * human's probabilities; the judge's questions stay, since the arguers answered them), and the AI
 * judge gives a final verdict on the judge's view of the full transcript.
 *
 * Each result is a new trial log — TrialCreated copied with trialId `<source>+<judgeId>`, arm
 * `<arm>+ai-judge` and the AI judge as judgeId, the transcript events, the AI's VerdictSubmitted —
 * and its JudgmentRecord, ready to be persisted like any other trial.
 */

export interface RejudgeOptions {
  store: LlmStore;
  llmConfig: LlmConfig;
  judgeSpec: LlmSpec;
  /** The event logs of the trials to re-judge (unfinished ones are skipped). */
  trials: Iterable<readonly TrialEvent[]> | AsyncIterable<readonly TrialEvent[]>;
  questions: (created: TrialCreated) => Question | Promise<Question>;
  /** Participant id of the AI judge (default `ai-judge.<model>`). */
  judgeId?: string;
  /** Experiment the model calls are logged under (default: each trial's experiment). */
  experimentId?: string;
  reward?: RewardConfig;
  /** Trials judged at once (default 16; the endpoint's maxConcurrent still applies). */
  concurrency?: number;
  fetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
  baseDir?: string;
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  onResult?: (result: RejudgedTrial) => void;
}

export interface RejudgedTrial {
  sourceTrialId: string;
  trialId: string;
  /** The new trial's log, ending with the AI judge's verdict. */
  events: TrialEvent[];
  judgment: JudgmentRecord;
}

export interface RejudgeSummary {
  results: RejudgedTrial[];
  /** Trials without a verdict (running, waiting or aborted). */
  skipped: Array<{ trialId: string; reason: string }>;
  /** Trials the AI judge could not judge (retries or repairs ran out). */
  failed: Array<{ trialId: string; reason: string }>;
}

export const AI_JUDGE_ARM_SUFFIX = '+ai-judge';

export function defaultJudgeId(spec: LlmSpec): string {
  return `ai-judge.${spec.model.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`;
}

/** The log up to the verdict, with the judge's beliefs blanked (the turn structure is kept). */
export function transcriptBeforeVerdict(events: readonly TrialEvent[]): TrialEvent[] {
  const out: TrialEvent[] = [];
  for (const event of events) {
    if (event.type === 'VerdictSubmitted' || event.type === 'TrialAborted') break;
    out.push(
      event.type === 'BeliefReported'
        ? { type: 'BeliefReported', round: event.round, probabilities: null }
        : event,
    );
  }
  return out;
}

async function rejudgeOne(
  runtime: LlmRuntime,
  options: RejudgeOptions,
  judgeId: string,
  events: readonly TrialEvent[],
): Promise<RejudgedTrial> {
  const source = foldEvents(events);
  const verdict = source.verdict!;
  const prefix = transcriptBeforeVerdict(events);
  const state = foldEvents(prefix);
  const question = await options.questions(state.created);
  const turn: JudgeTurn = {
    kind: 'judge',
    round: verdict.round,
    final: true,
    mayEnd: true,
    mayComment: false,
    mustComment: false,
    beliefsRequired: true,
  };
  const view = { ...judgeView(state, question), turn };
  const spec = options.judgeSpec;
  const sourceTrialId = state.created.trialId;
  const trialId = `${sourceTrialId}+${judgeId}`;
  const call = {
    seed: `${state.created.seed}/${judgeId}`,
    variant: 'rejudge',
    trialId,
    role: 'judge',
    experimentId: options.experimentId ?? state.created.experimentId,
  };
  const model = judgeModelOf(spec);
  const meta: MoveMeta = { participantId: judgeId, model: spec.model };
  let probabilities: number[];
  let rationale: string;
  if (spec.bothOrders) {
    const both = await askJudgeBothOrders(runtime.chat, runtime.prompts, model, view, turn, call);
    ({ probabilities, rationale } = both);
    meta.promptHash = promptHash(both.messages, both.swappedMessages);
    meta.positionBias = both.positionBias;
  } else {
    const one = await askJudge(runtime.chat, runtime.prompts, model, view, turn, call);
    ({ probabilities, rationale } = one);
    meta.promptHash = promptHash(one.messages);
  }
  if (rationale) meta.rationale = rationale;
  const created: TrialCreated = {
    ...state.created,
    trialId,
    arm: `${state.created.arm}${AI_JUDGE_ARM_SUFFIX}`,
    judgeId,
    seed: `${state.created.seed}/${judgeId}`,
  };
  const aiVerdict: VerdictSubmitted = {
    type: 'VerdictSubmitted',
    round: verdict.round,
    probabilities,
    ...(rationale ? { rationale } : {}),
    meta,
  };
  const log: TrialEvent[] = [created, ...prefix.slice(1), aiVerdict];
  const judgment = judgmentOf(foldEvents(log), options.reward ?? RewardConfigSchema.parse({}));
  if (!judgment) throw new Error(`trial ${trialId}: no judgment after the verdict`);
  return { sourceTrialId, trialId, events: log, judgment };
}

export async function rejudgeTrials(options: RejudgeOptions): Promise<RejudgeSummary> {
  const judgeId = options.judgeId ?? defaultJudgeId(options.judgeSpec);
  const summary: RejudgeSummary = { results: [], skipped: [], failed: [] };
  const runtime = createLlmRuntime({
    store: options.store,
    config: options.llmConfig,
    experimentId: options.experimentId ?? '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.baseDir ? { baseDir: options.baseDir } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  });
  runtime.chat.endpoint(options.judgeSpec.endpoint); // fails now on an undefined endpoint or a missing key

  const iterator = (
    Symbol.asyncIterator in options.trials
      ? (options.trials as AsyncIterable<readonly TrialEvent[]>)[Symbol.asyncIterator]()
      : (options.trials as Iterable<readonly TrialEvent[]>)[Symbol.iterator]()
  ) as AsyncIterator<readonly TrialEvent[]> | Iterator<readonly TrialEvent[]>;
  const worker = async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const events = next.value;
      const first = events[0];
      if (first?.type !== 'TrialCreated') {
        summary.skipped.push({ trialId: '(unknown)', reason: 'the log does not start with TrialCreated' });
        continue;
      }
      const state = foldEvents(events);
      if (!state.verdict) {
        summary.skipped.push({
          trialId: first.trialId,
          reason: state.aborted ? 'aborted' : 'no verdict yet',
        });
        continue;
      }
      try {
        const result = await rejudgeOne(runtime, options, judgeId, events);
        summary.results.push(result);
        options.onResult?.(result);
      } catch (error) {
        if (!(error instanceof ParticipantFailure)) throw error;
        summary.failed.push({ trialId: first.trialId, reason: error.message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, worker));
  summary.results.sort((a, b) => (a.trialId < b.trialId ? -1 : a.trialId > b.trialId ? 1 : 0));
  return summary;
}
