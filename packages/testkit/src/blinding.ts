import { planTrials, type Question, type TrialCreated } from '@oversight/core';
import { createDefaultReplier } from './fake-openai/default-replier.ts';
import type { ReplyFn } from './fake-openai/types.ts';

/**
 * Flipped twins at the platform boundary. Two worlds run the same trial as a judge meets it: the same
 * question, the same answers in the same order, each arguer defending the same displayed answer and
 * saying the same words, but the other answer correct (so the other side honest), under another trial
 * id and seed. Whatever a participant's client receives in the two worlds (message bodies, component
 * ids, modals, thread names, DMs, terminal output, and when each arrives) must be the same, up to
 * handles that are themselves independent of the truth (a trial's random handle, platform ids, a
 * pseudonym). The Discord, Slack and terminal tests record their streams and compare them here.
 */

/** The question of each twin world: answers in one order, the other one correct, another id. */
export function twinQuestions(base: Question): [Question, Question] {
  const answers = base.answers.slice(0, 2);
  return [
    { ...base, id: `${base.id}-twin-a`, answers, correctIndex: 0 },
    { ...base, id: `${base.id}-twin-b`, answers, correctIndex: 1 },
  ];
}

/**
 * A blinding key under which the experiment's (single) trial of `question` shows its answers in the
 * dataset's order with every arguer on the same displayed answer in both worlds (debaters A and B on
 * answers A and B; a lone consultant or assistant on A): then the world whose question has the first
 * answer correct and the one with the second differ only in the truth.
 */
export function twinKey(
  config: Parameters<typeof planTrials>[1],
  question: Question,
  experimentId = config.name,
): string {
  for (let i = 0; i < 200; i++) {
    const key = `twin-${i}`;
    const [trial] = planTrials(experimentId, config, [question], undefined, undefined, { blindingKey: key });
    if (!trial) throw new Error('twinKey: the config plans no trial of the question');
    if (isTwinShape(trial.created)) return key;
  }
  throw new Error('twinKey: no key in 200 gives the twin shape (is trialsPerQuestion 1?)');
}

function isTwinShape(created: TrialCreated): boolean {
  const inOrder = created.displayed[0] === 0 && created.displayed[1] === 1;
  const single = created.arguers.length === 1;
  return inOrder && created.arguers.every((a, i) => a.answer === (single ? 0 : i));
}

/**
 * A fake model whose speeches do not depend on the side it was told to take: the words are the same
 * in both worlds (a real model's would differ; that is the content the judge is meant to weigh, and
 * not what this test is about). JSON requests (a best-of-N scorer) get the default replier's. Each
 * speech quotes the story's first sentence, so quote checks show.
 */
export function sideBlindReplier(story: string): ReplyFn {
  const sentence = story.split(/(?<=\.)\s+/)[0] ?? story.slice(0, 60);
  const json = createDefaultReplier();
  return (request, ctx) => {
    if (request.response_format) return json(request, ctx);
    return `The story settles it: <quote>${sentence}</quote> Read it again and decide.`;
  };
}

/** One thing a participant's client received (or, kind 'action', something the participant did). */
export interface Observed {
  /** Milliseconds, any clock, the same for every entry of one stream. */
  at: number;
  /** What it was: "POST /channels/#1/messages", "action: select 60", ... (normalised). */
  kind: string;
  body: unknown;
}

/**
 * Replaces what may legitimately differ between the worlds with stable placeholders: the given
 * strings (trial handles, pseudonyms, experiment-independent ids) by name, then long decimal ids
 * (Discord snowflakes, Slack timestamps) and the fake's interaction tokens in order of first appearance.
 */
export class Normalizer {
  private readonly seen = new Map<string, string>();

  /**
   * `opaque`: keys whose values are digests of platform ids (Discord message nonces, made from the
   * thread's id, the participant id and positions in the log) or ids the platform made up (Slack's
   * trigger, view and scheduled-message ids, a view's hash), compared by first appearance: a digest
   * differs between worlds whatever went into it, so what goes in is the code's to keep truth-free.
   */
  constructor(
    private readonly named: ReadonlyArray<readonly [value: string, placeholder: string]>,
    private readonly opaque: readonly string[] = [],
    /**
     * Random tokens recognised by their form (the web app's per-form receipts), each numbered by first
     * appearance under its prefix: the same count in the same places is what must match.
     */
    private readonly patterns: ReadonlyArray<readonly [pattern: RegExp, prefix: string]> = [],
  ) {
    for (const [pattern] of patterns)
      if (!pattern.global) throw new Error(`Normalizer: pattern ${pattern} needs the g flag`);
  }

