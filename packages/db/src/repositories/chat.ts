import type { PrismaClient } from '../generated/prisma/client.ts';
import { json } from './json.ts';

export interface ChatThreadInput {
  trialId: string;
  participantId: string;
  role: string;
  platform: string;
  workspace: string;
  channel: string;
  thread: string;
}

export interface ChatThreadRow extends ChatThreadInput {
  postedSeq: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Where people follow trials in chat apps, and how far each thread has been posted (see ChatThread). */
export interface ChatRepository {
  /** Records a thread (or moves the trial to a new one, keeping how far it was posted). */
  saveThread(thread: ChatThreadInput): Promise<ChatThreadRow>;
  thread(trialId: string, participantId: string, platform: string): Promise<ChatThreadRow | null>;
  threadsOf(trialId: string, platform: string): Promise<ChatThreadRow[]>;
  /** Threads whose trial has events not posted yet, oldest change first. */
  behind(
    platform: string,
    options?: { experimentIds?: readonly string[]; limit?: number },
  ): Promise<ChatThreadRow[]>;
  /** Records that events up to `seq` (exclusive) are posted; never moves backwards. */
  markPosted(trialId: string, participantId: string, platform: string, seq: number): Promise<void>;
  /** Slack installations (OAuth), by team or enterprise id. */
  saveInstallation(id: string, installation: unknown): Promise<void>;
  installation(id: string): Promise<unknown | null>;
  deleteInstallation(id: string): Promise<void>;
}

export function chatRepository(prisma: PrismaClient): ChatRepository {
  return {
    saveThread(thread) {
      const { trialId, participantId, platform, ...rest } = thread;
      return prisma.chatThread.upsert({
        where: { trialId_participantId_platform: { trialId, participantId, platform } },
        create: thread,
        update: rest,
      });
    },

    thread(trialId, participantId, platform) {
      return prisma.chatThread.findUnique({
        where: { trialId_participantId_platform: { trialId, participantId, platform } },
      });
    },

    threadsOf(trialId, platform) {
      return prisma.chatThread.findMany({ where: { trialId, platform }, orderBy: { createdAt: 'asc' } });
    },

    async behind(platform, options = {}) {
      const experiments = options.experimentIds ? [...options.experimentIds] : null;
      return prisma.$queryRaw<ChatThreadRow[]>`
        SELECT c.* FROM "ChatThread" c JOIN "Trial" t ON t."id" = c."trialId"
        WHERE c."platform" = ${platform} AND t."nextSeq" > c."postedSeq"
          AND (${experiments}::text[] IS NULL OR t."experimentId" = ANY(${experiments}::text[]))
        ORDER BY t."updatedAt", c."trialId"
        LIMIT ${options.limit ?? 100}`;
    },

    async markPosted(trialId, participantId, platform, seq) {
      await prisma.$executeRaw`
        UPDATE "ChatThread" SET "postedSeq" = GREATEST("postedSeq", ${seq}::int), "updatedAt" = ${new Date()}::timestamp(3)
        WHERE "trialId" = ${trialId} AND "participantId" = ${participantId} AND "platform" = ${platform}`;
    },

    async saveInstallation(id, installation) {
      await prisma.slackInstallation.upsert({
        where: { id },
        create: { id, installation: json(installation) },
        update: { installation: json(installation) },
      });
    },

    async installation(id) {
      return (await prisma.slackInstallation.findUnique({ where: { id } }))?.installation ?? null;
    },

    async deleteInstallation(id) {
      await prisma.slackInstallation.deleteMany({ where: { id } });
    },
  };
}
