import type { ExperimentConfig } from '@oversight/core';
import type { Database } from '@oversight/db';
import { databaseLlmStore, llmParticipantFactory } from '@oversight/llm';
import type { ParticipantFactories } from '@oversight/runner';

/**
 * Participant implementations beyond the runner's built-ins: models through @oversight/llm.
 * `baseDir` is the config file's folder, against which a spec's own `prompts` folder resolves.
 */
export function participantFactories(
  db: Database,
  experimentId: string,
  config: ExperimentConfig,
  baseDir?: string,
): ParticipantFactories {
  const store = databaseLlmStore(db);
  return {
    llm: llmParticipantFactory({ store, config: config.llm, experimentId, ...(baseDir ? { baseDir } : {}) }),
  };
}
