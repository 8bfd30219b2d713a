import { createHash } from 'node:crypto';
import { mulberry32 } from './prng.ts';
import type { ChatMessage, ChatRequest, JsonSchema, ReplyFn } from './types.ts';

/**
 * The default, rule-based replier of the fake server. It only looks at the messages and the
 * response format, and it is deterministic: the same request always gets the same reply.
 *
 * - A request asking for JSON (`response_format` json_schema or json_object) gets an object. With a
 *   schema, the object is generated from the schema (all properties, enums, bounds, nested objects,
 *   `$ref`s), with heuristics for the fields of a judge decision: a field whose name looks like
 *   `probabilities`/`distribution`/`credences` becomes a probability distribution with one entry per
 *   answer that sums to exactly 1, an `answer`/`choice`/`winner` field agrees with its argmax, a
 *   `rationale`/`reason`/`explanation` field is a sentence. Without a schema the object is
 *   `{ probabilities, rationale }`.
 * - Any other request gets an argument text with `<quote>…</quote>` of sentence(s) copied verbatim
 *   from the text between `<story>` and `</story>` in the prompt (no quote when there is no story).
 *
 * The number of answers is taken from the schema (`minItems` = `maxItems`), else from options
 * listed in the prompt (`(A) …`, `A) …`, `A. …`, `A: …`, `Answer A: …`, `Answer 1: …` at line
 * starts), else `options.answers`, else 2.
 */
export interface DefaultReplierOptions {
  /** Number of answers when the schema and the prompt do not tell (default 2). */
  answers?: number;
  /** Quotes per argument text (default 1; fewer if the story has fewer sentences). */
  quotes?: number;
  /** Mixed into the per-request hash, to get a different (still deterministic) set of replies. */
  seed?: number;
}

export function createDefaultReplier(options: DefaultReplierOptions = {}): ReplyFn {
  return (request) => {
    const rng = mulberry32((requestHash(request) ^ (options.seed ?? 0)) >>> 0);
    const prompt = promptText(request);
    const story = extractStory(prompt);
    const answers = countAnswerOptions(prompt) ?? options.answers;
    const format = request.response_format;
    if (format?.type === 'json_schema' || format?.type === 'json_object') {
      const schema = format.type === 'json_schema' ? format.json_schema?.schema : undefined;
      if (isRecord(schema)) {
        const value = sampleJsonSchema(schema, { rng, answers });
        // Objects (and arrays) are serialised by the server; serialise scalars here.
        return typeof value === 'object' && value !== null ? value : JSON.stringify(value);
      }
      return { probabilities: makeDistribution(rng, answers ?? 2), rationale: pick(rng, RATIONALES) };
    }
    return argumentText(rng, story, options.quotes ?? 1);
  };
}

/** `createDefaultReplier()` with default options. */
export const defaultReplier: ReplyFn = createDefaultReplier();

// ---------------------------------------------------------------------------------------------
// Prompt helpers

/** The text of a message: its string content, or its text parts joined. */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

/** All message texts joined by blank lines. */
export function promptText(request: Pick<ChatRequest, 'messages'>): string {
  return request.messages.map(messageText).join('\n\n');
}

/** Deterministic token estimate: ceil(characters / 4). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** 32-bit hash of the model, messages and response format of a request. */
export function requestHash(request: ChatRequest): number {
  const key = JSON.stringify([request.model, request.messages, request.response_format ?? null]);
  return createHash('sha256').update(key).digest().readUInt32BE(0);
}

/** The text between the first `<story>` and the following `</story>`, if any. */
export function extractStory(text: string): string | undefined {
  const start = text.indexOf('<story>');
  if (start < 0) return undefined;
  const from = start + '<story>'.length;
  const end = text.indexOf('</story>', from);
  const story = end < 0 ? text.slice(from) : text.slice(from, end);
  return story.trim() === '' ? undefined : story;
}

