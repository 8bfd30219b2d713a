import type { ExperimentConfig } from '@oversight/core';
import type { Database } from '@oversight/db';
import { databaseLlmStore, llmParticipantFactory } from '@oversight/llm';
import type { ParticipantFactories } from '@oversight/runner';

/** Participant implementations beyond the runner's built-ins: models through @oversight/llm. */
export function participantFactories(
  db: Database,
  experimentId: string,
  config: ExperimentConfig,
): ParticipantFactories {
  return { llm: llmParticipantFactory({ store: databaseLlmStore(db), config: config.llm, experimentId }) };
}
