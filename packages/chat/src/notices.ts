import { foldEvents, type Role } from '@oversight/core';
import type { NotificationRow } from '@oversight/db';
import { deliverPendingNotices, type Identity } from '@oversight/runner';
import type { ChatService } from './service.ts';

/**
 * Telling people a trial waits on them, for one chat platform's people. The outbox holds notices for
 * every platform (written by the append that made a move due); each app takes only its own people's
 * (by their identity), so the Discord bot and the Slack app can serve one experiment side by side.
 * At least once: a notice is marked delivered only after `deliver` resolved. Reminders are a second
 * notice of kind `reminder` per turn (or `remind:<request>` for an admin's), so the outbox's unique
 * key makes them at most one per turn, with no schema of their own: queued undelivered for an app that
 * sends them itself (Discord), or claimed as delivered by one that has the platform schedule them (Slack).
 */

/** Default delay before a reminder when the config sets none (chat.reminderMinutes). */
export const DEFAULT_REMINDER_MINUTES = 60;

export interface TurnNotice {
  notice: NotificationRow;
  identity: Identity;
  /** The trial's handle, for control ids and links. */
  ref: string;
  /** A reminder (automatic or an admin's), not the first "your turn". */
  reminder: boolean;
  /**
   * The person is already taking this turn (their own request made it due, or they acted in this
   * trial within `activeMs`): the turn shows in front of them, a DM would only interrupt.
   */
  taking: boolean;
}

export interface NoticeText {
  ref: string;
  /** Safe to show anywhere: names nothing a judge should not know. */
  title: string;
  /** "Your turn after round 2 of 3", or a reminder's wording. */
  heading: string;
  reminder: boolean;
}

export function identityOf(key: string | null): Identity | null {
  if (!key) return null;
  const at = key.indexOf(':');
  const platform = key.slice(0, at);
  const rest = key.slice(at + 1);
  if (platform !== 'slack' && platform !== 'discord' && platform !== 'terminal') return null;
  const slash = rest.indexOf('/');
  return slash >= 0 && platform === 'slack'
    ? { platform, team: rest.slice(0, slash), user: rest.slice(slash + 1) }
    : { platform, user: rest };
}

export class Notices {
  constructor(
    private readonly chat: ChatService,
    private readonly options: { activeMs?: number } = {},
  ) {}

  private get prefix(): string {
    return `${this.chat.platform}:`;
  }

  /**
   * One pass over this platform's pending notices: each whose turn is still owed is handed to
   * `deliver` (which may throw to leave it pending and count the attempt); one whose turn was taken
   * or reassigned meanwhile is dropped unsent. Returns how many were delivered.
   */
  async deliver(
    experimentIds: readonly string[],
    deliver: (notice: TurnNotice) => Promise<void>,
    onError?: (notice: NotificationRow, error: unknown) => void,
  ): Promise<number> {
    const people = new Map<string, Identity | null>();
    return deliverPendingNotices(this.chat.db, {
      experimentIds,
      identityPrefix: this.prefix,
      deliver: async (notice) => {
        const key = `${notice.experimentId}/${notice.participantId}`;
        if (!people.has(key)) {
          const person = await this.chat.db.participants.get(notice.experimentId, notice.participantId);
          people.set(key, identityOf(person?.identity ?? null));
        }
        const identity = people.get(key);
        if (!identity) return;
        const trial = await this.chat.db.trials.get(notice.trialId);
        if (!trial) return;
        await deliver({
          notice,
          identity,
          ref: trial.ref,
          reminder: notice.kind !== 'your-turn',
          taking: notice.kind === 'your-turn' && (await this.taking(notice)),
        });
      },
      ...(onError ? { onError } : {}),
    });
  }

