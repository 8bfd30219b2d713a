import { createHash, randomBytes } from 'node:crypto';
import {
  countPlannedTrials,
  createRng,
  type ExperimentConfig,
  type ExperimentParticipants,
  experimentParticipants,
  foldEvents,
  InputError,
  newExperimentNameIssues,
  OFFLINE_SOURCE,
  type OfflineSource,
  offlineSourceOf,
  type ParticipantRecord,
  type PlannedTrial,
  type PlanOptions,
  parseStoredConfig,
  planOfflineTrials,
  planTrials,
  type Question,
  type Role,
  streamTrials,
  type TrialCreated,
  type TrialEvent,
} from '@oversight/core';
import {
  type Database,
  ExperimentConfigChangedError,
  TrialIdClashError,
  type TrialInput,
} from '@oversight/db';
import { designDifferences } from './design.ts';
import type { Participant, ParticipantFactories } from './participant.ts';
import { createParticipant } from './participants/registry.ts';
import { type IsPerson, trialRecord } from './record.ts';

/** A stable hash of a parsed config: an experiment id may not be reused for a different design. */
export function configHash(config: ExperimentConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The questions an experiment uses: by id when listed, else a seeded sample of `limit`. */
export function selectQuestions(config: ExperimentConfig, all: readonly Question[]): Question[] {
  const sorted = [...all].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { ids, limit } = config.questions;
  let chosen = sorted;
  if (ids) {
    const wanted = new Set(ids);
    chosen = sorted.filter((q) => wanted.has(q.id));
    const missing = ids.filter((id) => !chosen.some((q) => q.id === id));
    if (missing.length > 0)
      throw new Error(`questions.ids names questions not in the dataset: ${missing.slice(0, 5).join(', ')}`);
  }
  if (limit !== undefined && limit < chosen.length) {
    chosen = createRng(`${config.seed}/questions`).shuffle(chosen).slice(0, limit);
    chosen.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  return chosen;
}

export interface ExperimentPlan {
  experimentId: string;
  config: ExperimentConfig;
  /** Stored with the experiment (see PlanOptions in core); null when nobody taking part is a person. */
  blindingKey: string | null;
  questions: Question[];
  participants: ParticipantRecord[];
  trials: PlannedTrial[];
}

/**
 * Everything that can fail on bad input happens here, before anything is written. `datasetName` is
 * the name the questions are stored under; trials record it so they read back their own questions.
 */
/**
 * How an experiment is planned beyond its config: the blinding key (core's PlanOptions) and, for
 * offline arms, the finished trials of their source experiments (loadOfflineSources), by arm name.
 */
export interface ExperimentPlanOptions extends PlanOptions {
  offline?: ReadonlyMap<string, readonly OfflineSource[]>;
}

export function planExperiment(
  config: ExperimentConfig,
  dataset: readonly Question[],
  datasetName?: string,
  options: ExperimentPlanOptions = {},
): ExperimentPlan {
  const { people, ...scope } = planScope(config, dataset);
  const trials = [
    ...planTrials(config.name, config, scope.questions, people, datasetName, options),
    ...offlineTrials(config, people, datasetName, options, countPlannedTrials(config, scope.questions)),
  ];
  return { ...scope, blindingKey: options.blindingKey ?? null, trials };
}

/** The offline arms' trials, after every other arm's in plan order (see core's offline.ts). */
function offlineTrials(
  config: ExperimentConfig,
  people: ExperimentParticipants,
  datasetName: string | undefined,
  options: ExperimentPlanOptions,
  offset: number,
): PlannedTrial[] {
  const out: PlannedTrial[] = [];
  for (const arm of config.arms) {
    if (!arm.source) continue;
    const sources = options.offline?.get(arm.name) ?? [];
    out.push(
      ...planOfflineTrials(config.name, config, arm, sources, people, datasetName, offset + out.length),
    );
  }
  return out;
}

/**
 * A plan whose trials are made as they are written (story by story, see core's streamTrials), so
 * planning a million trials takes the memory of one story's; what `oversight run` uses.
 */
export interface StreamedPlan extends Omit<ExperimentPlan, 'trials'> {
  datasetName: string | undefined;
  trialCount: number;
  /** The trials, made anew on each call. */
  trials(): Iterable<PlannedTrial>;
  /** Makes every trial once without keeping any: throws what planning would (e.g. too few judges). */
  check(): void;
}

export function streamExperiment(
  config: ExperimentConfig,
  dataset: readonly Question[],
  datasetName?: string,
  options: ExperimentPlanOptions = {},
): StreamedPlan {
  const { people, ...scope } = planScope(config, dataset);
  const planned = countPlannedTrials(config, scope.questions);
  const offline = offlineTrials(config, people, datasetName, options, planned);
  const trials = function* () {
    yield* streamTrials(config.name, config, scope.questions, people, datasetName, options);
    yield* offline;
  };
  return {
    ...scope,
    blindingKey: options.blindingKey ?? null,
    datasetName,
    trialCount: planned + offline.length,
    trials,
    check() {
      for (const _ of trials());
    },
  };
}

function planScope(config: ExperimentConfig, dataset: readonly Question[]) {
  const questions = selectQuestions(config, dataset);
  if (questions.length === 0) throw new Error('the experiment selects no questions from its dataset');
  const people = experimentParticipants(config);
  return {
    experimentId: config.name,
    config,
    questions,
    participants: participantRecords(config, people),
    people,
  };
}

/** Every participant of an experiment: its judges and each arm's arguers. */
export function participantRecords(
  config: ExperimentConfig,
  people: ExperimentParticipants = experimentParticipants(config),
): ParticipantRecord[] {
  return [
    ...people.judges.map(({ pool: _pool, ...record }) => record),
    ...Object.values(people.arguers).flatMap(({ honest, dishonest }) =>
      (honest === dishonest ? [honest] : [honest, dishonest]).filter((r) => r !== null),
    ),
  ];
}

/** Anyone the config does not define is a person who joined: they never move automatically. */
function personRecord(id: string): ParticipantRecord {
  return { id, label: id, spec: { kind: 'human', platform: 'terminal' } };
}

export function participantDirectory(
  plan: Pick<ExperimentPlan, 'experimentId' | 'config' | 'participants'>,
  factories: ParticipantFactories,
): (id: string) => Participant {
  const records = new Map(plan.participants.map((r) => [r.id, r]));
  const built = new Map<string, Participant>();
  return (id) => {
    let participant = built.get(id);
    if (!participant) {
      const record = records.get(id) ?? personRecord(id);
      // The implementation (a model client, say) is made on the first move asked of it, so code that
      // only needs to know who a participant is (a chat app, a status) needs no model factories.
      let implementation: Participant | undefined;
      const made = () =>
        (implementation ??= createParticipant(
          record,
          { experimentId: plan.experimentId, config: plan.config },
          factories,
        ));
      participant = {
        record,
        respond: (request) => made().respond(request),
        // Only judges with a policy ask at any time (simulated ones); the rest never do.
        interject: async (request) => (await made().interject?.(request)) ?? null,
      };
      built.set(id, participant);
    }
    return participant;
  };
}

/**
 * Writes the plan: questions, the experiment, participants and every trial with its TrialCreated
 * event, in batches, then records that the plan is complete. Idempotent, so `oversight run` after a
 * crash plans again and finds everything in place; once the plan is complete it writes nothing.
 * `source` names where the questions came from, for the message when a dataset name clashes.
 */
export interface PersistOptions {
  /** Told how many trials are stored after each batch. */
  onProgress?: (stored: number, total: number) => void;
  /** Stops between two batches (each is whole): persistPlan then returns false, the plan incomplete. */
  signal?: AbortSignal;
}

/** Returns true once the whole plan is stored (false only when stopped by `options.signal`). */
export async function persistPlan(
  db: Database,
  plan: ExperimentPlan | StreamedPlan,
  datasetName: string,
  source?: string,
  options: PersistOptions = {},
): Promise<boolean> {
  const { config } = plan;
  const streamed = typeof plan.trials === 'function';
  const planned = streamed
    ? (plan as StreamedPlan).datasetName
    : (plan as ExperimentPlan).trials.find((t) => t.created.dataset !== undefined)?.created.dataset;
  if (planned !== undefined && planned !== datasetName)
    throw new Error(`persistPlan: trials were planned for dataset ${planned}, not ${datasetName}`);
  const count = streamed ? (plan as StreamedPlan).trialCount : (plan as ExperimentPlan).trials.length;
  // Everything that can be refused is checked before the first write: a changed config for this
  // experiment id, and questions that differ from ones stored under the same dataset and id.
  const hash = configHash(config);
  const stored = await db.experiments.get(plan.experimentId);
  if (!stored) refuseDottedNames(config);
  // Only the design must match (design.ts): how the experiment runs may change, and is then stored.
  const storedConfig = stored ? readStoredConfig(stored.config) : null;
  const changed = storedConfig
    ? designDifferences(storedConfig, config)
    : stored
      ? ['(unreadable stored config)']
      : [];
  if (stored && (stored.blindingKey ?? null) !== plan.blindingKey)
    throw new Error(
      `persistPlan: experiment ${plan.experimentId} was planned with ${stored.blindingKey ? 'a' : 'no'} blinding key; plan it with the stored one (resolveBlinding)`,
    );
  if (stored && stored.configHash !== hash && changed.length > 0)
    throw new ExperimentConfigChangedError(plan.experimentId, stored.configHash, hash, changed);
  await db.questions.check(datasetName, plan.questions, source);
  if (stored && stored.configHash !== hash)
    await db.experiments.updateConfig(plan.experimentId, config as unknown as Record<string, unknown>, hash);
  // The same design, every trial stored: nothing to plan.
  if (stored?.plannedTrials === count) return true;
  // Every trial is made once before anything is written (what check() does, which throws what
  // planning would), and its id looked up: an id another experiment holds is refused, not skipped.
  await refuseTrialIdClashes(
    db,
    plan.experimentId,
    streamed ? (plan as StreamedPlan).trials() : (plan as ExperimentPlan).trials,
  );
  if (!stored || stored.configHash === hash)
    await db.experiments.ensure({
      id: plan.experimentId,
      name: config.name,
      seed: config.seed,
      config: config as unknown as Record<string, unknown>,
      configHash: hash,
      blindingKey: plan.blindingKey,
    });
  await db.questions.upsertMany(datasetName, plan.questions, source);
  await db.participants.upsertMany(
    plan.experimentId,
    plan.participants.map((p) => ({
      id: p.id,
      kind: p.spec.kind,
      label: p.label,
      spec: p.spec as unknown as Record<string, unknown>,
    })),
  );
  // Statuses only need to know who is a person, so no model client is built here.
  const automatic = new Set(plan.participants.filter((p) => p.spec.kind !== 'human').map((p) => p.id));
  const isPerson = (id: string | null) => id === null || (id !== OFFLINE_SOURCE && !automatic.has(id));
  const trials = streamed ? (plan as StreamedPlan).trials() : (plan as ExperimentPlan).trials;
  let batch: TrialInput[] = [];
  let written = 0;
  const write = async () => {
    await db.trials.createMany(batch);
    written += batch.length;
    batch = [];
    options.onProgress?.(written, count);
  };
  for (const { created, ordinal } of trials) {
    batch.push(trialInput(created, ordinal, datasetName, isPerson));
    if (batch.length === PLAN_BATCH) {
      await write();
      if (options.signal?.aborted) return false;
    }
  }
  if (batch.length > 0) await write();
  await db.experiments.markPlanned(plan.experimentId, count);
  return true;
}

const PLAN_BATCH = 1000;
/** Planned trial ids looked up per statement, when another experiment is stored. */
const ID_CHECK_BATCH = 5000;

/** A new experiment whose names hold "." is refused before anything is written (see newExperimentNameIssues). */
function refuseDottedNames(config: ExperimentConfig): void {
  const issues = newExperimentNameIssues(config);
  if (issues.length === 0) return;
  throw new InputError(
    `experiment "${config.name}" is new, and its names may not contain ".":\n${issues.map((i) => `  - ${i.field}: ${i.message}`).join('\n')}`,
    config.name,
  );
}

async function refuseTrialIdClashes(
  db: Database,
  experimentId: string,
  trials: Iterable<PlannedTrial>,
): Promise<void> {
  // With no other experiment stored, no id can clash: the trials are only made (and checked).
  const others = (await db.experiments.ids()).some((id) => id !== experimentId);
  let batch: string[] = [];
  const lookUp = async () => {
    const clashes = await db.trials.heldElsewhere(experimentId, batch, 3);
    batch = [];
    if (clashes.length > 0) throw new TrialIdClashError(experimentId, clashes);
  };
  for (const { created } of trials) {
    if (!others) continue;
    batch.push(created.trialId);
    if (batch.length === ID_CHECK_BATCH) await lookUp();
  }
  if (batch.length > 0) await lookUp();
}

function readStoredConfig(stored: unknown): ExperimentConfig | null {
  try {
    return parseStoredConfig(stored);
  } catch {
    return null;
  }
}

/** Whether a person takes part in the experiment: a pool of people judges, or people argue an arm. */
export function hasPeople(config: ExperimentConfig): boolean {
  return (
    config.judges.some((pool) => pool.participant.kind === 'human') ||
    config.arms.some((arm) => arm.arguer.kind === 'human' || arm.dishonestArguer?.kind === 'human') ||
    (config.arguers?.length ?? 0) > 0
  );
}

/**
 * The seed and blinding key an experiment is planned with. A stored experiment keeps its own (the
 * config's seed must match it, as any design field must; a config without a seed takes the stored
 * one). A new one takes the config's seed, or a random one when the config gives none (`seedGiven`
 * false: then nobody can rebuild the plan from the config at all), and, when people take part, a
 * new random blinding key (see PlanOptions in core). An experiment stored before keys existed keeps
 * none, so what is still unplanned of it is planned as the rest was.
 */
export async function resolveBlinding(
  db: Database,
  config: ExperimentConfig,
  options: { seedGiven: boolean },
): Promise<{ config: ExperimentConfig; blindingKey: string | null; seedMade: boolean }> {
  const stored = await db.experiments.get(config.name);
  if (stored) {
    const seed = options.seedGiven ? config.seed : stored.seed;
    return { config: { ...config, seed }, blindingKey: stored.blindingKey ?? null, seedMade: false };
  }
  return {
    config,
    blindingKey: hasPeople(config) ? randomBytes(24).toString('base64url') : null,
    seedMade: !options.seedGiven,
  };
}

/** A seed for a config that gives none: random, so the plan cannot be rebuilt from the config. */
export function randomSeed(): string {
  return randomBytes(12).toString('base64url');
}

/** A planned trial as the database stores it: the row, its first event, who owes the first moves, its seats. */
export function trialInput(
  created: TrialCreated,
  ordinal: number,
  dataset: string,
  isPerson: IsPerson,
): TrialInput {
  const state = foldEvents([created]);
  const { status, owed } = trialRecord(state, isPerson);
  return {
    id: created.trialId,
    experimentId: created.experimentId,
    arm: created.arm,
    protocol: created.rules.protocol,
    dataset,
    questionId: created.questionId,
    storyId: created.storyId,
    judgeId: created.judgeId,
    ordinal,
    status,
    owed,
    seats: (Object.entries(state.seats) as Array<[Role, string]>).map(([role, participantId]) => ({
      role,
      participantId,
    })),
    created,
  };
}

/**
 * The finished trials an experiment's offline arms judge again, by arm: from the source experiment
 * (and its arms, when named), every trial with a verdict. Refuses, saying what to fix, a source that
 * is not stored, arms it does not have, another dataset, or no finished trial yet.
 */
export async function loadOfflineSources(
  db: Database,
  config: ExperimentConfig,
  datasetName: string,
): Promise<Map<string, OfflineSource[]>> {
  const out = new Map<string, OfflineSource[]>();
  for (const arm of config.arms) {
    if (!arm.source) continue;
    const where = `arms[${config.arms.indexOf(arm)}].source`;
    const stored = await db.experiments.get(arm.source.experiment);
    if (!stored) {
      const known = (await db.experiments.list()).map((e) => e.id);
      throw new InputError(
        `${where}: no experiment "${arm.source.experiment}" to take transcripts from${known.length ? `; there are: ${known.join(', ')}` : ''}`,
        where,
      );
    }
    const arms = await db.trials.countByArm(arm.source.experiment);
    const unknown = (arm.source.arms ?? []).filter((a) => !(a in arms));
    if (unknown.length > 0)
      throw new InputError(
        `${where}.arms: ${arm.source.experiment} has no arm ${unknown.map((a) => `"${a}"`).join(', ')}; its arms: ${Object.keys(arms).join(', ')}`,
        where,
      );
    const wanted = new Set(arm.source.arms ?? Object.keys(arms));
    const sources: OfflineSource[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await db.trials.list(arm.source.experiment, {
        status: ['finished'],
        limit: 500,
        ...(afterId ? { afterId } : {}),
      });
      if (page.length === 0) break;
      afterId = page.at(-1)!.id;
      const chosen = page.filter((t) => wanted.has(t.arm));
      const logs = await db.events.loadMany(chosen.map((t) => t.id));
      for (const t of chosen) {
        if (t.dataset !== datasetName)
          throw new InputError(
            `${where}: ${arm.source.experiment}'s trials ask questions of dataset "${t.dataset}", this experiment's are "${datasetName}"; use the same dataset`,
            where,
          );
        const source = offlineSourceOf((logs.get(t.id) ?? []).map((e) => e.payload as TrialEvent));
        if (source) sources.push(source);
      }
      if (page.length < 500) break;
    }
    if (sources.length === 0)
      throw new InputError(
        `${where}: ${arm.source.experiment} has no finished trial${arm.source.arms ? ` in ${arm.source.arms.join(', ')}` : ''} to judge again yet; run it first`,
        where,
      );
    out.set(arm.name, sources);
  }
  return out;
}
