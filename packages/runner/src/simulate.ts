import {
  type ExperimentConfig,
  foldEvents,
  isSimulated,
  type JudgmentRecord,
  judgmentOf,
  type Question,
} from '@oversight/core';
import { driveTrial } from './drive.ts';
import { participantDirectory, planExperiment } from './experiment.ts';
import { runPool } from './pool.ts';
import { configuredSpecs } from './run.ts';
import { MemoryTrialStore } from './store.ts';

/**
 * Runs a whole experiment in memory with its simulated participants and a different seed: one
 * draw of the data the design would produce. Used for simulation-based power analysis; nothing
 * is stored.
 */
export async function simulateExperiment(
  config: ExperimentConfig,
  dataset: readonly Question[],
  seed: string,
): Promise<JudgmentRecord[]> {
  const notSimulated = configuredSpecs(config).filter((spec) => !isSimulated(spec));
  if (notSimulated.length > 0) {
    const kinds = [...new Set(notSimulated.map((s) => s.kind))].join(', ');
    throw new Error(
      `simulation needs simulated participants, but this config has ${kinds}; copy it and use simulated-judge / simulated-arguer`,
    );
  }
  const plan = planExperiment({ ...config, seed }, dataset);
  const store = new MemoryTrialStore();
  for (const trial of plan.trials) store.create([trial.created]);
  const questions = new Map(plan.questions.map((q) => [q.id, q]));
  const context = {
    store,
    questions: (created: { questionId: string }) => questions.get(created.questionId)!,
    participant: participantDirectory(plan, {}),
    reward: config.reward,
  };
  async function* ids() {
    for (const trial of plan.trials) yield trial.created.trialId;
  }
  await runPool(ids(), 64, async (id) => {
    await driveTrial(id, context);
  });
  return plan.trials.flatMap((t) => {
    const judgment = judgmentOf(foldEvents(store.logs.get(t.created.trialId)!), config.reward);
    return judgment ? [judgment] : [];
  });
}
