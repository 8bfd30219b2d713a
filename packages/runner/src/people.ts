import { randomUUID } from 'node:crypto';
import {
  type ArguerRole,
  arguerPoolsOf,
  type ExperimentConfig,
  failedScreenOut,
  foldEvents,
  isPeopleJudged,
  judgePoolsOf,
  judgmentOf,
  type OpenSeat,
  type Pool,
  peoplePools,
  protocolFor,
  pseudonymFrom,
  qualificationStatus,
  type Role,
  seatOrder,
  type TrialEvent,
  type TrialState,
} from '@oversight/core';
import type { Database, ParticipantRow, SeatRow } from '@oversight/db';
import { type DriveContext, recordOptions } from './drive.ts';
import { appendFor } from './record.ts';
import { applyStoppingRule } from './stopping.ts';
import { AppendConflict, DuplicateMove, type MoveReceipt } from './store.ts';

/**
 * People as participants: a platform identity joins an experiment's pool (with consent recorded)
 * and becomes a participant under a pseudonym; a person asks for work and gets a seat; an admin
 * reassigns or stops a trial. Every change to a trial is an event through the same append as moves.
 */

export type Platform = 'terminal' | 'discord' | 'slack' | 'web';

/** A person as a platform knows them. Never stored in the log or exports: only in Participant.identity. */
export interface Identity {
  platform: Platform;
  user: string;
  /** Slack workspace (team) id. */
  team?: string;
  /**
   * Web only: the crowd platform that recruited the person, which then names the identity
   * ("prolific:<PROLIFIC_PID>", "mturk:<workerId>") so that bonus files can be written from it; a
   * person invited by a token is "web:<token id>".
   */
  recruitedOn?: 'prolific' | 'mturk';
}

export function identityKey(identity: Identity): string {
  const user = identity.team ? `${identity.team}/${identity.user}` : identity.user;
  return `${identity.recruitedOn ?? identity.platform}:${user}`;
}

export interface PeopleContext {
  db: Database;
  drive: DriveContext;
  experimentId: string;
  config: ExperimentConfig;
}

export type JoinResult =
  | { status: 'joined'; participant: ParticipantRow; created: boolean }
  | { status: 'refused'; reason: string };

/** The consent text a person must accept to join, or null when the experiment sets none. */
export function consentOf(config: ExperimentConfig): { text: string; version: string } | null {
  return config.consent ?? null;
}

/** Pools this identity may join, by name. */
export function joinablePools(config: ExperimentConfig, identity: Identity): Pool[] {
  return [...peoplePools(config).values()]
    .map((p) => p.pool)
    .filter((pool) => {
      const spec = pool.participant;
      if (spec.kind !== 'human' || spec.platform !== identity.platform) return false;
      return (
        !pool.ids ||
        pool.ids.includes(identity.user) ||
        pool.ids.includes(identityKey(identity).split(':')[1]!)
      );
    });
}

/**
 * Joins a person to a pool of the experiment. `accepted` says they accepted the consent text just
 * shown to them (required when the experiment has one). Joining twice returns the same participant.
 */
