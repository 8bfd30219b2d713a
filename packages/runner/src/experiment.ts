import { createHash } from 'node:crypto';
import {
  createRng,
  type ExperimentConfig,
  type ExperimentParticipants,
  experimentParticipants,
  foldEvents,
  type ParticipantRecord,
  type PlannedTrial,
  planTrials,
  type Question,
} from '@oversight/core';
import type { Database } from '@oversight/db';
import { statusOf } from './drive.ts';
import type { Participant, ParticipantFactories } from './participant.ts';
import { createParticipant } from './participants/registry.ts';

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
  questions: Question[];
  participants: ParticipantRecord[];
  trials: PlannedTrial[];
}

/** Everything that can fail on bad input happens here, before anything is written. */
export function planExperiment(config: ExperimentConfig, dataset: readonly Question[]): ExperimentPlan {
  const questions = selectQuestions(config, dataset);
  if (questions.length === 0) throw new Error('the experiment selects no questions from its dataset');
  const people = experimentParticipants(config);
  const trials = planTrials(config.name, config, questions, people);
  return {
    experimentId: config.name,
    config,
    questions,
    participants: participantRecords(config, people),
    trials,
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
      honest === dishonest ? [honest] : [honest, dishonest],
    ),
  ];
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
      const record = records.get(id);
      if (!record) throw new Error(`unknown participant ${id}`);
      participant = createParticipant(
        record,
        { experimentId: plan.experimentId, config: plan.config },
        factories,
      );
      built.set(id, participant);
    }
    return participant;
  };
}

/**
 * Writes the plan: questions, the experiment, participants and every trial with its TrialCreated
 * event. Idempotent, so `oversight run` after a crash re-plans and finds everything in place.
 */
export async function persistPlan(db: Database, plan: ExperimentPlan, datasetName: string) {
  const { config } = plan;
  await db.experiments.ensure({
    id: plan.experimentId,
    name: config.name,
    seed: config.seed,
    config: config as unknown as Record<string, unknown>,
    configHash: configHash(config),
  });
  // After the config check above, so a changed config is refused before anything is written.
  await db.questions.upsertMany(datasetName, plan.questions);
  await db.participants.upsertMany(
    plan.experimentId,
    plan.participants.map((p) => ({
      id: p.id,
      kind: p.spec.kind,
      label: p.label,
      spec: p.spec as unknown as Record<string, unknown>,
    })),
  );
  // Statuses only need the participants' kinds, so no model client is built here.
  const kinds = new Map(plan.participants.map((p) => [p.id, p.spec.kind]));
  const kindOf = (id: string) => kinds.get(id)!;
  const batch = 1000;
  for (let i = 0; i < plan.trials.length; i += batch) {
    await db.trials.createMany(
      plan.trials.slice(i, i + batch).map(({ created, ordinal }) => {
        const { status, waitingOn } = statusOf(foldEvents([created]), kindOf);
        return {
          id: created.trialId,
          experimentId: created.experimentId,
          arm: created.arm,
          protocol: created.rules.protocol,
          questionId: created.questionId,
          judgeId: created.judgeId,
          ordinal,
          status,
          waitingOn,
          created,
        };
      }),
    );
  }
}
