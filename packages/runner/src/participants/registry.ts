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
    throw new MissingImplementation(
      `no participant implementation for kind "${record.spec.kind}" (participant ${record.id}); this process was started without it (e.g. the model participants of @oversight/llm)`,
    );
  }
  return factory(record as never, context);
}

/** A process asked to drive a participant it has no implementation for: a setup error, not the participant's. */
export class MissingImplementation extends Error {
  override name = 'MissingImplementation';
}
