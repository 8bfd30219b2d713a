import type { Participant, ParticipantFactory } from '../participant.ts';

/**
 * A person (terminal, Discord, Slack). The runner never waits for them in memory: it records
 * that the trial waits for this person and moves on; their move arrives later through
 * `oversight judge` or a chat app, which then drives the trial on.
 */
export const human: ParticipantFactory<'human'> = (record): Participant => ({
  record,
  async respond() {
    return { type: 'wait' };
  },
});
