import type { ParticipantRecord } from '@oversight/core';
import type {
  Participant,
  ParticipantContext,
  ParticipantFactories,
  ParticipantFactory,
} from '../participant.ts';
import { human } from './human.ts';
import { simulatedArguer } from './simulated-arguer.ts';
import { simulatedJudge } from './simulated-judge.ts';

/** The participant kinds the runner knows by itself; `llm` comes from @oversight/llm. */
export const BUILT_IN_PARTICIPANTS: ParticipantFactories = {
  'simulated-judge': simulatedJudge,
  'simulated-arguer': simulatedArguer,
  human,
};

export function createParticipant(
  record: ParticipantRecord,
  context: ParticipantContext,
  factories: ParticipantFactories,
): Participant {
  const factory = (factories[record.spec.kind] ?? BUILT_IN_PARTICIPANTS[record.spec.kind]) as
    | ParticipantFactory
    | undefined;
  if (!factory) {
    throw new Error(
      `no participant implementation for kind "${record.spec.kind}" (participant ${record.id})`,
    );
  }
  return factory(record as never, context);
}
