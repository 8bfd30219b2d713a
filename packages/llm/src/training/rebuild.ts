import {
  type ArguerRole,
  arguerView,
  foldEvents,
  type LlmSpec,
  type MoveMeta,
  type Question,
  type TrialEvent,
} from '@oversight/core';
import type { ChatMessage } from '../chat.ts';
import { planArguer, speechMessages } from '../induction.ts';
import { type PromptLibrary, promptHash } from '../prompts.ts';

/**
 * The prompt an arguer wrote a logged speech from, rebuilt from the log: the view it had at its
 * turn, rendered by the same templates. A model's speech carries the hash of the messages that were
 * sent, and its rebuilt prompt is used only when it hashes the same: prompt files edited since the
 * run, an arm's `prompts` folder not found, or a retry logged before retries kept their reason would
 * otherwise put a prompt in the training data that the model never saw.
 */

export interface SpeechToRebuild {
  log: readonly TrialEvent[];
  /** The speech's place in the log. */
  seq: number;
  role: ArguerRole;
  question: Question;
  /** The model's spec; null for a simulated arguer or a person, who were sent no prompt. */
  spec: LlmSpec | null;
  meta: MoveMeta | undefined;
  prompts: PromptLibrary;
}

export type RebuiltPrompt =
  | {
      ok: true;
      messages: ChatMessage[];
      /** `matched`: equal to the recorded hash; `unsent`: nobody was sent a prompt (simulation, a person). */
      check: 'matched' | 'unsent';
    }
  | { ok: false; reason: string };

/** Only its `prompts` (none: the bundled files) and `induction` (prompted) are read. */
const UNSENT_SPEC: LlmSpec = {
  kind: 'llm',
  endpoint: 'default',
  model: 'none',
  temperature: 0,
  maxTokens: 1,
  induction: { method: 'prompted' },
  bothOrders: false,
  maxRepairs: 0,
};

/**
 * The states the arguer may have been asked from: where its turn began (a person's screen, and both
 * simultaneous speeches, which are asked for together) and just before its speech (a model asked
 * after someone else's move in between). For most speeches these are one state.
 */
function askedFrom(log: readonly TrialEvent[], seq: number, role: ArguerRole) {
  const before = foldEvents(log.slice(0, seq));
  const since = before.owedSince[role];
  return since !== undefined && since < seq ? [foldEvents(log.slice(0, since)), before] : [before];
}

export function rebuildSpeechPrompt(speech: SpeechToRebuild): RebuiltPrompt {
  const states = askedFrom(speech.log, speech.seq, speech.role);
  if (speech.spec === null) {
    // What a model in the seat would have been asked: the wrong side gets the prompted instructions.
    const view = arguerView(states[0]!, speech.role, speech.question);
    const plan = planArguer(UNSENT_SPEC, view.assignedCorrect);
    const messages = speechMessages({ prompts: speech.prompts, spec: UNSENT_SPEC, view, plan });
    return { ok: true, messages, check: 'unsent' };
  }
  const recorded = speech.meta?.speechPromptHash ?? speech.meta?.promptHash;
  if (!recorded) return { ok: false, reason: 'the speech has no recorded prompt hash' };
  const spec = speech.spec;
  for (const state of states) {
    const view = arguerView(state, speech.role, speech.question);
    const messages = speechMessages({
      prompts: speech.prompts,
      spec,
      view,
      plan: planArguer(spec, view.assignedCorrect),
      previousError: speech.meta?.previousError,
    });
    if (promptHash(messages) === recorded) return { ok: true, messages, check: 'matched' };
  }
  return { ok: false, reason: mismatchReason(spec, speech.meta) };
}

function mismatchReason(spec: LlmSpec, meta: MoveMeta | undefined): string {
  if (meta?.induction?.includes('critique-refine') && meta.speechPromptHash === undefined)
    return 'a critique-refine speech logged before its first prompt was hashed (only the last rewrite prompt is recorded)';
  const where = spec.prompts
    ? `the arm's prompts folder "${spec.prompts}" (resolved against --config-dir) or the bundled prompt files`
    : 'the bundled prompt files';
  return `the rebuilt prompt does not hash to the recorded ${meta?.promptHash}: ${where} differ from the run's, or the speech is a retry logged before retries kept their reason`;
}
