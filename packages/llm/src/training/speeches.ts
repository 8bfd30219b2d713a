import {
  type ArguerRole,
  type ArgumentSubmitted,
  type ExperimentConfig,
  foldEvents,
  type LlmSpec,
  type ParticipantRecord,
  type Question,
  type Role,
  type TrialEvent,
} from '@oversight/core';
import { participantRecords } from '@oversight/runner';
import { messagesDigest } from '../cache.ts';
import type { ChatMessage } from '../chat.ts';
import type { PromptLibrary } from '../prompts.ts';
import { rebuildSpeechPrompt } from './rebuild.ts';

/** The speeches of one side of a finished trial, each with the prompt it was written from. */

export type Side = 'dishonest' | 'honest';

/** Who wrote a text: a person appears only by participant id and pseudonym. */
export type Author =
  | { kind: 'model'; participantId: string; model: string }
  | { kind: 'simulated'; participantId: string }
  | { kind: 'person'; participantId: string | null; pseudonym: string | null };

export interface ArguerSpeech {
  experimentId: string;
  trialId: string;
  arm: string;
  seq: number;
  round: number;
  role: ArguerRole;
  storyId: string;
  questionId: string;
  author: Author;
  text: string;
  /** The judge's final probability on the answer the speech argued for. */
  judgeBelief: number;
  prompt: ChatMessage[];
  /** sha256 of the prompt: speeches sharing it were written from the same prompt. */
  promptDigest: string;
  promptCheck: 'matched' | 'unsent';
  /** A person's words (speech, question, comment) are in the prompt. */
  personInPrompt: boolean;
  /** best-of-n: every candidate with its score (null: not scored). */
  candidates: Array<{ text: string; score: number | null }> | null;
}

export interface RefusedSpeech {
  experimentId: string;
  trialId: string;
  seq: number;
  role: ArguerRole;
  reason: string;
}

/** What reading a trial needs to know about its experiment. */
export interface SpeechReading {
  experimentId: string;
  config: ExperimentConfig;
  /** The experiment's stored participants (people with their pseudonyms), by id. */
  participants: ReadonlyMap<string, { kind: string; label: string }>;
  prompts: PromptLibrary;
  /** Built once per experiment by `speechReading`. */
  automatic: ReadonlyMap<string, ParticipantRecord>;
}

export function speechReading(input: Omit<SpeechReading, 'automatic'>): SpeechReading {
  return { ...input, automatic: new Map(participantRecords(input.config).map((r) => [r.id, r])) };
}

function authorOf(id: string | null, context: SpeechReading): Author {
  const record = id === null ? undefined : context.automatic.get(id);
  if (record?.spec.kind === 'llm')
    return { kind: 'model', participantId: record.id, model: record.spec.model };
  if (record && record.spec.kind !== 'human') return { kind: 'simulated', participantId: record.id };
  const stored = id === null ? undefined : context.participants.get(id);
  // Someone the config does not define is a person who joined, unless the store says otherwise
  // (a model's moves imported from elsewhere, say).
  if (stored && stored.kind !== 'human') return { kind: 'model', participantId: id!, model: stored.label };
  return { kind: 'person', participantId: id, pseudonym: stored?.label ?? null };
}

/** Who wrote each speech, question and comment of the log, by seq: the holder of its seat then. */
function authors(log: readonly TrialEvent[], context: SpeechReading): Map<number, Author> {
  const state = foldEvents(log.slice(0, 1));
  const bySeq = new Map<number, Author>();
  for (let seq = 1; seq < log.length; seq++) {
    const event = log[seq]!;
    if (event.type === 'ArgumentSubmitted' || event.type === 'JudgeInterjected') {
      const role: Role = event.type === 'ArgumentSubmitted' ? event.role : 'judge';
      bySeq.set(seq, authorOf(event.meta?.participantId ?? state.seats[role] ?? null, context));
    }
    if (event.type === 'ParticipantAssigned') {
      if (event.participantId === null) delete state.seats[event.role];
      else state.seats[event.role] = event.participantId;
    }
  }
  return bySeq;
}

/**
 * The speeches of `side` in a trial with a verdict, each with its rebuilt prompt, or the reason its
 * prompt could not be rebuilt. A trial without a verdict yields nothing.
 */
export function sideSpeeches(
  log: readonly TrialEvent[],
  question: Question,
  side: Side,
  context: SpeechReading,
): { speeches: ArguerSpeech[]; refused: RefusedSpeech[] } {
  const state = foldEvents(log);
  const verdict = state.verdict;
  const speeches: ArguerSpeech[] = [];
  const refused: RefusedSpeech[] = [];
  if (!verdict) return { speeches, refused };
  const { created } = state;
  const arguers = new Map(created.arguers.map((a) => [a.role, a]));
  const byAuthor = authors(log, context);
  for (const { seq, event } of state.entries) {
    if (event.type !== 'ArgumentSubmitted') continue;
    const assignment = arguers.get(event.role);
    if (!assignment || assignment.honest !== (side === 'honest')) continue;
    const role = event.role as ArguerRole;
    const author = byAuthor.get(seq)!;
    const spec = author.kind === 'model' ? modelSpec(author.participantId, context) : null;
    if (author.kind === 'model' && !spec) {
      refused.push({
        experimentId: context.experimentId,
        trialId: created.trialId,
        seq,
        role,
        reason: `model participant ${author.participantId} is not in the experiment's config, so its prompt cannot be rebuilt`,
      });
      continue;
    }
    const rebuilt = rebuildSpeechPrompt({
      log,
      seq,
      role,
      question,
      spec,
      meta: event.meta,
      prompts: context.prompts,
    });
    if (!rebuilt.ok) {
      refused.push({
        experimentId: context.experimentId,
        trialId: created.trialId,
        seq,
        role,
        reason: rebuilt.reason,
      });
      continue;
    }
    speeches.push({
      experimentId: context.experimentId,
      trialId: created.trialId,
      arm: created.arm,
      seq,
      round: event.round,
      role,
      storyId: created.storyId,
      questionId: created.questionId,
      author,
      text: event.text,
      judgeBelief: verdict.probabilities[assignment.answer] ?? 0,
      prompt: rebuilt.messages,
      promptDigest: messagesDigest(rebuilt.messages),
      promptCheck: rebuilt.check,
      personInPrompt: personBefore(seq, byAuthor),
      candidates: candidatesOf(event),
    });
  }
  return { speeches, refused };
}

function modelSpec(participantId: string, context: SpeechReading): LlmSpec | null {
  const spec = context.automatic.get(participantId)?.spec;
  return spec?.kind === 'llm' ? spec : null;
}

/**
 * Whether a person wrote anything logged before the speech. Arguers see every earlier speech and
 * question (simultaneous speeches of the same round excepted, which only makes this cautious).
 */
function personBefore(seq: number, byAuthor: ReadonlyMap<number, Author>): boolean {
  for (const [at, author] of byAuthor) if (at < seq && author.kind === 'person') return true;
  return false;
}

function candidatesOf(event: ArgumentSubmitted): ArguerSpeech['candidates'] {
  const candidates = event.meta?.candidateSpeeches;
  return candidates ? candidates.map(({ text, score }) => ({ text, score })) : null;
}