export async function joinExperiment(
  ctx: PeopleContext,
  identity: Identity,
  options: {
    pool?: string;
    accepted: boolean;
    /** Kept beside the pool's spec on a new person (the web app: the MTurk assignment `pay` bonuses). */
    details?: Record<string, string>;
  },
): Promise<JoinResult> {
  const { db, experimentId, config } = ctx;
  const consent = consentOf(config);
  if (consent && !options.accepted)
    return { status: 'refused', reason: 'you did not accept the consent text, so you have not joined' };
  const key = identityKey(identity);
  const existing = await db.participants.byIdentity(experimentId, key);
  if (existing) {
    if (existing.leftAt) {
      const row = await db.participants.rejoin(experimentId, existing.id, consent?.version ?? null);
      return { status: 'joined', participant: row, created: false };
    }
    return { status: 'joined', participant: existing, created: false };
  }
  const all = [...peoplePools(config).values()].map((p) => p.pool);
  const pools = joinablePools(config, identity);
  if (all.length === 0)
    return { status: 'refused', reason: `experiment ${experimentId} has no pools of people to join` };
  let pool: Pool | undefined;
  if (options.pool) {
    pool = pools.find((p) => p.name === options.pool);
    if (!pool)
      return {
        status: 'refused',
        reason: all.some((p) => p.name === options.pool)
          ? `pool "${options.pool}" is not open to you (${identity.platform} user ${identity.user})`
          : `no pool "${options.pool}"; pools of people: ${all.map((p) => p.name).join(', ')}`,
      };
  } else if (pools.length === 1) {
    pool = pools[0];
  } else if (pools.length === 0) {
    return {
      status: 'refused',
      reason: `no pool of experiment ${experimentId} is open to ${identity.platform} user ${identity.user}`,
    };
  } else {
    return { status: 'refused', reason: `choose a pool to join: ${pools.map((p) => p.name).join(', ')}` };
  }
  const chosen = pool!;
  const added = await db.participants.addPerson(
    experimentId,
    {
      identity: key,
      pool: chosen.name,
      label: pseudonymFrom(randomUUID()),
      spec: { ...(chosen.participant as unknown as Record<string, unknown>), ...options.details },
      consentVersion: consent?.version ?? null,
    },
    chosen.count !== undefined ? { capacity: chosen.count } : {},
  );
  if (added === 'full')
    return { status: 'refused', reason: `pool "${chosen.name}" is full (${chosen.count} people)` };
  if (!added) return { status: 'refused', reason: 'you could not be added; try again' };
  return { status: 'joined', participant: added.row, created: added.created };
}

export async function leaveExperiment(ctx: PeopleContext, participantId: string): Promise<void> {
  await ctx.db.participants.leave(ctx.experimentId, participantId);
}

/** A pre-registered rule that ended a person's part of the study: the platform's screen-out completion. */
export type ScreenOut = 'qualification' | 'attentionCheck';

/** Seats ("trialId/role") that a request of this process is claiming now: others try them last. */
const claiming = new Set<string>();

export type NextResult =
  | { status: 'owed'; trialId: string; role: Role; state: TrialState }
  | { status: 'assigned'; trialId: string; role: Role; state: TrialState }
  | { status: 'none'; reason: string; screenedOut?: ScreenOut };

/** Ends a person's part of the study by a rule: recorded on their participant row (once), and said why. */
async function screenOut(
  ctx: PeopleContext,
  participantId: string,
  by: ScreenOut,
  reason: string,
): Promise<NextResult> {
  await ctx.db.participants.markScreenedOut(ctx.experimentId, participantId, by, reason);
  return { status: 'none', reason, screenedOut: by };
}

/**
 * What a person is to do next: a move they owe already, else a new seat chosen for them. `receipt`
 * records where the request came from (the platform's interaction id) with the seat it gave.
 */
