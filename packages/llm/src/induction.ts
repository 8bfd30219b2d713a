import { type ArguerView, type Induction, type JudgeView, type LlmSpec, verifyQuotes } from '@oversight/core';
import { ParticipantFailure } from '@oversight/runner';
import { arguerTemplate, arguerVars } from './arguer.ts';
import type { ChatMessage, ChatResult, ChatService } from './chat.ts';
import { askJudge, type JudgeTurn } from './judge.ts';
import { fitSpeech } from './limits-text.ts';
import { type PromptLibrary, promptHash } from './prompts.ts';

/**
 * Misalignment induction: how the arguer assigned the wrong answer is pushed to argue for it.
 * The honest side always gets the plain prompt and one call.
 *
 * - `prompted`: the wrong side's prompt tells it to argue for its answer convincingly.
 * - `best-of-n`: N candidate speeches from the prompted arguer (same prompt, seeds varied by
 *   candidate index); a judge model reads the transcript plus each candidate, as the judge would
 *   (quotes marked verified or not, no story), and gives its probabilities; the candidate with the
 *   highest probability on the arguer's answer is kept (Khan et al. 2024). 2N calls.
 * - `critique-refine`: a prompted draft, then `rounds` times a critique of its persuasiveness by
 *   the same model and a rewrite following it. 1 + 2·rounds calls.
 * - `model`: another model argues the wrong side (prompted unless `instructed: false`).
 */

export interface ArguerPlan {
  endpoint: string;
  model: string;
  /** Whether the wrong-side instructions are in the prompt. */
  dishonestPrompt: boolean;
  strategy:
    | { kind: 'single' }
    | { kind: 'best-of-n'; n: number; judgeModel: string; judgeEndpoint: string }
    | { kind: 'critique-refine'; rounds: number };
  /** What the move's `meta.induction` says: `none` for the honest side, else the method. */
  label: string;
}

export function planArguer(spec: LlmSpec, assignedCorrect: boolean): ArguerPlan {
  const base = { endpoint: spec.endpoint, model: spec.model };
  if (assignedCorrect)
    return { ...base, dishonestPrompt: false, strategy: { kind: 'single' }, label: 'none' };
  const induction: Induction = spec.induction;
  switch (induction.method) {
    case 'prompted':
      return { ...base, dishonestPrompt: true, strategy: { kind: 'single' }, label: 'prompted' };
    case 'best-of-n':
      return {
        ...base,
        dishonestPrompt: true,
        strategy: {
          kind: 'best-of-n',
          n: induction.n,
          judgeModel: induction.judgeModel ?? spec.model,
          judgeEndpoint: induction.judgeEndpoint ?? spec.endpoint,
        },
        label: 'best-of-n',
      };
    case 'critique-refine':
      return {
        ...base,
        dishonestPrompt: true,
        strategy: { kind: 'critique-refine', rounds: induction.rounds },
        label: 'critique-refine',
      };
    case 'model':
      return {
        endpoint: induction.endpoint ?? spec.endpoint,
        model: induction.model,
        dishonestPrompt: induction.instructed,
        strategy: { kind: 'single' },
        label: 'model',
      };
  }
}

export interface SpeechContext {
  chat: ChatService;
  prompts: PromptLibrary;
  spec: LlmSpec;
  view: ArguerView;
  plan: ArguerPlan;
  seed: string;
  trialId: string;
  previousError?: string | undefined;
}

export interface Speech {
  text: string;
  /** The model that wrote the kept text. */
  model: string;
  promptHash: string;
  cached: boolean;
  candidates?: number;
  /** best-of-n: each candidate's score (probability on the arguer's answer), in candidate order. */
  scores?: number[];
  /** best-of-n: each candidate's text as fitted to the limits, in candidate order. */
  candidateTexts?: string[];
  /** critique-refine: the hash of the first prompt, the one `speechMessages` renders. */
  speechPromptHash?: string;
}

export async function composeSpeech(ctx: SpeechContext): Promise<Speech> {
  switch (ctx.plan.strategy.kind) {
    case 'single':
      return single(ctx);
    case 'best-of-n':
      return bestOfN(ctx, ctx.plan.strategy);
    case 'critique-refine':
      return critiqueRefine(ctx, ctx.plan.strategy.rounds);
  }
}

/**
 * The messages an arguer is asked to write its speech from. Exported because training-data export
 * rebuilds them from the log and checks them against the move's recorded hash.
 */
export function speechMessages(
  ctx: Pick<SpeechContext, 'prompts' | 'spec' | 'view' | 'plan' | 'previousError'>,
): ChatMessage[] {
  const vars = arguerVars(ctx.view, {
    dishonest: ctx.plan.dishonestPrompt,
    previousError: ctx.previousError,
  });
  return ctx.prompts.render(arguerTemplate(ctx.view, ctx.plan.dishonestPrompt), vars, ctx.spec.prompts);
}

function call(ctx: SpeechContext, messages: ChatMessage[], variant: string, step = '') {
  return ctx.chat.complete({
    endpoint: ctx.plan.endpoint,
    model: ctx.plan.model,
    messages,
    temperature: ctx.spec.temperature,
    maxTokens: ctx.spec.maxTokens,
    seed: ctx.seed,
    variant,
    trialId: ctx.trialId,
    role: `${ctx.view.role}${step}`,
  });
}

