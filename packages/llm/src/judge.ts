import type { JudgeView, Turn } from '@oversight/core';
import { ParticipantFailure } from '@oversight/runner';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { ResponseFormatJSONSchema } from 'openai/resources/shared';
import { z } from 'zod';
import type { ChatMessage, ChatService } from './chat.ts';
import type { PromptLibrary, TemplateVars } from './prompts.ts';
import { answerList, letter, renderTranscript, speakerName } from './transcript.ts';

/**
 * The AI judge: a structured-output call whose reply is validated with zod, repaired where that is
 * safe (percentages, clamping, renormalising a sum that is off by a little, a JSON object wrapped
 * in prose or a code fence) and re-asked otherwise, up to `maxRepairs` times.
 */

export type JudgeTurn = Extract<Turn, { kind: 'judge' }>;

export interface JudgeModel {
  endpoint: string;
  model: string;
  temperature: number;
  maxTokens: number;
  maxRepairs: number;
  /** Override folder for templates. */
  prompts?: string | undefined;
}

export interface JudgeDecision {
  /** One per displayed answer, summing to 1. */
  probabilities: number[];
  rationale: string;
  end: boolean;
  comment: string | null;
  cached: boolean;
  messages: ChatMessage[];
}

export interface JudgeCall {
  seed: string;
  variant: string;
  trialId: string | null;
  role: string;
  previousError?: string | undefined;
  experimentId?: string | undefined;
}

/** The reply schema for a turn: only the fields the turn allows, so strict structured output can be used. */
export function judgementSchema(
  answers: number,
  turn: Pick<JudgeTurn, 'final' | 'mayEnd' | 'mayComment' | 'mustComment'>,
) {
  const shape: Record<string, z.ZodType> = {
    rationale: z.string(),
    probabilities: z.array(z.number().min(0).max(1)).length(answers),
  };
  if (turn.mayEnd && !turn.final) shape.end = z.boolean();
  if (turn.mayComment && !turn.final) shape.comment = turn.mustComment ? z.string() : z.string().nullable();
  return z.object(shape);
}

const formats = new Map<string, ResponseFormatJSONSchema>();

/** `response_format` for a turn shape (built once per shape: zod-to-JSON-schema is not free). */
export function judgementFormat(answers: number, turn: JudgeTurn): ResponseFormatJSONSchema {
  const ends = turn.mayEnd && !turn.final;
  const comments = turn.mayComment && !turn.final;
  const key = `${answers}/${ends}/${comments}/${turn.mustComment}`;
  let format = formats.get(key);
  if (!format) {
    format = zodResponseFormat(judgementSchema(answers, turn), 'judgement') as ResponseFormatJSONSchema;
    formats.set(key, format);
  }
  return format;
}

/** A reply as it may come back: lenient, so it can be repaired before being judged unusable. */
const LooseJudgement = z.looseObject({
  rationale: z.unknown().optional(),
  probabilities: z.unknown().optional(),
  probability: z.unknown().optional(),
  end: z.unknown().optional(),
  comment: z.unknown().optional(),
  question: z.unknown().optional(),
});

export type ParsedJudgement =
  | { ok: true; value: Omit<JudgeDecision, 'cached' | 'messages'> }
  | { ok: false; error: string };

/** Finds the JSON object in a reply: as is, inside a ```json fence, or between the outer braces. */
export function extractJson(content: string): unknown {
  const text = content.trim();
  try {
    return JSON.parse(text);
  } catch {
    const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1];
    const candidates = [fenced, text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)];
    for (const candidate of candidates) {
      if (!candidate?.trim().startsWith('{')) continue;
      try {
        return JSON.parse(candidate);
      } catch {
        // try the next
      }
    }
  }
  return undefined;
}