export async function nextForPerson(
  ctx: PeopleContext,
  participantId: string,
  receipt?: MoveReceipt,
  /**
   * The person's row and seats as the caller read them moments ago in the same request (the web's
   * home page reads both to see where the person stands), so they are not read twice. A seat taken
   * since by another of their requests is still refused by the claim itself (openSeats and the append).
   */
  known?: { person: ParticipantRow; seats: SeatRow[] },
): Promise<NextResult> {
  const { db, experimentId, config } = ctx;
  const owed = await db.trials.owedBy(participantId, experimentId);
  if (owed[0]) {
    const state = foldEvents(await ctx.drive.store.loadEvents(owed[0].trialId));
    return { status: 'owed', trialId: owed[0].trialId, role: owed[0].role as Role, state };
  }
  const person =
    known?.person.id === participantId
      ? known.person
      : await db.participants.get(experimentId, participantId);
  if (person?.kind !== 'human' || !person.pool)
    return { status: 'none', reason: `${participantId} has not joined ${experimentId}` };
  if (person.leftAt) return { status: 'none', reason: 'you left this experiment; join again to get trials' };
  const entry = peoplePools(config).get(person.pool);
  if (!entry)
    return { status: 'none', reason: `pool "${person.pool}" is no longer in the experiment's config` };

  const seats =
    known?.person.id === participantId ? known.seats : await db.trials.seatsOf(experimentId, participantId);
  let arms = eligibleArms(config, entry.pool.name, entry.seats);
  const checks = config.qualityControl?.attentionChecks;
  if (checks?.some((c) => c.screenOut)) {
    // Their own survey answers, in the trials they sat in (a person's handful, not the experiment's).
    const logs = await db.events.loadMany(seats.map((s) => s.trialId));
    const answers = [...logs.values()].flatMap((log) =>
      log.flatMap((e) => {
        const event = e.payload as TrialEvent;
        return event.type === 'FeedbackSubmitted' && event.participantId === participantId
          ? [event.answers]
          : [];
      }),
    );
    const failed = failedScreenOut(checks, answers);
    if (failed)
      return screenOut(
        ctx,
        participantId,
        'attentionCheck',
        `you were screened out: an attention check of the survey ("${failed.question}") was not answered as asked`,
      );
  }
  const rule = config.qualification;
  if (rule && entry.seats === 'judge' && arms.includes(rule.arm)) {
    const practice = seats.filter((s) => s.arm === rule.arm);
    const logs = await db.events.loadMany(practice.map((s) => s.trialId));
    const states = practice.map((s) => foldEvents(logs.get(s.trialId)!.map((e) => e.payload as TrialEvent)));
    const results = states.flatMap((st) => {
      const judgment = st.seats.judge === participantId ? judgmentOf(st, config.reward) : null;
      return judgment ? [judgment.correct] : [];
    });
    const inFlight = states.filter((st) => !st.verdict && !st.aborted).length;
    const standing = qualificationStatus(rule, results, inFlight);
    if (standing.state === 'failed')
      return screenOut(
        ctx,
        participantId,
        'qualification',
        `you did not qualify: ${standing.correct} of ${standing.done} practice trials correct, ${rule.minCorrect} needed`,
      );
    if (standing.state === 'practising') {
      if (standing.seatsLeft === 0)
        return { status: 'none', reason: 'your practice trial is being prepared; ask again in a moment' };
      arms = [rule.arm];
    } else {
      arms = arms.filter((a) => a !== rule.arm);
    }
  }
  if (arms.length === 0)
    return { status: 'none', reason: `no arm of ${experimentId} takes people from pool "${person.pool}"` };
  // The stopping rule: an arm whose answer is known gives no new seats (its unstarted trials are
  // stopped, with the reason in their logs); what is left is offered as usual.
  if (config.stopping) {
    const stopped = await applyStoppingRule(db, ctx.drive, experimentId, config);
    const known = new Set(stopped.map((s) => s.arm));
    const open = arms.filter((a) => !known.has(a));
    if (open.length === 0)
      return {
        status: 'none',
        reason: `the study's answer is known for ${arms.join(', ')}: no new trials there`,
      };
    arms = open;
  }
  const roles = entry.seats === 'judge' ? ['judge'] : arguerRolesOf(config, arms);
  const acrossExperiments = storiesAcrossExperiments(config);
  // Stories count as seen across every experiment on the dataset that this person joined (by their
  // platform identity): a pilot's reveal must not reach the same person's verdict in the main study.
  const seen = await db.trials.storiesSeen({ experimentId, participantId, acrossExperiments });
  const history = {
    stories: new Set(seen.map((s) => s.storyId)),
    trials: new Set(seats.map((s) => s.trialId)),
    perArm: seats.reduce<Record<string, number>>((acc, s) => {
      acc[s.arm] = (acc[s.arm] ?? 0) + 1;
      return acc;
    }, {}),
    total: seats.length,
  };
  // People asking at once each try the open seats in an order of their own (seatOrder), skipping
  // those another request of this process is claiming right now, so they rarely meet on one seat; a
  // seat someone took first costs a read, and after a few of those the open seats are read again.
  const tried = new Set<string>();
  for (let round = 0; round < 5; round++) {
    // Enough seats that some are neither tried nor being claimed by others here.
    const perArm = 50 + claiming.size + tried.size;
    const open = (
      await db.trials.openSeats({ experimentId, participantId, roles, arms, acrossExperiments, perArm })
    )
      .filter((o) => !tried.has(`${o.trialId}/${o.role}`))
      .map(
        (o): OpenSeat => ({
          trialId: o.trialId,
          arm: o.arm,
          role: o.role as Role,
          storyId: o.storyId,
          ordinal: o.ordinal,
        }),
      );
    const order = seatOrder(open, history, config.seed, participantId);
    if (order.length === 0)
      return {
        status: 'none',
        reason:
          seats.length === 0
            ? 'no trial is waiting for someone like you right now; try again later'
            : entry.seats === 'judge'
              ? `nothing is waiting for you right now (you judge each story once${acrossExperiments ? ', across the experiments on this dataset' : ''}); try again later`
              : 'nothing is waiting for you right now; try again later',
      };
    let lost = 0;
    for (const seat of order) {
      const key = `${seat.trialId}/${seat.role}`;
      // Being claimed by another request here: left for the next round (that claim may yet fail).
      if (claiming.has(key)) continue;
      if (lost === 8) break;
      tried.add(key);
      claiming.add(key);
      try {
        const state = await assignSeat(ctx.drive, seat.trialId, seat.role, participantId, {
          reason: 'asked for work',
          order: history.total,
          onlyIfOpen: true,
          ...(receipt ? { receipt } : {}),
        });
        if (state) return { status: 'assigned', trialId: seat.trialId, role: seat.role, state };
        lost += 1;
      } finally {
        claiming.delete(key);
      }
    }
  }
  return { status: 'none', reason: 'others took the open trials first; ask again' };
}