  /** Whether the person is already at this turn (see TurnNotice.taking). */
  async taking(notice: Pick<NotificationRow, 'trialId' | 'participantId' | 'sinceSeq'>): Promise<boolean> {
    const last = await this.chat.db.prisma.moveReceipt.findFirst({
      where: { trialId: notice.trialId, participantId: notice.participantId },
      orderBy: { seq: 'desc' },
    });
    if (!last) return false;
    if (last.seq + last.events >= notice.sinceSeq) return true;
    return Date.now() - last.recordedAt.getTime() < (this.options.activeMs ?? 120_000);
  }

  /**
   * Queues a reminder (undelivered, sent by `deliver`) for every move this platform's people of the
   * experiment have owed longer than its `chat.reminderMinutes` (or `olderThanMs`). `kind` lets an
   * admin's "remind now" make its own notice per request without using up the automatic one.
   */
  async queueReminders(
    experimentId: string,
    options: { olderThanMs?: number; kind?: string } = {},
  ): Promise<number> {
    const handle = await this.chat.experiment(experimentId);
    const delay =
      options.olderThanMs ?? (handle.config.chat?.reminderMinutes ?? DEFAULT_REMINDER_MINUTES) * 60_000;
    const owed = await this.chat.overdue(experimentId, delay);
    if (owed.length === 0) return 0;
    const ours = new Set(
      (await this.chat.db.participants.list(experimentId))
        .filter((p) => p.identity?.startsWith(this.prefix))
        .map((p) => p.id),
    );
    const mine = owed.filter((o) => ours.has(o.participantId!));
    if (mine.length === 0) return 0;
    const created = await this.chat.db.prisma.notification.createMany({
      data: mine.map((o) => ({
        experimentId,
        trialId: o.trialId,
        participantId: o.participantId!,
        role: o.role,
        sinceSeq: o.sinceSeq,
        kind: options.kind ?? 'reminder',
        createdAt: new Date(),
      })),
      skipDuplicates: true,
    });
    return created.count;
  }

  /**
   * Claims the single reminder of this turn for an app that has the platform schedule it (a
   * `reminder` row stored as delivered, so no consumer sends it). False when it was claimed before.
   */
  async claimReminder(
    notice: Pick<NotificationRow, 'experimentId' | 'trialId' | 'participantId' | 'role' | 'sinceSeq'>,
  ): Promise<boolean> {
    const rows = await this.chat.db.prisma.$queryRaw<Array<{ id: bigint }>>`
      INSERT INTO "Notification" ("experimentId", "trialId", "participantId", "role", "sinceSeq", "kind", "createdAt", "deliveredAt")
      VALUES (${notice.experimentId}, ${notice.trialId}, ${notice.participantId}, ${notice.role}, ${notice.sinceSeq}::int,
        'reminder', ${new Date()}::timestamp(3), ${new Date()}::timestamp(3))
      ON CONFLICT DO NOTHING RETURNING "id"`;
    return rows.length > 0;
  }

  /** Gives a claim back when the reminder could not be scheduled, so a later pass tries again. */
  async releaseReminder(notice: Pick<NotificationRow, 'trialId' | 'participantId' | 'role' | 'sinceSeq'>) {
    await this.chat.db.prisma.notification.deleteMany({ where: { ...notice, kind: 'reminder' } });
  }

  /** What a notice says, from the trial as the person sees it now. */
  async describe(notice: NotificationRow): Promise<NoticeText | null> {
    const trial = await this.chat.db.trials.get(notice.trialId);
    if (!trial) return null;
    const handle = await this.chat.experiment(trial.experimentId);
    const state = foldEvents(await handle.drive.store.loadEvents(trial.id));
    const screen = await this.chat.presentation(handle, state, notice.role as Role);
    const reminder = notice.kind !== 'your-turn';
    const heading = screen.turn?.heading ?? 'A trial waits on you';
    return {
      ref: trial.ref,
      title: screen.intro.title,
      heading: reminder ? `Reminder: ${heading.charAt(0).toLowerCase()}${heading.slice(1)}` : heading,
      reminder,
    };
  }
}