/** Makes a probability vector usable, or says why it cannot be. */
export function repairProbabilities(raw: unknown, answers: number): number[] | string {
  let values: unknown[];
  if (typeof raw === 'number') values = [raw];
  else if (Array.isArray(raw)) values = raw;
  else if (raw && typeof raw === 'object') {
    // { "A": 0.7, "B": 0.3 }
    const record = raw as Record<string, unknown>;
    values = Array.from(
      { length: answers },
      (_, i) => record[letter(i)] ?? record[letter(i).toLowerCase()] ?? record[String(i)],
    );
  } else return 'give "probabilities": an array with one probability per answer';
  const numbers = values.map((v) =>
    typeof v === 'string' && v.trim() !== '' ? Number(v.replace('%', '')) : v,
  );
  if (!numbers.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) {
    return '"probabilities" must be numbers';
  }
  let p = numbers;
  // A single probability is the probability of answer A (two answers only).
  if (p.length === 1 && answers === 2) p = [p[0]!, (p[0]! > 1 ? 100 : 1) - p[0]!];
  if (p.length !== answers) return `expected ${answers} probabilities (one per answer), got ${p.length}`;
  const sum = p.reduce((a, b) => a + b, 0);
  if (p.some((v) => v > 1) && p.every((v) => v >= 0 && v <= 100) && Math.abs(sum - 100) <= 10) {
    p = p.map((v) => v / 100); // percentages
  }
  if (p.some((v) => v < -0.05 || v > 1.05)) return 'each probability must be between 0 and 1';
  p = p.map((v) => Math.min(1, Math.max(0, v)));
  const total = p.reduce((a, b) => a + b, 0);
  if (total <= 0) return 'the probabilities are all zero';
  if (Math.abs(total - 1) > 0.1) return `the probabilities must sum to 1 (they sum to ${total.toFixed(3)})`;
  return p.map((v) => v / total);
}

export function parseJudgement(content: string, answers: number, turn: JudgeTurn): ParsedJudgement {
  if (content.trim() === '') return { ok: false, error: 'the reply was empty' };
  const json = extractJson(content);
  if (json === undefined) return { ok: false, error: 'the reply is not valid JSON' };
  const loose = LooseJudgement.safeParse(json);
  if (!loose.success) return { ok: false, error: 'the reply must be a JSON object' };
  const reply = loose.data;
  const probabilities = repairProbabilities(reply.probabilities ?? reply.probability, answers);
  if (typeof probabilities === 'string') return { ok: false, error: probabilities };
  const end = turn.final || (turn.mayEnd && (reply.end === true || reply.end === 'true'));
  const rawComment = reply.comment ?? reply.question;
  const comment =
    turn.mayComment && !end && typeof rawComment === 'string' && rawComment.trim() ? rawComment.trim() : null;
  if (turn.mustComment && !end && !comment) {
    return { ok: false, error: 'write your message to the assistant in "comment"' };
  }
  return {
    ok: true,
    value: {
      probabilities,
      rationale: typeof reply.rationale === 'string' ? reply.rationale.trim() : '',
      end,
      comment,
    },
  };
}

export function judgeVars(view: JudgeView, turn: JudgeTurn, previousError?: string): TemplateVars {
  const interactive = view.protocol === 'interactive-debate';
  const positions =
    view.protocol === 'sandwiching'
      ? ''
      : view.positions
          .map((p) => `${speakerName(p.role, view.protocol)} argues for ${letter(p.answer)}.`)
          .join('\n');
  return {
    storyTitle: view.storyTitle,
    question: view.question,
    answers: answerList(view.answers),
    answerCount: view.answers.length,
    positions,
    transcript: renderTranscript(view.transcript, {
      protocol: view.protocol,
      positions: view.positions,
      reader: 'judge',
    }),
    source: view.source ?? '',
    round: turn.round,
    rounds: view.rounds,
    final: turn.final,
    mayEnd: turn.mayEnd && !turn.final,
    mayComment: turn.mayComment && !turn.final,
    mustComment: turn.mustComment && !turn.final,
    previousError: previousError ?? '',
    debate: view.protocol === 'debate' || interactive,
    interactive,
    consultancy: view.protocol === 'consultancy',
    sandwiching: view.protocol === 'sandwiching',
    judgeAlone: view.protocol === 'judge-alone',
    oracle: view.protocol === 'oracle',
  };
}