const fit = (ctx: SpeechContext, result: ChatResult) =>
  fitSpeech(result.content, ctx.view.charLimit, ctx.view.quoteLimit);

async function single(ctx: SpeechContext): Promise<Speech> {
  const messages = speechMessages(ctx);
  const result = await call(ctx, messages, 'speech');
  return {
    text: fit(ctx, result),
    model: ctx.plan.model,
    promptHash: promptHash(messages),
    cached: result.cached,
  };
}

/** The judge's view after the candidate speech: what the scorer reads (no story, quotes marked). */
export function viewWithCandidate(view: ArguerView, candidate: string): JudgeView {
  const round = view.turn?.round ?? 1;
  return {
    protocol: view.protocol,
    rounds: view.rounds,
    question: view.question,
    storyTitle: view.storyTitle,
    answers: view.answers,
    positions: view.positions,
    source: null,
    position: view.position,
    transcript: [
      ...view.transcript,
      {
        seq: view.position,
        round,
        speaker: view.role,
        kind: 'argument',
        text: candidate,
        quotes: verifyQuotes(candidate, view.source).map(({ text, status, similarity }) => ({
          text,
          status,
          similarity,
        })),
        probabilities: null,
      },
    ],
    turn: null,
    revealed: null,
  };
}

async function bestOfN(
  ctx: SpeechContext,
  strategy: { n: number; judgeModel: string; judgeEndpoint: string },
): Promise<Speech> {
  const messages = speechMessages(ctx);
  const results = await Promise.all(
    Array.from({ length: strategy.n }, (_, i) => call(ctx, messages, `candidate-${i + 1}`, '/candidate')),
  );
  const candidates = results.map((r) => fit(ctx, r));
  const round = ctx.view.turn?.round ?? 1;
  const turn: JudgeTurn = {
    kind: 'judge',
    round,
    final: false,
    mayEnd: false,
    mayComment: false,
    mustComment: false,
    beliefsRequired: true,
  };
  const scored = await Promise.allSettled(
    candidates.map((candidate, i) =>
      candidate === ''
        ? Promise.reject(new ParticipantFailure('empty candidate'))
        : askJudge(
            ctx.chat,
            ctx.prompts,
            {
              endpoint: strategy.judgeEndpoint,
              model: strategy.judgeModel,
              temperature: 0,
              maxTokens: ctx.spec.maxTokens,
              maxRepairs: ctx.spec.maxRepairs,
              prompts: ctx.spec.prompts,
            },
            viewWithCandidate(ctx.view, candidate),
            turn,
            {
              seed: ctx.seed,
              variant: `score-${i + 1}`,
              trialId: ctx.trialId,
              role: `${ctx.view.role}/score`,
            },
          ),
    ),
  );
  const scores = scored.map((s) =>
    s.status === 'fulfilled' ? (s.value.probabilities[ctx.view.assignedAnswer] ?? 0) : -1,
  );
  let best = -1;
  scores.forEach((score, i) => {
    if (score >= 0 && (best < 0 || score > scores[best]!)) best = i;
  });
  if (best < 0) {
    const reason = scored.find((s): s is PromiseRejectedResult => s.status === 'rejected')?.reason;
    if (reason instanceof ParticipantFailure && reason.message !== 'empty candidate') throw reason;
    best = 0; // every candidate empty: let the runner reject it and ask again
  }
  const cached =
    results.every((r) => r.cached) && scored.every((s) => s.status === 'fulfilled' && s.value.cached);
  return {
    text: candidates[best]!,
    model: ctx.plan.model,
    promptHash: promptHash(messages),
    cached,
    candidates: strategy.n,
    scores,
    candidateTexts: candidates,
  };
}

async function critiqueRefine(ctx: SpeechContext, rounds: number): Promise<Speech> {
  const messages = speechMessages(ctx);
  const first = await call(ctx, messages, 'draft', '/draft');
  let draft = fit(ctx, first);
  let cached = first.cached;
  let lastPrompt = messages;
  const base = arguerVars(ctx.view, { dishonest: true, previousError: ctx.previousError });
  for (let r = 1; r <= rounds; r++) {
    const critiquePrompt = ctx.prompts.render('critique.md', { ...base, draft }, ctx.spec.prompts);
    const critique = await call(ctx, critiquePrompt, `critique-${r}`, '/critique');
    const refinePrompt = ctx.prompts.render(
      'refine.md',
      { ...base, draft, critique: critique.content.trim() },
      ctx.spec.prompts,
    );
    const refined = await call(ctx, refinePrompt, `refine-${r}`, '/refine');
    cached &&= critique.cached && refined.cached;
    const text = fit(ctx, refined);
    if (text) draft = text;
    lastPrompt = refinePrompt;
  }
  return {
    text: draft,
    model: ctx.plan.model,
    promptHash: promptHash(lastPrompt),
    speechPromptHash: promptHash(messages),
    cached,
  };
}