/** Whether stories seen in other experiments on the dataset count (the config's eachStoryOnce). */
export function storiesAcrossExperiments(config: ExperimentConfig): boolean {
  return config.eachStoryOnce !== 'per-experiment';
}

function eligibleArms(config: ExperimentConfig, pool: string, seats: 'judge' | 'arguer'): string[] {
  return config.arms
    .filter((arm) =>
      seats === 'judge'
        ? isPeopleJudged(config, arm) && judgePoolsOf(config, arm).some((p) => p.name === pool)
        : arguerPoolsOf(config, arm).some((p) => p.name === pool),
    )
    .map((arm) => arm.name);
}

function arguerRolesOf(config: ExperimentConfig, arms: readonly string[]): ArguerRole[] {
  const roles = new Set<ArguerRole>();
  for (const arm of config.arms)
    if (arms.includes(arm.name)) for (const role of protocolFor(arm.protocol).arguerRoles) roles.add(role);
  return [...roles];
}

/**
 * Gives a seat to a participant (or back to the pool, with null) by appending ParticipantAssigned.
 * With `onlyIfOpen`, returns null instead if someone else took it first. Throws on a finished trial.
 */
export async function assignSeat(
  context: DriveContext,
  trialId: string,
  role: Role,
  participantId: string | null,
  details: {
    reason: string;
    order?: number;
    by?: string;
    onlyIfOpen?: boolean;
    receipt?: MoveReceipt;
    /**
     * Change the seat only while this participant holds it (and, with `owedSince`, still owes the move
     * due since that position), checked on the state the append is made against: a release decided on
     * what was read a moment ago (an idle person's seat) cannot take the seat from whoever took it
     * since, nor from its holder once they moved. Returns null when it no longer applies.
     */
    onlyIfHeldBy?: { participantId: string; owedSince?: number };
  },
): Promise<TrialState | null> {
  for (let race = 0; race < 20; race++) {
    const state = foldEvents(await context.store.loadEvents(trialId));
    const held = details.onlyIfHeldBy;
    if (
      held &&
      (state.seats[role] !== held.participantId ||
        (held.owedSince !== undefined && state.owedSince[role] !== held.owedSince) ||
        state.verdict ||
        state.aborted)
    )
      return null;
    if (state.verdict || state.aborted) {
      if (details.onlyIfOpen) return null;
      throw new SeatError(`trial ${trialId} has ended; its seats cannot change`);
    }
    if (details.onlyIfOpen && (state.seats[role] !== undefined || state.owedSince[role] === undefined))
      return null;
    if (participantId !== null) {
      const elsewhere = (Object.entries(state.seats) as Array<[Role, string]>).find(
        ([r, id]) => id === participantId && r !== role,
      );
      if (elsewhere) {
        if (details.onlyIfOpen) return null;
        throw new SeatError(`${participantId} already holds the ${elsewhere[0]} seat of trial ${trialId}`);
      }
    }
    const event: TrialEvent = {
      type: 'ParticipantAssigned',
      role,
      participantId,
      reason: details.reason,
      ...(details.order !== undefined ? { order: details.order } : {}),
      ...(details.by !== undefined ? { by: details.by } : {}),
    };
    const { input, after } = appendFor(state, [event], recordOptions(context));
    try {
      await context.store.append({ ...input, ...(details.receipt ? { receipt: details.receipt } : {}) });
      return after;
    } catch (error) {
      // A repeated request (same interaction id) gave its seat already: the caller finds it as owed.
      if (error instanceof DuplicateMove) return details.onlyIfOpen ? null : state;
      if (!(error instanceof AppendConflict)) throw error;
    }
  }
  throw new SeatError(`trial ${trialId} kept changing; try again`);
}

