import {
  foldEvents,
  type ProtocolKind,
  parseStoredConfig,
  protocolFor,
  type TrialEvent,
} from '@oversight/core';
import { type Database, type PersonJudgedRow, Prisma } from '@oversight/db';
import { type StoryRepeat, storyRepeats } from './story-once.ts';

/**
 * A design audit: checks of the run itself, so a reviewer reads one table instead of trusting the
 * code. Each check says passed, failed (with the trials concerned), or could not be checked and why.
 * What it reads: every trial's first event (the plan: answer order, sides, the answers shown),
 * counted by the database (db.audit), the chat threads trials were followed in, the seats people held
 * (across every experiment on the same dataset), and the move times of trials judged by people.
 */

export type AuditStatus = 'passed' | 'failed' | 'not checked';

export interface AuditCheck {
  id: 'answer-order' | 'honest-side' | 'same-distractor' | 'story-once' | 'reveal-private' | 'release-timing';
  title: string;
  status: AuditStatus;
  /** What was found, or why it could not be checked, in a sentence or two. */
  detail: string;
  /** Trials concerned by a failure (at most 20). */
  trials: string[];
}

export interface DesignAudit {
  experiments: string[];
  checks: AuditCheck[];
}

export interface AuditOptions {
  /** Trials judged by people whose move times are read for the timing check, at most (default 20,000). */
  maxTimedTrials?: number;
}

const LIST = 20;

interface Cell {
  total: number;
  first: number;
  honestFirst: number;
  /** The arm's trials per question (what the plan balances within a question depends on it). */
  perQuestion: number;
  arguers: number;
}

/**
 * Whether the plan balances this within each question (core's streamTrials): with two debaters, or
 * none, the answer order alternates every trial; with one arguer, honesty alternates every trial and
 * the answer order every second, so only multiples of four balance the order within a question.
 */
const EXACT = {
  'answer-order': (c: Cell) => c.perQuestion % (c.arguers === 1 ? 4 : 2) === 0,
  'honest-side': (c: Cell) => c.perQuestion % 2 === 0,
};

export async function auditDesign(
  db: Database,
  experimentIds: readonly string[],
  options: AuditOptions = {},
): Promise<DesignAudit> {
  const order = new Map<string, Cell>();
  /** Per question (experiment, dataset, question id): the arms it appears in, and the wrong answers shown. */
  const distractors = new Map<string, { arms: Set<string>; shown: Set<string> }>();
  const imported = new Set<string>();
  const peopleJudged: TimedTrial[] = [];
  /** Trials judged by people in imported experiments: their logs do not say when a speech reached the judge. */
  let importedJudged = 0;
  const humans = new Set<string>();
  let trials = 0;
  for (const experimentId of experimentIds) {
    const experiment = await db.experiments.get(experimentId);
    if (!experiment) continue;
    // Planned here (the plan's balance is exact per question), or imported (balance only by chance).
    if (experiment.plannedTrials === null) imported.add(experimentId);
    const config = safeConfig(experiment.config);
    const tpq = new Map((config?.arms ?? []).map((a) => [a.name, a.trialsPerQuestion]));
    for (const p of await db.participants.list(experimentId)) if (p.kind === 'human') humans.add(p.id);
    // The trials' first events counted by the database, alike trials together, in the order of each
    // group's first trial: the maps below get their keys in the order a walk through the trials by
    // id would give them (so the checks list what they find in that order). Each group's values are
    // its events' own, read here as the walk read each event.
    let byPeople = 0;
    for (const c of await db.audit.planCells(experimentId, [...humans])) {
      trials += c.trials;
      if (c.retryOf) continue;
      const key = `${experimentId}\u0000${c.arm}\u0000${c.questionId}`;
      const cell = order.get(key) ?? {
        total: 0,
        first: 0,
        honestFirst: 0,
        perQuestion: tpq.get(c.arm as string) ?? 1,
        arguers: c.arguers,
      };
      cell.total += c.trials;
      if (c.correctDisplayed === 0) cell.first += c.trials;
      if (c.firstHonest) cell.honestFirst += c.trials;
      order.set(key, cell);
      const shown = (c.displayed as number[])
        .filter((_, i) => i !== c.correctDisplayed)
        .sort((a, b) => a - b)
        .join(',');
      const question = `${experimentId}\u0000${c.dataset ?? ''}\u0000${c.questionId}`;
      const seen = distractors.get(question) ?? { arms: new Set<string>(), shown: new Set<string>() };
      seen.arms.add(c.arm as string);
      seen.shown.add(shown);
      distractors.set(question, seen);
      if (c.byPerson) byPeople += c.trials;
    }
    // Trials judged by people: counted in an imported experiment; read one by one (for the timing
    // check) only when there are some.
    if (imported.has(experimentId)) importedJudged += byPeople;
    else if (byPeople > 0) peopleJudged.push(...(await db.audit.personJudged(experimentId, [...humans])));
  }
  const checks: AuditCheck[] = [
    balanceCheck('answer-order', order, imported, (c) => c.first, 'the correct answer shown first'),
    balanceCheck('honest-side', order, imported, (c) => c.honestFirst, 'the first arguer honest'),
    distractorCheck(distractors),
    await storyCheck(db, experimentIds),
    await revealCheck(db, experimentIds),
    await timingCheck(db, peopleJudged, importedJudged, options.maxTimedTrials ?? 20_000),
  ];
  if (trials === 0)
    for (const check of checks)
      if (check.status === 'passed') Object.assign(check, { status: 'not checked', detail: 'no trials' });
  return { experiments: [...experimentIds], checks };
}