  text(value: string): string {
    let out = value;
    for (const [from, to] of this.named) if (from) out = out.split(from).join(to);
    for (const [pattern, prefix] of this.patterns)
      out = out.replace(pattern, (token) => this.placeholder(`${prefix}:${token}`, `<${prefix}#`, '>'));
    out = out.replace(/aW50ZXJhY3Rpb24\.\d+\.[a-z0-9]+/g, '<interaction-token>');
    // A Slack permalink names its message by the ts without the dot (…/p1733000000123456): the same
    // placeholder as the ts itself.
    out = out.replace(
      /\/p(\d{10})(\d{6})\b/g,
      (_m, s: string, us: string) => `/p${this.placeholder(`${s}.${us}`, '#')}`,
    );
    return out.replace(/\b\d{10,20}(?:\.\d{6})?\b/g, (id) => this.placeholder(id, '#'));
  }

  private placeholder(value: string, prefix: string, suffix = ''): string {
    let name = this.seen.get(value);
    if (!name) {
      name = `${prefix}${this.seen.size + 1}${suffix}`;
      this.seen.set(value, name);
    }
    return name;
  }

  value(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          this.text(k),
          this.opaque.includes(k) && typeof v === 'string'
            ? this.placeholder(`opaque:${v}`, 'opaque')
            : this.value(v),
        ]),
      );
    return value;
  }

  /** The value with every id blanked (nothing assigned): for ordering items that arrive together. */
  shape(value: unknown): string {
    return JSON.stringify(value, (key, v) =>
      this.opaque.includes(key)
        ? '<opaque>'
        : typeof v === 'string'
          ? this.patterns
              .reduce(
                (t, [pattern, prefix]) => t.replace(pattern, `<${prefix}>`),
                this.named.reduce((t, [from, to]) => (from ? t.split(from).join(to) : t), v),
              )
              .replace(/aW50ZXJhY3Rpb24\.\d+\.[a-z0-9]+/g, '<interaction-token>')
              .replace(/\/p\d{16}\b/g, '/p#')
              .replace(/\b\d{10,20}(?:\.\d{6})?\b/g, '#')
          : v,
    );
  }

  /**
   * The stream cut at the participant's actions (see Segment), each segment's items in the order of
   * their shape, and only then normalised: so ids are numbered the same way in both worlds even when
   * two simultaneous deliveries came in either order.
   */
  segments(observed: readonly Observed[]): Segment[] {
    const raw: Array<{ action: string; at: number; items: Observed[] }> = [];
    let current = { action: '(start)', at: observed[0]?.at ?? 0, items: [] as Observed[] };
    for (const o of observed) {
      if (o.kind.startsWith('action:')) {
        raw.push(current);
        current = { action: o.kind, at: o.at, items: [] };
      } else current.items.push(o);
    }
    raw.push(current);
    return raw.map((segment) => ({
      action: this.text(segment.action),
      items: segment.items
        .map((o) => ({ o, key: this.shape({ kind: o.kind, body: o.body }) }))
        .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.o.at - y.o.at))
        .map(({ o }) => ({
          delay: o.at - segment.at,
          item: JSON.stringify({ kind: this.text(o.kind), body: this.value(o.body) }),
        })),
    }));
  }
}

/**
 * What arrived between one action of the participant and the next, each item timed from that action;
 * items in the order of their content (two loops of an app, a thread's posts and a DM, may deliver
 * in either order at the same moment: what a person can tell apart is what arrived and when).
 */
export interface Segment {
  action: string;
  items: Array<{ delay: number; item: string }>;
}

/**
 * Throws, saying where, unless the two streams (Normalizer.segments) have the same actions and, after
 * each, the same items; with `timing`, each item must also arrive at the same delay after the action before it,
 * within `toleranceMs` or `relative` of the larger delay.
 *
 * With `firstArrival`, each item is timed from the first thing that arrived after the action instead,
 * and that first arrival from the action, within `firstArrival.toleranceMs`. On a busy machine the app's
 * whole process stalls now and then (a second and more at a load of 10 on 2 cores), delaying
 * everything after a move alike in one world; what tells the truth is an item late against the others
 * of its segment (a speech posted when its model finished). Use it where the first arrival cannot wait
 * on a model (an acknowledgement the platform wants within 3 s).
 */
