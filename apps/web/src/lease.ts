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
  /** Stamps not written yet, one per person (the latest). */
  private readonly pending = new Map<string, { experimentId: string; participantId: string; at: Date }>();
  private flushing: Promise<void> | null = null;
  private stopping = false;
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

  /**
   * The person was active now (a request, or the page's heartbeat). The stamp is written with the
   * others of the same moment in one statement, after this returns: a request does not wait for a
   * durable commit of its own to say someone is here. Safe because a stamp only ever delays a release
   * by minutes (idleMs), and a stamp late by one commit changes that by milliseconds; a release decided
   * meanwhile is still made only if the seat's holder owes the same move (see releaseIdle), and this
   * process's own releases wait for the stamps it has not written yet.
   */
  touch(experimentId: string, participantId: string): void {
    // Once stopping, a stamp could be written after the database is closed: the process is leaving.
    if (this.stopping) return;
    const key = `${experimentId}\0${participantId}`;
    const now = Date.now();
    if (now - (this.written.get(key) ?? 0) < this.beatMs / 2) return;
    this.written.set(key, now);
    this.pending.set(key, { experimentId, participantId, at: new Date(now) });
    if (!this.flushing) this.flushing = this.flush();
  }

  /** Writes the stamps gathered so far, then those gathered meanwhile, until none are left. */
  private async flush(): Promise<void> {
    // The stamps of this turn of the event loop go together.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.pending.size > 0) {
        const stamps = [...this.pending.values()];
        this.pending.clear();
        await this.db.participants
          .markActiveMany(stamps)
          .catch((error) =>
            this.options.log?.(
              `activity of ${stamps.length} people not written: ${(error as Error).message}`,
            ),
          );
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Until every stamp taken so far is written. */
  async stampsWritten(): Promise<void> {
    while (this.flushing) await this.flushing;
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
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.stampsWritten();
  }

  /** Gives back every web person's seat whose owed move has waited past the idle time; returns how many. */
  async releaseIdle(now = Date.now()): Promise<number> {
    await this.stampsWritten();
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
