import { parseStoredConfig } from '@oversight/core';
import type { Database } from '@oversight/db';

/**
 * "Each story once", checked on what happened rather than trusted to the seating code: for a design
 * audit, every judge seat of an experiment whose holder had seen its story before, in this
 * experiment or in another on the same dataset that they joined under the same platform identity.
 */

export interface StoryRepeat {
  /** The person, as a participant of the audited experiment (never their platform identity). */
  participantId: string;
  /** The judge seat's trial, and the story it is on. */
  trialId: string;
  dataset: string;
  storyId: string;
  assignedAt: Date;
  /** Every seat in which they had seen the story before, oldest first. */
  seenBefore: Array<{ experimentId: string; trialId: string; role: string; assignedAt: Date }>;
  /**
   * True when the experiment's config allowed it (`eachStoryOnce: "per-experiment"`) and every
   * earlier seat was in another experiment; a repeat within one experiment is never allowed.
   */
  allowed: boolean;
}

/** The repeats of an experiment (empty when there are none), by person and then in the order seated. */
export async function storyRepeats(db: Database, experimentId: string): Promise<StoryRepeat[]> {
  const experiment = await db.experiments.get(experimentId);
  if (!experiment) throw new Error(`no experiment "${experimentId}"`);
  let perExperiment = false;
  try {
    perExperiment = parseStoredConfig(experiment.config).eachStoryOnce === 'per-experiment';
  } catch {
    // An unreadable stored config allows nothing.
  }
  const repeats: StoryRepeat[] = [];
  for (const row of await db.trials.storyRepeats(experimentId)) {
    const earlier = {
      experimentId: row.earlierExperimentId,
      trialId: row.earlierTrialId,
      role: row.earlierRole,
      assignedAt: row.earlierAssignedAt,
    };
    const last = repeats.at(-1);
    if (last?.trialId === row.trialId && last.participantId === row.participantId) {
      last.seenBefore.push(earlier);
      last.allowed &&= perExperiment && earlier.experimentId !== experimentId;
      continue;
    }
    repeats.push({
      participantId: row.participantId,
      trialId: row.trialId,
      dataset: row.dataset,
      storyId: row.storyId,
      assignedAt: row.assignedAt,
      seenBefore: [earlier],
      allowed: perExperiment && earlier.experimentId !== experimentId,
    });
  }
  return repeats;
}