/** Stops a trial with a reason, as an admin: recorded as TrialAborted with who did it. */
export async function abortTrial(
  context: DriveContext,
  trialId: string,
  reason: string,
  by: string,
): Promise<TrialState> {
  for (let race = 0; race < 20; race++) {
    const state = foldEvents(await context.store.loadEvents(trialId));
    if (state.verdict || state.aborted) throw new SeatError(`trial ${trialId} has already ended`);
    const { input, after } = appendFor(
      state,
      [{ type: 'TrialAborted', reason, role: null, by }],
      recordOptions(context),
    );
    try {
      await context.store.append(input);
      return after;
    } catch (error) {
      if (!(error instanceof AppendConflict)) throw error;
    }
  }
  throw new SeatError(`trial ${trialId} kept changing; try again`);
}

/** A seat change that cannot be made; the message says why. */
export class SeatError extends Error {
  override name = 'SeatError';
}

/**
 * An admin gives a seat to another person (or back to the pool, with null), recorded with who did it
 * and why. The person must be in the experiment and, for a judge seat, must not have seen the story
 * (here, or in another experiment on the same dataset unless the config allows that).
 */
export async function reassignSeat(
  ctx: PeopleContext,
  trialId: string,
  role: Role,
  to: string | null,
  details: { reason: string; by: string },
): Promise<TrialState> {
  if (to !== null) {
    const person = await ctx.db.participants.get(ctx.experimentId, to);
    if (person?.kind !== 'human') throw new SeatError(`${to} is not a person in ${ctx.experimentId}`);
    const state = foldEvents(await ctx.drive.store.loadEvents(trialId));
    if (role === 'judge') {
      const acrossExperiments = storiesAcrossExperiments(ctx.config);
      const seen = (
        await ctx.db.trials.storiesSeen({
          experimentId: ctx.experimentId,
          participantId: to,
          acrossExperiments,
          storyId: state.created.storyId,
        })
      ).find((s) => s.trialId !== trialId);
      if (seen)
        throw new SeatError(
          `${to} has already seen story ${state.created.storyId} (${seen.experimentId === ctx.experimentId ? '' : `in experiment ${seen.experimentId}, `}trial ${seen.trialId}, as ${seen.role}); a judge sees each story once${acrossExperiments ? ' across the experiments on a dataset' : ''}: choose someone else`,
        );
    }
  }
  return (await assignSeat(ctx.drive, trialId, role, to, details))!;
}