/**
 * Sentences of a text, each a verbatim substring of it (trimmed; sentences do not span lines;
 * fragments shorter than 12 characters are dropped).
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const match of text.matchAll(/[^.!?\n]+(?:[.!?]+["'”’)\]]*|$)/gm)) {
    const sentence = match[0].trim();
    if (sentence.length >= 12 && !sentence.includes('<') && !sentence.includes('>')) sentences.push(sentence);
  }
  return sentences;
}

const MAX_QUOTE_CHARS = 200;

/** A sentence shortened to at most 200 characters at a word boundary (still a verbatim prefix). */
function clipQuote(sentence: string): string {
  if (sentence.length <= MAX_QUOTE_CHARS) return sentence;
  const cut = sentence.lastIndexOf(' ', MAX_QUOTE_CHARS);
  return sentence.slice(0, cut > 40 ? cut : MAX_QUOTE_CHARS).trimEnd();
}

/** Number of answer options listed in a prompt, if it can tell (2..26). */
export function countAnswerOptions(prompt: string): number | undefined {
  const patterns = [
    /^\s*\(([A-Z])\)\s/gm,
    /^\s*([A-Z])[).:]\s/gm,
    /^\s*Answer\s+([A-Z])\s*[:.)]/gim,
    /^\s*Answer\s+([1-9])\s*[:.)]/gim,
  ];
  for (const pattern of patterns) {
    const seen = new Set<number>();
    for (const match of prompt.matchAll(pattern)) {
      const label = (match[1] ?? '').toUpperCase();
      seen.add(/[0-9]/.test(label) ? Number(label) - 1 : label.charCodeAt(0) - 65);
    }
    let n = 0;
    while (seen.has(n)) n++;
    if (n >= 2) return n;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Texts

const OPENERS = [
  'The story itself settles this.',
  'Look closely at what the text actually says:',
  'My answer is supported directly by the passage.',
  'Consider this line from the story:',
  'The evidence is in the text, not in speculation.',
];
const LINKS = ['Note also:', 'And later:', 'The story adds:', 'Further:'];
const CLOSERS = [
  'This is only consistent with my answer.',
  'My opponent cannot explain this passage away.',
  'That detail points clearly to my answer.',
  'Nothing in the story contradicts this.',
];
const NO_STORY = [
  'Without the text at hand, the most plausible reading still supports my answer.',
  'The question is best answered by the details of the story, and they favour my answer.',
  'My answer follows from the plain meaning of the question.',
];
const RATIONALES = [
  'The quoted evidence is verified and bears directly on the question.',
  'One side relied on unverified claims, while the other quoted the story accurately.',
  'The arguments were close; the verified quotes tipped the balance.',
  'The more specific textual evidence favours the answer I weighted highest.',
];

function pick<T>(rng: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** An argument text quoting `quotes` distinct sentences of the story (deterministic given rng). */
export function argumentText(rng: () => number, story: string | undefined, quotes = 1): string {
  const sentences = story === undefined ? [] : splitSentences(story);
  if (sentences.length === 0) return pick(rng, NO_STORY);
  const chosen: string[] = [];
  const available = [...sentences];
  while (chosen.length < quotes && available.length > 0) {
    const index = Math.floor(rng() * available.length);
    chosen.push(clipQuote(available.splice(index, 1)[0] ?? ''));
  }
  const parts = [pick(rng, OPENERS)];
  chosen.forEach((quote, i) => {
    if (i > 0) parts.push(pick(rng, LINKS));
    parts.push(`<quote>${quote}</quote>`);
  });
  parts.push(pick(rng, CLOSERS));
  return parts.join(' ');
}

/**
 * A probability distribution over `n` outcomes with a favourite, summing to exactly 1 in floating
 * point: every value is a multiple of 1/256 (or a smaller power of two when n is large).
 */
export function makeDistribution(rng: () => number, n: number): number[] {
  const count = Math.max(1, Math.floor(n));
  let denominator = 256;
  while (denominator < count * 4) denominator *= 2;
  const favourite = Math.floor(rng() * count);
  const weights = Array.from({ length: count }, (_, i) => 0.2 + rng() + (i === favourite ? 1.5 : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  const units = weights.map((w) => Math.max(1, Math.floor((w / total) * denominator)));
  const assigned = units.reduce((a, b) => a + b, 0);
  units[favourite] = (units[favourite] ?? 0) + denominator - assigned;
  return units.map((u) => u / denominator);
}

// ---------------------------------------------------------------------------------------------
// JSON Schema sampling

export interface SampleOptions {
  rng: () => number;
  /** Number of answers for distributions whose length the schema leaves open. */
  answers?: number | undefined;
}

interface SampleContext {
  rng: () => number;
  answers: number | undefined;
  root: JsonSchema;
  depth: number;
}

const DIST_KEY = /prob|distribution|credence|belief|likelihood/i;
const PROB_KEY = /prob|confidence|credence|likelihood|certainty/i;
const ANSWER_KEY =
  /^(answer|choice|winner|chosen|selected|prediction|pick|option|label)(_?(index|idx|id|letter|label))?$/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function resolveRef(schema: unknown, root: JsonSchema): unknown {
  let current = schema;
  for (let hops = 0; hops < 20 && isRecord(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith('#')) return {};
    let target: unknown = root;
    for (const raw of ref
      .slice(1)
      .split('/')
      .filter((p) => p !== '')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      target = isRecord(target) ? target[key] : undefined;
    }
    current = target ?? {};
  }
  return current;
}

function schemaType(schema: Record<string, unknown>): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) {
    const nonNull = type.find((t) => t !== 'null');
    return typeof nonNull === 'string' ? nonNull : 'null';
  }
  if (isRecord(schema.properties)) return 'object';
  if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array';
  return undefined;
}

function isNumberSchema(schema: unknown, root: JsonSchema): boolean {
  const resolved = resolveRef(schema, root);
  if (!isRecord(resolved)) return false;
  const type = schemaType(resolved);
  return type === 'number' || type === 'integer';
}

function isNullSchema(schema: unknown, root: JsonSchema): boolean {
  const resolved = resolveRef(schema, root);
  return isRecord(resolved) && (resolved.type === 'null' || resolved.const === null);
}

/**
 * A value valid against `schema` (for the JSON Schema subset of OpenAI structured outputs),
 * deterministic given the rng. See the module comment for the judge-decision heuristics.
 */
export function sampleJsonSchema(schema: JsonSchema, options: SampleOptions): unknown {
  return sample(schema, undefined, { rng: options.rng, answers: options.answers, root: schema, depth: 0 });
}

function sample(rawSchema: unknown, key: string | undefined, ctx: SampleContext): unknown {
  const schema = resolveRef(rawSchema, ctx.root);
  if (!isRecord(schema)) return sampleString({}, key, ctx);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pick(ctx.rng, schema.enum);
  const union = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : undefined;
  if (union !== undefined && union.length > 0) {
    const nonNull = union.filter((option) => !isNullSchema(option, ctx.root));
    return sample(pick(ctx.rng, nonNull.length > 0 ? nonNull : union), key, ctx);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const merged: Record<string, unknown> = {};
    for (const part of schema.allOf) {
      const resolved = resolveRef(part, ctx.root);
      if (!isRecord(resolved)) continue;
      const properties = { ...(isRecord(merged.properties) ? merged.properties : {}) };
      Object.assign(merged, resolved);
      if (isRecord(resolved.properties)) merged.properties = { ...properties, ...resolved.properties };
    }
    return sample(merged, key, ctx);
  }
  const type = schemaType(schema);
  const deep = ctx.depth > 8;
  switch (type) {
    case 'object':
      return deep ? {} : sampleObject(schema, key, ctx);
    case 'array':
      return deep ? [] : sampleArray(schema, key, ctx);
    case 'number':
      return sampleNumber(schema, key, false, ctx);
    case 'integer':
      return sampleNumber(schema, key, true, ctx);
    case 'boolean':
      return ctx.rng() < 0.5;
    case 'null':
      return null;
    default:
      return sampleString(schema, key, ctx);
  }
}

function answerCount(min: number, max: number | undefined, ctx: SampleContext): number {
  if (max !== undefined && max === min) return max;
  const wanted = ctx.answers ?? Math.max(min, 2);
  return Math.min(Math.max(wanted, min, 1), max ?? Number.POSITIVE_INFINITY);
}

function letter(index: number): string {
  return String.fromCharCode(65 + (index % 26));
}

/** Sets an answer-like value to agree with answer `index` (when the schema allows it). */
function answerValue(schema: unknown, index: number, count: number, ctx: SampleContext): unknown {
  const resolved = resolveRef(schema, ctx.root);
  if (!isRecord(resolved)) return undefined;
  if (Array.isArray(resolved.enum)) return resolved.enum.length === count ? resolved.enum[index] : undefined;
  const type = schemaType(resolved);
  if (type === 'integer' || type === 'number') {
    const min = numberOr(resolved.minimum) ?? Number.NEGATIVE_INFINITY;
    const max = numberOr(resolved.maximum) ?? Number.POSITIVE_INFINITY;
    return index >= min && index <= max ? index : undefined;
  }
  if (type === 'string') return letter(index);
  return undefined;
}

function argmax(values: readonly number[]): number {
  let best = 0;
  values.forEach((v, i) => {
    if (v > (values[best] ?? Number.NEGATIVE_INFINITY)) best = i;
  });
  return best;
}

function sampleObject(schema: Record<string, unknown>, key: string | undefined, ctx: SampleContext): unknown {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const keys = Object.keys(properties);
  const inner: SampleContext = { ...ctx, depth: ctx.depth + 1 };

  if (key !== undefined && DIST_KEY.test(key)) {
    // { A: number, B: number } -> a distribution over the keys.
    if (keys.length > 0 && keys.every((k) => isNumberSchema(properties[k], ctx.root))) {
      const distribution = makeDistribution(ctx.rng, keys.length);
      return Object.fromEntries(keys.map((k, i) => [k, distribution[i]]));
    }
    // A record of numbers -> a distribution over answer letters.
    if (keys.length === 0 && isNumberSchema(schema.additionalProperties, ctx.root)) {
      const distribution = makeDistribution(ctx.rng, ctx.answers ?? 2);
      return Object.fromEntries(distribution.map((p, i) => [letter(i), p]));
    }
  }

  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = sample(properties[k], k, inner);

  // Make answer-like fields agree with the argmax of a sibling distribution.
  const distKey = keys.find((k) => {
    const value = out[k];
    return DIST_KEY.test(k) && Array.isArray(value) && value.every((v) => typeof v === 'number');
  });
  const distribution = distKey === undefined ? undefined : (out[distKey] as number[]);
  for (const k of keys) {
    if (!ANSWER_KEY.test(k)) continue;
    const count = distribution?.length ?? ctx.answers ?? 2;
    const index = distribution === undefined ? Math.floor(ctx.rng() * count) : argmax(distribution);
    const value = answerValue(properties[k], index, count, ctx);
    if (value !== undefined) out[k] = value;
  }
  return out;
}

function sampleArray(schema: Record<string, unknown>, key: string | undefined, ctx: SampleContext): unknown {
  const inner: SampleContext = { ...ctx, depth: ctx.depth + 1 };
  const tuple = Array.isArray(schema.prefixItems)
    ? schema.prefixItems
    : Array.isArray(schema.items)
      ? schema.items
      : undefined;
  if (tuple !== undefined) return tuple.map((item) => sample(item, undefined, inner));
  const min = Math.max(0, Math.floor(numberOr(schema.minItems) ?? 0));
  const maxRaw = numberOr(schema.maxItems);
  const max = maxRaw === undefined ? undefined : Math.max(min, Math.floor(maxRaw));
  const items = resolveRef(schema.items, ctx.root);

  if (key !== undefined && DIST_KEY.test(key)) {
    const n = answerCount(min, max, ctx);
    if (isNumberSchema(items, ctx.root)) return makeDistribution(ctx.rng, n);
    // [{ answer: ..., probability: number }, ...]
    if (isRecord(items) && isRecord(items.properties)) {
      const properties = items.properties;
      const probKey = Object.keys(properties).find(
        (k) => PROB_KEY.test(k) && isNumberSchema(properties[k], ctx.root),
      );
      if (probKey !== undefined) {
        const distribution = makeDistribution(ctx.rng, n);
        return distribution.map((p, i) => {
          const element = sample(items, undefined, inner);
          if (!isRecord(element)) return element;
          element[probKey] = p;
          for (const k of Object.keys(properties)) {
            if (!ANSWER_KEY.test(k)) continue;
            const value = answerValue(properties[k], i, n, ctx);
            if (value !== undefined) element[k] = value;
          }
          return element;
        });
      }
    }
  }

  let length = min > 0 ? min : 1 + Math.floor(ctx.rng() * 2);
  if (max !== undefined) length = Math.min(length, max);
  return Array.from({ length }, () => sample(items, undefined, inner));
}

function sampleNumber(
  schema: Record<string, unknown>,
  key: string | undefined,
  integer: boolean,
  ctx: SampleContext,
): number {
  const step = integer ? 1 : 0.001;
  let lo = numberOr(schema.minimum);
  let hi = numberOr(schema.maximum);
  const exclusiveMin = numberOr(schema.exclusiveMinimum);
  const exclusiveMax = numberOr(schema.exclusiveMaximum);
  if (exclusiveMin !== undefined) lo = Math.max(lo ?? Number.NEGATIVE_INFINITY, exclusiveMin + step);
  if (exclusiveMax !== undefined) hi = Math.min(hi ?? Number.POSITIVE_INFINITY, exclusiveMax - step);
  const bounds = { lo: lo ?? Number.NEGATIVE_INFINITY, hi: hi ?? Number.POSITIVE_INFINITY };

  // Preferred range, narrowed to the bounds when it fits inside them.
  let preferred: [number, number] = [0, 10];
  if (key !== undefined && PROB_KEY.test(key) && !integer) preferred = [0, 1];
  if (key !== undefined && ANSWER_KEY.test(key)) preferred = [0, (ctx.answers ?? 2) - 1];
  let low = Math.max(bounds.lo, preferred[0]);
  let high = Math.min(bounds.hi, preferred[1]);
  if (low > high) {
    // The preferred range lies outside the bounds: use up to 10 units next to the nearer bound.
    if (bounds.lo > preferred[1]) [low, high] = [bounds.lo, Math.min(bounds.hi, bounds.lo + 10)];
    else [low, high] = [Math.max(bounds.lo, bounds.hi - 10), bounds.hi];
  }
  let value: number;
  if (integer) {
    const a = Math.ceil(low);
    const b = Math.floor(high);
    value = b < a ? a : a + Math.floor(ctx.rng() * (b - a + 1));
  } else {
    value = Math.round((low + ctx.rng() * (high - low)) * 1000) / 1000;
    value = Math.min(Math.max(value, low), high);
  }
  const multipleOf = numberOr(schema.multipleOf);
  if (multipleOf !== undefined && multipleOf > 0) {
    value = Math.ceil(low / multipleOf) * multipleOf;
  }
  return value;
}

function sampleString(schema: Record<string, unknown>, key: string | undefined, ctx: SampleContext): string {
  let text: string;
  switch (schema.format) {
    case 'date-time':
      text = '2024-01-01T00:00:00.000Z';
      break;
    case 'date':
      text = '2024-01-01';
      break;
    case 'time':
      text = '00:00:00';
      break;
    case 'email':
      text = 'judge@example.com';
      break;
    case 'uri':
    case 'url':
      text = 'https://example.com/';
      break;
    case 'uuid':
      text = '00000000-0000-4000-8000-000000000000';
      break;
    default:
      text =
        key !== undefined && ANSWER_KEY.test(key)
          ? letter(Math.floor(ctx.rng() * (ctx.answers ?? 2)))
          : pick(ctx.rng, RATIONALES);
  }
  const minLength = numberOr(schema.minLength);
  const maxLength = numberOr(schema.maxLength);
  if (minLength !== undefined) while (text.length < minLength) text += ` ${pick(ctx.rng, RATIONALES)}`;
  if (maxLength !== undefined && text.length > maxLength) text = text.slice(0, maxLength);
  return text;
}