/** A trial judged by a person, as the timing check needs it (from its first event). */
type TimedTrial = PersonJudgedRow;

function safeConfig(stored: unknown) {
  try {
    return parseStoredConfig(stored);
  } catch {
    return null;
  }
}

const TITLES: Record<AuditCheck['id'], string> = {
  'answer-order': 'Answer order balanced against correctness',
  'honest-side': 'Honest side balanced by position',
  'same-distractor': 'The same wrong answer in every arm',
  'story-once': 'No person seated on a story twice',
  'reveal-private': "No trial's reveal readable by another participant",
  'release-timing': 'Release times blind to who is honest',
};

function check(id: AuditCheck['id'], status: AuditStatus, detail: string, trials: string[] = []): AuditCheck {
  return { id, title: TITLES[id], status, detail, trials: trials.slice(0, LIST) };
}

/**
 * Per arm and question, where the plan balances it (see EXACT), the count must split evenly; in the
 * other arms (and in imported experiments, which were not planned here), a coin drawn per question
 * balances it across questions, so per arm an exact two-sided binomial test against a fair coin: below
 * 0.01 the imbalance is beyond chance.
 */
function balanceCheck(
  id: 'answer-order' | 'honest-side',
  cells: Map<string, Cell>,
  imported: ReadonlySet<string>,
  count: (cell: Cell) => number,
  what: string,
): AuditCheck {
  const relevant = [...cells].filter(([, c]) => id === 'answer-order' || c.arguers > 0);
  if (relevant.length === 0)
    return check(id, 'not checked', id === 'honest-side' ? 'no trial has arguers' : 'no trials');
  const off: string[] = [];
  const pooled = new Map<string, { yes: number; total: number }>();
  let exact = 0;
  for (const [key, cell] of relevant) {
    const [experimentId, arm, question] = key.split('\u0000') as [string, string, string];
    if (!imported.has(experimentId) && EXACT[id](cell)) {
      exact += 1;
      if (2 * count(cell) !== cell.total)
        off.push(`${experimentId}/${arm}/${question} (${count(cell)} of ${cell.total})`);
      continue;
    }
    const a = pooled.get(`${experimentId}/${arm}`) ?? { yes: 0, total: 0 };
    a.yes += count(cell);
    a.total += cell.total;
    pooled.set(`${experimentId}/${arm}`, a);
  }
  const unfair = [...pooled].filter(([, a]) => binomialTwoSided(a.yes, a.total) < 0.01);
  const summary = [...pooled].map(([arm, a]) => `${arm}: ${a.yes} of ${a.total}`).join('; ');
  if (off.length > 0 || unfair.length > 0)
    return check(
      id,
      'failed',
      `${off.length ? `${off.length} question(s) the plan should split evenly are not: ${off.slice(0, 5).join(', ')}. ` : ''}${
        unfair.length
          ? `Beyond chance (exact binomial p < 0.01): ${unfair.map(([a, x]) => `${a} ${x.yes} of ${x.total}`).join(', ')}.`
          : ''
      }`.trim(),
    );
  return check(
    id,
    'passed',
    [
      exact > 0 ? `${what} in exactly half the trials of each of ${exact} arm-question pairs` : '',
      pooled.size > 0 ? `balanced across questions, within chance: ${summary}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  );
}

/** Exact two-sided binomial p-value against p = 0.5 (the sum of outcomes no more likely than the one seen). */
export function binomialTwoSided(k: number, n: number): number {
  if (n === 0) return 1;
  const logChoose = (m: number) => lgamma(n + 1) - lgamma(m + 1) - lgamma(n - m + 1);
  const pOf = (m: number) => Math.exp(logChoose(m) - n * Math.LN2);
  const seen = pOf(k);
  let p = 0;
  for (let m = 0; m <= n; m++) {
    const q = pOf(m);
    if (q <= seen * (1 + 1e-9)) p += q;
  }
  return Math.min(1, p);
}

function lgamma(x: number): number {
  // Stirling series with a shift: ample for the counts here (relative error far below 1e-10).
  let shift = 0;
  let z = x;
  while (z < 8) {
    shift -= Math.log(z);
    z += 1;
  }
  const inv = 1 / (z * z);
  return (
    shift +
    (z - 0.5) * Math.log(z) -
    z +
    0.5 * Math.log(2 * Math.PI) +
    (1 / 12 - inv * (1 / 360 - inv * (1 / 1260 - inv / 1680))) / z
  );
}

function distractorCheck(questions: Map<string, { arms: Set<string>; shown: Set<string> }>): AuditCheck {
  let shared = 0;
  const differing: string[] = [];
  for (const [key, { arms, shown }] of questions) {
    if (arms.size < 2) continue;
    shared += 1;
    if (shown.size > 1) differing.push(key.split('\u0000')[2]!);
  }
  if (shared === 0)
    return check('same-distractor', 'not checked', 'no question appears in more than one arm');
  if (differing.length > 0)
    return check(
      'same-distractor',
      'failed',
      `${differing.length} of ${shared} questions show different wrong answers in different arms: ${differing.slice(0, 5).join(', ')}`,
    );
  return check(
    'same-distractor',
    'passed',
    `${shared} questions appear in several arms; each shows the same answers in every arm`,
  );
}

/**
 * Judge seats given on a story the person had seen before (story-once.ts): in this experiment or in
 * another on the same dataset they joined under the same identity. A repeat the config allowed
 * (`eachStoryOnce: "per-experiment"`, across experiments only) is counted but does not fail.
 */
async function storyCheck(db: Database, experimentIds: readonly string[]): Promise<AuditCheck> {
  const repeats: StoryRepeat[] = [];
  for (const id of experimentIds) repeats.push(...(await storyRepeats(db, id)));
  const seats = await db.prisma.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS "n" FROM "Seat" WHERE "experimentId" = ANY(${[...experimentIds]}::text[])`;
  if ((seats[0]?.n ?? 0) === 0)
    return check(
      'story-once',
      'not checked',
      'no seats were recorded (imported or automatically judged trials)',
    );
  const refused = repeats.filter((r) => !r.allowed);
  const allowed = repeats.length - refused.length;
  const note =
    allowed > 0 ? `; ${allowed} repeat(s) across experiments the config allowed (eachStoryOnce)` : '';
  if (refused.length > 0)
    return check(
      'story-once',
      'failed',
      `${refused.length} judge seat(s) given on a story the person had seen before: ${refused
        .slice(0, 5)
        .map((r) => `${r.participantId} on story ${r.storyId} (seen in ${r.seenBefore[0]?.experimentId})`)
        .join(', ')}${note}`,
      refused.map((r) => r.trialId),
    );
  return check(
    'story-once',
    'passed',
    `${seats[0]!.n} seats; nobody judged a story they had seen before, in any experiment on the same dataset${note}`,
  );
}

/**
 * Each chat thread is one person's: no thread is followed by two participants, and every Slack
 * thread is in a DM (channel ids of DMs start with D). Discord threads are private threads, made so
 * by the bot (invitable: false), readable by their person and the server's moderators.
 */
async function revealCheck(db: Database, experimentIds: readonly string[]): Promise<AuditCheck> {
  const threads = await db.prisma.$queryRaw<
    Array<{
      trialId: string;
      participantId: string;
      platform: string;
      workspace: string;
      channel: string;
      thread: string;
    }>
  >(Prisma.sql`
    SELECT c."trialId", c."participantId", c."platform", c."workspace", c."channel", c."thread"
    FROM "ChatThread" c JOIN "Trial" t ON t."id" = c."trialId"
    WHERE t."experimentId" = ANY(${[...experimentIds]}::text[])`);
  if (threads.length === 0)
    return check(
      'reveal-private',
      'not checked',
      'no trial was followed in Discord or Slack (the terminal shows a trial to the person at it)',
    );
  const byPlace = new Map<string, Set<string>>();
  const shared: string[] = [];
  for (const t of threads) {
    const place = `${t.platform}/${t.workspace}/${t.channel}/${t.thread}`;
    const who = byPlace.get(place) ?? new Set<string>();
    who.add(t.participantId);
    byPlace.set(place, who);
    if (t.platform === 'slack' && !t.channel.startsWith('D')) shared.push(t.trialId);
  }
  for (const t of threads)
    if ((byPlace.get(`${t.platform}/${t.workspace}/${t.channel}/${t.thread}`)?.size ?? 0) > 1)
      shared.push(t.trialId);
  if (shared.length > 0)
    return check(
      'reveal-private',
      'failed',
      `${new Set(shared).size} trial(s) were followed where someone else could read them (a Slack channel, or a thread two participants follow)`,
      [...new Set(shared)],
    );
  return check(
    'reveal-private',
    'passed',
    `${threads.length} chat threads, each followed by one participant: Slack threads in DMs, Discord threads private`,
  );
}

/**
 * A round's speeches reach the judge together, by design (the judge's view); what a person judging one
 * arguer can still time is the wait from their move to the next reply. Per such arm, the waits after
 * honest and dishonest replies are compared: failed when both have at least five and their medians
 * differ by more than a second and a quarter of the larger. Arms with a pace: replies released before
 * it (none should be) and after it (those overran it and could be timed) are counted.
 */
async function timingCheck(
  db: Database,
  trials: readonly TimedTrial[],
  imported: number,
  max: number,
): Promise<AuditCheck> {
  const single = trials.filter((t) => protocolFor(t.protocol as ProtocolKind).arguerRoles.length === 1);
  const debates = trials.length - single.length;
  if (trials.length === 0)
    return check(
      'release-timing',
      'not checked',
      imported > 0
        ? `the ${imported} trials judged by people were imported: their logs do not say when each speech reached the judge`
        : 'no trial was judged by a person',
    );
  if (single.length > max)
    return check(
      'release-timing',
      'not checked',
      `${single.length} trials judged by people with one arguer; more than the ${max} whose move times are read`,
    );
  const waits = new Map<
    string,
    { honest: number[]; dishonest: number[]; pace: number | null; early: number; over: number }
  >();
  let timeless = 0;
  for (let i = 0; i < single.length; i += 500) {
    const logs = await db.events.loadMany(single.slice(i, i + 500).map((t) => t.trialId));
    for (const t of single.slice(i, i + 500)) {
      const log = logs.get(t.trialId) ?? [];
      const times = log.map((e) => e.recordedAt.getTime());
      // Moves written in one statement (an import) share a time: nothing to measure.
      const moves = times.slice(1);
      if (moves.length > 1 && Math.max(...moves) - Math.min(...moves) < 1) {
        timeless += 1;
        continue;
      }
      const state = foldEvents(log.map((e) => e.payload as TrialEvent));
      const honest = state.created.arguers[0]?.honest === true;
      const key = `${t.experimentId}/${t.arm}`;
      const arm = waits.get(key) ?? {
        honest: [],
        dishonest: [],
        pace: t.paceSeconds ?? null,
        early: 0,
        over: 0,
      };
      let judgeMoved: number | null = null;
      for (const [i, e] of log.entries()) {
        const event = e.payload as TrialEvent;
        if (event.type === 'BeliefReported' || event.type === 'JudgeInterjected') judgeMoved = times[i]!;
        if (event.type === 'ArgumentSubmitted' && judgeMoved !== null) {
          const wait = times[i]! - judgeMoved;
          (honest ? arm.honest : arm.dishonest).push(wait);
          if (arm.pace !== null && wait < arm.pace * 1000 - 50) arm.early += 1;
          if (arm.pace !== null && wait > arm.pace * 1000 + 1000) arm.over += 1;
          judgeMoved = null;
        }
      }
      waits.set(key, arm);
    }
  }
  const lines: string[] = [];
  const failed: string[] = [];
  for (const [arm, w] of waits) {
    const mh = median(w.honest);
    const md = median(w.dishonest);
    const paced =
      w.pace === null ? '' : ` (pace ${w.pace} s: ${w.early} released early, ${w.over} overran it)`;
    if (w.honest.length >= 5 && w.dishonest.length >= 5) {
      const gap = Math.abs(mh - md);
      const line = `${arm}: median wait ${(mh / 1000).toFixed(1)} s after honest replies, ${(md / 1000).toFixed(1)} s after dishonest${paced}`;
      if (gap > 1000 && gap > 0.25 * Math.max(mh, md)) failed.push(line);
      else lines.push(line);
    } else
      lines.push(
        `${arm}: too few replies to compare (${w.honest.length} honest, ${w.dishonest.length} dishonest)${paced}`,
      );
    if (w.early > 0) failed.push(`${arm}: ${w.early} replies released before the pace`);
  }
  const notes = [
    debates > 0 ? `${debates} debate trials: both sides' speeches of a round reach the judge together` : '',
    timeless > 0 ? `${timeless} trials carry no move times` : '',
    imported > 0 ? `${imported} imported trials not checked (their logs carry no times of release)` : '',
  ].filter(Boolean);
  if (failed.length > 0) return check('release-timing', 'failed', [...failed, ...lines, ...notes].join('; '));
  if (waits.size === 0)
    return check(
      'release-timing',
      notes.length && timeless === 0 ? 'passed' : 'not checked',
      notes.join('; ') || 'no move times to read',
    );
  return check('release-timing', 'passed', [...lines, ...notes].join('; '));
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