export function assertTwinStreams(
  sa: readonly Segment[],
  sb: readonly Segment[],
  options: {
    timing?: boolean;
    /** Which items' delays are compared (default: all): those that wait on the arguers' work. */
    timed?: (item: string, action: string) => boolean;
    toleranceMs?: number;
    relative?: number;
    firstArrival?: { toleranceMs: number };
  } = {},
): void {
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const x = sa[i];
    const y = sb[i];
    if (x?.action !== y?.action)
      throw new Error(`the twins' actions differ at step ${i}: ${x?.action} vs ${y?.action}`);
    for (let j = 0; j < Math.max(x!.items.length, y!.items.length); j++) {
      const p = x!.items[j]?.item ?? '(nothing)';
      const q = y!.items[j]?.item ?? '(nothing)';
      if (p !== q) throw new Error(`after ${x!.action} (step ${i}), item ${j}:\n${difference(p, q)}`);
    }
  }
  if (!options.timing) return;
  const [late] = timingMismatches(sa, sb, options);
  if (late) throw new Error(late.message);
}

type TimingOptions = Omit<NonNullable<Parameters<typeof assertTwinStreams>[2]>, 'timing'>;

/**
 * Every item whose delay differs between the twins beyond the tolerance (see assertTwinStreams), with
 * where it is and which world it was later in.
 */
function timingMismatches(
  sa: readonly Segment[],
  sb: readonly Segment[],
  options: TimingOptions,
): Array<{ where: string; message: string }> {
  const out: Array<{ where: string; message: string }> = [];
  const tolerance = options.toleranceMs ?? 300;
  const relative = options.relative ?? 0.35;
  const first = (x: Segment) => Math.min(...x.items.map((item) => item.delay));
  sa.forEach((x, i) => {
    const y = sb[i]!;
    let [fx, fy] = [0, 0];
    if (options.firstArrival && x.items.length > 0) {
      [fx, fy] = [first(x), first(y)];
      if (Math.abs(fx - fy) > options.firstArrival.toleranceMs)
        out.push({
          where: `${i}/first/${fx > fy ? 'A' : 'B'} later`,
          message: `after ${x.action} (step ${i}), the first answer came ${fx} ms later in world A and ${fy} ms in world B`,
        });
    }
    x.items.forEach((item, j) => {
      if (options.timed && !options.timed(item.item, x.action)) return;
      const other = y.items[j]!;
      const [dx, dy] = [item.delay - fx, other.delay - fy];
      const allowed = Math.max(tolerance, relative * Math.max(dx, dy));
      if (Math.abs(dx - dy) > allowed)
        out.push({
          where: `${i}/${j}/${dx > dy ? 'A' : 'B'} later`,
          message: `after ${x.action} (step ${i}), this came ${dx} ms ${options.firstArrival ? 'after the first answer' : 'later'} in world A and ${dy} ms in world B: ${item.item.slice(0, 300)}`,
        });
    });
  });
  return out;
}

/** Twin streams as a pair: world A's and world B's segments. */
export type TwinSegments = readonly [readonly Segment[], readonly Segment[]];

/**
 * The timing check of assertTwinStreams, measured once more before a mismatch counts. Timing is
 * measured, not computed: a machine busy with other work stalls one world's process now and then past
 * any tolerance (1.3 s at a load of 10 on 2 cores), at a moment that differs from run to run. A leak is
 * tied to a place (Discord's old per-speech posting put Debater A's round-2 speech 396 ms after the
 * judge's move in one world and 1,042 ms in the other, every run): so when the first run has
 * mismatches, `again` runs the twins afresh, and an item late in the same world in both runs fails
 * the test. `again` runs world B first: the world that runs first pays for what warms up (a first database connection,
 * code compiled on first use), a delay that follows the order and not the truth.
 */
export async function assertTwinTiming(
  first: TwinSegments,
  again: () => Promise<TwinSegments>,
  options: TimingOptions,
): Promise<void> {
  const before = timingMismatches(first[0], first[1], options);
  if (before.length === 0) return;
  for (const m of before) console.warn(`flipped twins, measured once more: ${m.message}`);
  const [a, b] = await again();
  // The second run's screens must match too (they are compared before timing).
  assertTwinStreams(a, b);
  const places = new Set(before.map((m) => m.where));
  const repeated = timingMismatches(a, b, options).filter((m) => places.has(m.where));
  if (repeated.length > 0)
    throw new Error(`late in both runs (a leak, not the machine's noise): ${repeated[0]!.message}`);
}

function difference(x: string, y: string): string {
  let at = 0;
  while (at < x.length && x[at] === y[at]) at += 1;
  const around = (t: string) => `…${t.slice(Math.max(0, at - 200), at + 200)}…`;
  return `  world A: ${around(x)}\n  world B: ${around(y)}`;
}
