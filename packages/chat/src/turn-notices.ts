import type { NotificationRow } from '@oversight/db';
import type { Identity } from '@oversight/runner';
import type { ChatService } from './service.ts';

/**
 * "Your turn" notices for one platform's people, and the one reminder each turn may get. The
 * runner's outbox holds notices for every platform; a chat app takes only its own people's (by their
 * identity), so the Discord bot and the Slack app can serve one experiment side by side without one
 * marking the other's notices delivered. At least once: a notice is marked only after it was sent.
 */

export interface TurnNotice {
  notice: NotificationRow;
  identity: Identity;
  /** The trial's handle, for control ids and links. */
  ref: string;
  /**
   * The person is already taking this turn (their own request made it due, or they acted in this
   * trial within `activeMs`): the turn shows in front of them, a DM would only interrupt.
   */
  taking: boolean;
}

function identityOf(key: string): Identity | null {
  const [platform, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
  if (platform !== 'slack' && platform !== 'discord' && platform !== 'terminal') return null;
  const slash = rest.indexOf('/');
  return slash >= 0 && platform === 'slack'
    ? { platform, team: rest.slice(0, slash), user: rest.slice(slash + 1) }
    : { platform, user: rest };
}

export class TurnNotices {
  constructor(
    private readonly chat: ChatService,
    private readonly options: { activeMs?: number } = {},
  ) {}

  /** Undelivered "your turn" notices of this platform's people, oldest first. */
  async pending(experimentIds: readonly string[], limit = 100) {
    const prefix = `${this.chat.platform}:%`;
    return this.chat.db.prisma.$queryRaw<Array<NotificationRow & { identity: string }>>`
      SELECT n.*, p."identity" FROM "Notification" n
      JOIN "Participant" p ON p."experimentId" = n."experimentId" AND p."id" = n."participantId"
      WHERE n."deliveredAt" IS NULL AND n."kind" = 'your-turn' AND n."attempts" < 10
        AND n."experimentId" = ANY(${[...experimentIds]}::text[]) AND p."identity" LIKE ${prefix}
      ORDER BY n."id" LIMIT ${limit}`;
  }

  /**
   * One pass: each pending notice whose turn is still owed is handed to `deliver` (which may throw to
   * leave it pending and count the attempt); a notice whose turn was taken or reassigned is dropped.
   */
  async deliver(
    experimentIds: readonly string[],
    deliver: (notice: TurnNotice) => Promise<void>,
    onError?: (notice: NotificationRow, error: unknown) => void,
  ): Promise<number> {
    let delivered = 0;
    const db = this.chat.db;
    for (let pass = 0; pass < 100; pass++) {
      const pending = await this.pending(experimentIds);
      if (pending.length === 0) break;
      let progressed = false;
      for (const row of pending) {
        const { identity: key, ...notice } = row;
        const identity = identityOf(key);
        const owed = await db.trials.owedBy(notice.participantId, notice.experimentId);
        const current = owed.some(
          (o) => o.trialId === notice.trialId && o.role === notice.role && o.sinceSeq === notice.sinceSeq,
        );
        if (current && identity) {
          const trial = await db.trials.get(notice.trialId);
          try {
            await deliver({
              notice,
              identity,
              ref: trial?.ref ?? notice.trialId,
              taking: await this.taking(notice),
            });
          } catch (error) {
            await db.outbox.markAttempted([notice.id]);
            onError?.(notice, error);
            continue;
          }
          delivered += 1;
        }
        await db.outbox.markDelivered([notice.id]);
        progressed = true;
      }
      if (!progressed) break;
    }
    return delivered;
  }

  /** Whether the person is already at this turn (see TurnNotice.taking). */
  async taking(notice: NotificationRow): Promise<boolean> {
    const last = await this.chat.db.prisma.moveReceipt.findFirst({
      where: { trialId: notice.trialId, participantId: notice.participantId },
      orderBy: { seq: 'desc' },
    });
    if (!last) return false;
    if (last.seq + last.events >= notice.sinceSeq) return true;
    return Date.now() - last.recordedAt.getTime() < (this.options.activeMs ?? 120_000);
  }

  /**
   * Claims the single reminder of this turn (a Notification row of kind 'reminder', unique per turn,
   * stored as delivered so no outbox consumer sends it). False when it was claimed before.
   */
  async claimReminder(
    notice: Pick<NotificationRow, 'experimentId' | 'trialId' | 'participantId' | 'role' | 'sinceSeq'>,
  ) {
    const rows = await this.chat.db.prisma.$queryRaw<Array<{ id: bigint }>>`
      INSERT INTO "Notification" ("experimentId", "trialId", "participantId", "role", "sinceSeq", "kind", "createdAt", "deliveredAt")
      VALUES (${notice.experimentId}, ${notice.trialId}, ${notice.participantId}, ${notice.role}, ${notice.sinceSeq}::int,
        'reminder', ${new Date()}::timestamp(3), ${new Date()}::timestamp(3))
      ON CONFLICT DO NOTHING RETURNING "id"`;
    return rows.length > 0;
  }

  /** Gives a claim back when the reminder could not be scheduled, so a later pass tries again. */
  async releaseReminder(notice: Pick<NotificationRow, 'trialId' | 'participantId' | 'role' | 'sinceSeq'>) {
    await this.chat.db.prisma.notification.deleteMany({
      where: { ...notice, kind: 'reminder' },
    });
  }
}
