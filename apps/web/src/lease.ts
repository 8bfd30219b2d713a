import type { ChatService } from '@oversight/chat';
import type { Role } from '@oversight/core';
import type { Database } from '@oversight/db';
import { assignSeat } from '@oversight/runner';

/**
 * Dropouts. A web person's seat is held while their client shows them active: any request of theirs,
 * and a heartbeat the page sends while it is visible and they have touched it lately, stamp
 * PersonActivity. When the move they owe has waited longer than `idleMs` since both the moment it
 * became due and their last activity, the seat goes back to the pool by the seat assignment an
 * admin's "reassign to nobody" uses (the same ParticipantAssigned event, with the reason), made only
 * while that person still holds the seat and owes that move (so two web processes releasing at once,
 * or a person moving at that moment, cannot cost anyone else their seat), and the next person who asks
 * for work takes it. Nothing is lost: their moves stay in the trial's log, and the trial itself (so
 * the design's balance) stays.
 */

/** Web people's identities (the other platforms' people have their own reminders and admins). */
export const WEB_IDENTITY = /^(prolific|mturk|web):/;

export class SeatLeases {
  /** The last write per person, so a burst of requests writes once. */
  private readonly written = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly chat: ChatService,
    private readonly options: {
      experimentIds: readonly string[];
      idleMs: number;
      /** After a seat was given back (to wake pages and `serve`). */
      onRelease?: () => void;
      log?: (line: string) => void;
    },
  ) {}

  /** How often the page's heartbeat comes, and activity is written at most. */
  get beatMs(): number {
    return Math.max(250, Math.min(30_000, Math.floor(this.options.idleMs / 4)));
  }

  /** The person was active now (a request, or the page's heartbeat). */
  async touch(experimentId: string, participantId: string): Promise<void> {
    const key = `${experimentId}\0${participantId}`;
    const now = Date.now();
    if (now - (this.written.get(key) ?? 0) < this.beatMs / 2) return;
    this.written.set(key, now);
    await this.db.participants.markActive(experimentId, participantId, new Date(now));
  }

  start(): void {
    if (this.options.idleMs <= 0) return;
    const tick = () => {
      this.running = this.releaseIdle()
        .then(() => undefined)
        .catch((error) => this.options.log?.(`seat leases: ${(error as Error).message}`))
        .finally(() => {
          if (this.timer !== null) this.timer = setTimeout(tick, this.beatMs);
        });
    };
    this.timer = setTimeout(tick, this.beatMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Gives back every web person's seat whose owed move has waited past the idle time; returns how many. */
  async releaseIdle(now = Date.now()): Promise<number> {
    let released = 0;
    for (const experimentId of this.options.experimentIds) {
      const owed = (await this.db.trials.owedIn(experimentId)).filter(
        (o) => o.human && o.participantId !== null && now - o.since.getTime() > this.options.idleMs,
      );
      if (owed.length === 0) continue;
      const active = await this.db.participants.lastActive(experimentId);
      for (const o of owed) {
        const last = active.get(o.participantId!)?.getTime() ?? 0;
        if (now - last <= this.options.idleMs) continue;
        const person = await this.db.participants.get(experimentId, o.participantId!);
        if (!person?.identity || !WEB_IDENTITY.test(person.identity)) continue;
        const minutes = Math.round((this.options.idleMs / 60_000) * 10) / 10;
        try {
          const { drive } = await this.chat.experiment(experimentId);
          const after = await assignSeat(drive, o.trialId, o.role as Role, null, {
            reason: `idle for more than ${minutes} minutes: the seat goes to the next person`,
            by: 'the web app',
            onlyIfHeldBy: { participantId: o.participantId!, owedSince: o.sinceSeq },
          });
          if (after) released += 1;
        } catch (error) {
          // The trial ended, or its seat changed hands, since it was read: nothing to give back.
          this.options.log?.(`seat of a trial not given back: ${(error as Error).message}`);
        }
      }
    }
    if (released > 0) this.options.onRelease?.();
    return released;
  }
}
