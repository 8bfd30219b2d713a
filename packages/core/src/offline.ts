import {
  type ExperimentParticipants,
  isPeopleJudged,
  judgePoolsOf,
  type PlannedTrial,
} from './assignment.ts';
import { OFFLINE_SOURCE, type TrialCreated, type TrialEvent } from './events.ts';
import type { Arm, ExperimentConfig } from './experiment-config.ts';
import { createRng } from './random.ts';
import { foldEvents } from './state.ts';

/**
 * Offline judging: another experiment's finished trials, judged again from their transcripts (as the
 * NYU study's offline judges did). Each source trial becomes `judgesPerTranscript` trials of the
 * offline arm whose first event copies the source's plan (question, answer order, who defended what)
 * and names the source; the driver replays the source's speeches (and the live judge's questions,
 * which the arguers answered) round by round into the new trial's own log, so the judge's view, the
 * release of rounds, quote marks and every app work on it as on a live trial.
 */

/** A finished trial of the source experiment, as offline planning reads it. */
export interface OfflineSource {
  created: TrialCreated;
  /** Rounds with speeches in its log (a trial the judge ended early has fewer than its rules say). */
  rounds: number;
}

/** The finished trial's replayable transcript length, or null when it cannot be judged again (no verdict). */
export function offlineSourceOf(events: readonly TrialEvent[]): OfflineSource | null {
  const state = foldEvents(events);
  if (!state.verdict || state.created.offline) return null;
  const rounds = state.arguments.reduce((n, a) => Math.max(n, a.round), 0);
  if (rounds === 0) return null;
  return { created: state.created, rounds };
}

/**
 * The events the replay appends for `round` of an offline trial: the source's questions from its live
 * judge asked after the previous round (the arguers answered them in this one), then the source's
 * speeches of this round, in the source's order.
 */
export function replayRound(source: readonly TrialEvent[], round: number): TrialEvent[] {
  const out: TrialEvent[] = [];
  for (const event of source) {
    if (event.type === 'JudgeInterjected' && event.round === round - 1) {
      const { atAnyTime: _anyTime, ...asked } = event;
      out.push(asked);
    }
    if (event.type === 'ArgumentSubmitted' && event.round === round) out.push(event);
  }
  return out;
}

/**
 * The offline arm's trials: per source trial, `judgesPerTranscript` trials in the source's order, with
 * judges assigned now when they are automatic (distinct per transcript, from a seeded shuffle of the
 * arm's pools) and left for people to take otherwise (each person judges a story once).
 */
export function planOfflineTrials(
  experimentId: string,
  config: ExperimentConfig,
  arm: Arm,
  sources: readonly OfflineSource[],
  participants: ExperimentParticipants,
  dataset: string | undefined,
  offset: number,
): PlannedTrial[] {
  const source = arm.source!;
  const people = isPeopleJudged(config, arm);
  const pools = new Set(judgePoolsOf(config, arm).map((p) => p.name));
  const ring = people
    ? []
    : createRng(`${config.seed}/offline/${arm.name}`).shuffle(
        participants.judges.filter((j) => pools.has(j.pool)).map((j) => j.id),
      );
  if (!people && ring.length < source.judgesPerTranscript)
    throw new Error(
      `arm ${arm.name}: ${source.judgesPerTranscript} judges per transcript, but its pools have ${ring.length} judges; add judges or lower source.judgesPerTranscript`,
    );
  const sorted = [...sources].sort((a, b) => (a.created.trialId < b.created.trialId ? -1 : 1));
  const perQuestion = new Map<string, number>();
  const trials: PlannedTrial[] = [];
  let cursor = 0;
  for (const { created: from, rounds } of sorted) {
    if (from.rules.protocol !== arm.protocol)
      throw new Error(
        `arm ${arm.name} is ${arm.protocol}, but trial ${from.trialId} of ${from.experimentId} is ${from.rules.protocol}; name the source arms of that protocol (source.arms)`,
      );
    // Nothing is written while an offline judge reads: no questions at any time, no pace.
    const {
      interjections: _i,
      maxInterjections: _m,
      interjectionPenalty: _p,
      paceSeconds: _s,
      ...sourceRules
    } = from.rules;
    for (let j = 0; j < source.judgesPerTranscript; j++) {
      const n = perQuestion.get(from.questionId) ?? 0;
      perQuestion.set(from.questionId, n + 1);
      const trialId = `${experimentId}.${arm.name}.${from.questionId}.${n}`;
      const judgeId = people ? null : ring[(cursor + j) % ring.length]!;
      trials.push({
        ordinal: offset + trials.length,
        created: {
          type: 'TrialCreated',
          trialId,
          experimentId,
          arm: arm.name,
          ...(dataset === undefined ? (from.dataset ? { dataset: from.dataset } : {}) : { dataset }),
          // The source's rules, as many rounds as it has, and no early end or comment: the transcript is fixed.
          rules: {
            ...sourceRules,
            rounds,
            judgeMayEndEarly: false,
            beliefsEachRound: source.mode === 'stepped',
          },
          questionId: from.questionId,
          storyId: from.storyId,
          judgeId,
          displayed: from.displayed,
          correctDisplayed: from.correctDisplayed,
          arguers: from.arguers.map((a) => ({ ...a, participantId: OFFLINE_SOURCE })),
          induction: from.induction,
          seed: `${config.seed}/${trialId}`,
          offline: { experimentId: from.experimentId, trialId: from.trialId, mode: source.mode },
        },
      });
    }
    cursor += source.judgesPerTranscript;
  }
  return trials;
}
