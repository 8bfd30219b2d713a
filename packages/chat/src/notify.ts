import { foldEvents, type Role } from '@oversight/core';
import { type NotificationRow, trialRef } from '@oversight/db';
import type { ChatService } from './service.ts';

/**
 * Telling people a trial waits on them, beyond the outbox's "your turn": reminders after a delay
 * (a second notice of kind `reminder` per turn, so at most one per turn by the outbox's unique key,
 * with no schema of its own), and whether a person is already at the trial (then no ping is needed).
 */

/** Default delay before a reminder when the config sets none (chat.reminderMinutes). */
export const DEFAULT_REMINDER_MINUTES = 60;

/**
 * Queues a reminder for every move people of the experiment have owed longer than its
 * `chat.reminderMinutes` (or `olderThanMs`). `kind` lets an admin's "remind now" make its own notice
 * per request (`remind:<interaction id>`) without using up the automatic one. Returns how many were new.
 */
export async function queueReminders(
  chat: ChatService,
  experimentId: string,
  options: { olderThanMs?: number; kind?: string } = {},
): Promise<number> {
  const handle = await chat.experiment(experimentId);
  const delay =
    options.olderThanMs ?? (handle.config.chat?.reminderMinutes ?? DEFAULT_REMINDER_MINUTES) * 60_000;
  const owed = await chat.overdue(experimentId, delay);
  if (owed.length === 0) return 0;
  const created = await chat.db.prisma.notification.createMany({
    data: owed.map((o) => ({
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
 * Whether the person made a move (or took a seat) in this trial within `withinMs`: they are at the
 * trial, so a "your turn" ping would only interrupt. Reminders do not ask this.
 */
export async function recentlyActive(
  chat: ChatService,
  trialId: string,
  participantId: string,
  withinMs: number,
): Promise<boolean> {
  const last = await chat.db.prisma.moveReceipt.findFirst({
    where: { trialId, participantId },
    orderBy: { recordedAt: 'desc' },
    select: { recordedAt: true },
  });
  return last !== null && Date.now() - last.recordedAt.getTime() < withinMs;
}

export interface NoticeText {
  /** The trial's handle (for a link or a "show" control). */
  ref: string;
  /** Safe to show anywhere: names nothing a judge should not know. */
  title: string;
  /** "Your turn after round 2 of 3", or a reminder's wording. */
  heading: string;
  reminder: boolean;
  /** The person's identity string ("discord:123"), to find where to send it. */
  identity: string | null;
}

/** What a notice says, from the trial as the person sees it now. */
export async function describeNotice(chat: ChatService, notice: NotificationRow): Promise<NoticeText | null> {
  const trial = await chat.db.trials.get(notice.trialId);
  if (!trial) return null;
  const handle = await chat.experiment(trial.experimentId);
  const state = foldEvents(await handle.drive.store.loadEvents(trial.id));
  const screen = await chat.presentation(handle, state, notice.role as Role);
  const person = await chat.db.participants.get(trial.experimentId, notice.participantId);
  const reminder = notice.kind !== 'your-turn';
  const heading = screen.turn?.heading ?? 'A trial waits on you';
  return {
    ref: trial.ref ?? trialRef(trial.id),
    title: screen.intro.title,
    heading: reminder ? `Reminder: ${heading.charAt(0).toLowerCase()}${heading.slice(1)}` : heading,
    reminder,
    identity: person?.identity ?? null,
  };
}

/**
 * Undelivered notices for people of this app's platform only, oldest first. An experiment may have
 * people on Discord and on Slack; each app must leave the other's notices pending, which the runner's
 * `deliverPendingNotices` (one consumer for all) would not.
 */
export async function pendingNotices(
  chat: ChatService,
  options: { experimentIds: readonly string[]; limit?: number; maxAttempts?: number },
): Promise<NotificationRow[]> {
  return chat.db.prisma.$queryRaw<NotificationRow[]>`
    SELECT n.* FROM "Notification" n
    JOIN "Participant" p ON p."experimentId" = n."experimentId" AND p."id" = n."participantId"
    WHERE n."deliveredAt" IS NULL AND n."attempts" < ${options.maxAttempts ?? 10}::int
      AND n."experimentId" = ANY(${[...options.experimentIds]}::text[])
      AND p."identity" LIKE ${`${chat.platform}:%`}
    ORDER BY n."id" LIMIT ${options.limit ?? 100}::int`;
}

/**
 * One pass over this platform's pending notices: each still-current one is handed to `deliver` and
 * marked delivered only after it resolves (at least once; the consumer deduplicates by notice id).
 * A notice whose turn was taken or reassigned meanwhile is dropped unsent. Returns how many were sent.
 */
export async function deliverNotices(
  chat: ChatService,
  options: {
    experimentIds: readonly string[];
    deliver: (notice: NotificationRow) => Promise<void>;
    onError?: (notice: NotificationRow, error: unknown) => void;
  },
): Promise<number> {
  let sent = 0;
  for (;;) {
    const pending = await pendingNotices(chat, { experimentIds: options.experimentIds });
    if (pending.length === 0) return sent;
    let progressed = false;
    for (const notice of pending) {
      const owed = await chat.db.trials.owedBy(notice.participantId, notice.experimentId);
      const current = owed.some(
        (o) => o.trialId === notice.trialId && o.role === notice.role && o.sinceSeq === notice.sinceSeq,
      );
      if (current) {
        try {
          await options.deliver(notice);
        } catch (error) {
          await chat.db.outbox.markAttempted([notice.id]);
          options.onError?.(notice, error);
          continue;
        }
        sent += 1;
      }
      await chat.db.outbox.markDelivered([notice.id]);
      progressed = true;
    }
    if (!progressed) return sent;
  }
}