/** One judgement (one answer order), with repairs. */
export async function askJudge(
  chat: ChatService,
  prompts: PromptLibrary,
  model: JudgeModel,
  view: JudgeView,
  turn: JudgeTurn,
  call: JudgeCall,
): Promise<JudgeDecision> {
  const answers = view.answers.length;
  const responseFormat = judgementFormat(answers, turn);
  const messages = prompts.render('judge.md', judgeVars(view, turn, call.previousError), model.prompts);
  let conversation = messages;
  let cached = true;
  let error = '';
  for (let attempt = 0; attempt <= model.maxRepairs; attempt++) {
    const result = await chat.complete({
      endpoint: model.endpoint,
      model: model.model,
      messages: conversation,
      temperature: model.temperature,
      maxTokens: model.maxTokens,
      responseFormat,
      seed: call.seed,
      variant: attempt === 0 ? call.variant : `${call.variant}/repair-${attempt}`,
      trialId: call.trialId,
      role: call.role,
      experimentId: call.experimentId,
    });
    cached &&= result.cached;
    const parsed = parseJudgement(result.content, answers, turn);
    if (parsed.ok) return { ...parsed.value, cached, messages };
    error = result.refusal ? `the model refused: ${result.refusal}` : parsed.error;
    conversation = [
      ...messages,
      { role: 'assistant', content: result.content || result.refusal || '' },
      {
        role: 'user',
        content: `Your reply could not be used: ${error}. Reply again with only the JSON object described above.`,
      },
    ];
  }
  throw new ParticipantFailure(
    `model ${model.model} at endpoint ${model.endpoint}: judge output malformed after ${model.maxRepairs + 1} attempts: ${error}`,
  );
}

/**
 * The view with the answers shown in reverse order: positions, beliefs and answer letters follow.
 * `mapBack` turns probabilities over the reversed order into the original order.
 */
export function reverseAnswers(view: JudgeView): JudgeView {
  const n = view.answers.length;
  const flip = (i: number) => n - 1 - i;
  return {
    ...view,
    answers: [...view.answers].reverse(),
    positions: view.positions.map((p) => ({ ...p, answer: flip(p.answer) })),
    transcript: view.transcript.map((e) =>
      e.probabilities ? { ...e, probabilities: [...e.probabilities].reverse() } : e,
    ),
  };
}

export function mapBack(probabilities: readonly number[]): number[] {
  return [...probabilities].reverse();
}

export interface BothOrdersDecision extends JudgeDecision {
  /**
   * Probability on the answer shown first when it is shown first, minus its probability when it is
   * shown last (positive: the judge favours the first position).
   */
  positionBias: number;
  /** The two orders' judgements, in the original answer order. */
  orders: [number[], number[]];
  swappedMessages: ChatMessage[];
}

/** Judges in the shown order and in reverse, averages the two (mapped back), measures position bias. */
export async function askJudgeBothOrders(
  chat: ChatService,
  prompts: PromptLibrary,
  model: JudgeModel,
  view: JudgeView,
  turn: JudgeTurn,
  call: JudgeCall,
): Promise<BothOrdersDecision> {
  const [first, second] = await Promise.all([
    askJudge(chat, prompts, model, view, turn, { ...call, variant: `${call.variant}/order-1` }),
    askJudge(chat, prompts, model, reverseAnswers(view), turn, {
      ...call,
      variant: `${call.variant}/order-2`,
    }),
  ]);
  const back = mapBack(second.probabilities);
  const averaged = first.probabilities.map((p, i) => (p + (back[i] ?? 0)) / 2);
  const total = averaged.reduce((a, b) => a + b, 0);
  // The shown order decides whether to end and what to ask; the reversed order only informs the probabilities.
  const end = turn.final || first.end;
  return {
    probabilities: averaged.map((p) => p / total),
    rationale: first.rationale,
    end,
    comment: end ? null : first.comment,
    cached: first.cached && second.cached,
    messages: first.messages,
    swappedMessages: second.messages,
    positionBias: (first.probabilities[0] ?? 0) - (back[0] ?? 0),
    orders: [first.probabilities, back],
  };
}
