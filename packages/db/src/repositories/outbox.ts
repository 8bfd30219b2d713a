import type { PrismaClient } from '../generated/prisma/client.ts';
import type { NotificationRow } from '../types.ts';

/**
 * "Your turn" notices, written by the append that made a move due (see events.ts). A consumer (a chat
 * app) reads pending ones, tells the person, then marks them delivered: at least once, since a crash
 * between the two repeats the notice, which the consumer recognises by its id.
 */
export interface OutboxRepository {
  /** Undelivered notices, oldest first; optionally of some experiments only; not those that failed `maxAttempts` (10) times. */
  pending(options?: {
    experimentIds?: readonly string[];
    limit?: number;
    maxAttempts?: number;
    /** Only people whose platform identity starts so ("discord:"): each chat app takes its own people's. */
    identityPrefix?: string;
  }): Promise<NotificationRow[]>;
  markDelivered(ids: readonly bigint[]): Promise<void>;
  /** Counts a failed delivery attempt (the notice stays pending). */
  markAttempted(ids: readonly bigint[]): Promise<void>;
}

export function outboxRepository(prisma: PrismaClient): OutboxRepository {
  return {
    pending(options = {}) {
      if (options.identityPrefix !== undefined) {
        const experiments = options.experimentIds ? [...options.experimentIds] : null;
        return prisma.$queryRaw<NotificationRow[]>`
          SELECT n.* FROM "Notification" n
          JOIN "Participant" p ON p."experimentId" = n."experimentId" AND p."id" = n."participantId"
          WHERE n."deliveredAt" IS NULL AND n."attempts" < ${options.maxAttempts ?? 10}::int
            AND (${experiments}::text[] IS NULL OR n."experimentId" = ANY(${experiments}::text[]))
            AND p."identity" LIKE ${`${options.identityPrefix.replace(/[\\%_]/g, '\\$&')}%`}
          ORDER BY n."id" LIMIT ${options.limit ?? 100}::int`;
      }
      return prisma.notification.findMany({
        where: {
          deliveredAt: null,
          attempts: { lt: options.maxAttempts ?? 10 },
          ...(options.experimentIds ? { experimentId: { in: [...options.experimentIds] } } : {}),
        },
        orderBy: { id: 'asc' },
        take: options.limit ?? 100,
      });
    },

    async markDelivered(ids) {
      if (ids.length === 0) return;
      await prisma.notification.updateMany({
        where: { id: { in: [...ids] }, deliveredAt: null },
        data: { deliveredAt: new Date() },
      });
    },

    async markAttempted(ids) {
      if (ids.length === 0) return;
      await prisma.notification.updateMany({
        where: { id: { in: [...ids] } },
        data: { attempts: { increment: 1 } },
      });
    },
  };
}
