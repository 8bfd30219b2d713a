import type { PrismaClient } from '../generated/prisma/client.ts';

/** One bonus to record (see the Payment model). */
export interface PaymentInput {
  participantId: string;
  /** The platform's id of the person (never exported or shown). */
  platformId: string;
  assignmentId: string | null;
  amountMinor: number;
  points: number;
  judgments: number;
  excludedBy: string | null;
  reason: string;
  requestToken: string;
}

export interface PaymentRow extends PaymentInput {
  experimentId: string;
  batch: number;
  paidAt: Date | null;
}

export interface PaymentBatchRow {
  experimentId: string;
  batch: number;
  platform: string;
  currency: string;
  createdAt: Date;
  submitStartedAt: Date | null;
  submitRef: string | null;
  paidAt: Date | null;
}

export interface PaymentsRepository {
  /** Every bonus recorded for the experiment, by batch then participant. */
  list(experimentId: string): Promise<PaymentRow[]>;
  batches(experimentId: string): Promise<PaymentBatchRow[]>;
  /**
   * Records batch `batch` and its bonuses in one statement, only if it is the next batch (no batch of
   * that number or later exists): the amounts were computed from the batches before it, so a `pay`
   * that ran meanwhile makes them stale. Returns false, having written nothing, when the guard failed.
   */
  record(input: {
    experimentId: string;
    batch: number;
    platform: string;
    currency: string;
    payments: readonly PaymentInput[];
  }): Promise<boolean>;
  /**
   * Claims a batch for submission to the platform: true for the first caller only (the batch's
   * submitStartedAt was unset), so a batch is never sent twice, whoever runs `pay --submit`.
   */
  claimSubmit(experimentId: string, batch: number): Promise<boolean>;
  setSubmitRef(experimentId: string, batch: number, ref: string): Promise<void>;
  /** Marks bonuses accepted by the platform (all of the batch's when participantIds is omitted). */
  markPaid(experimentId: string, batch: number, participantIds?: readonly string[]): Promise<void>;
}

export function paymentsRepository(prisma: PrismaClient): PaymentsRepository {
  return {
    async list(experimentId) {
      return prisma.payment.findMany({
        where: { experimentId },
        orderBy: [{ batch: 'asc' }, { participantId: 'asc' }],
      });
    },

    async batches(experimentId) {
      return prisma.paymentBatch.findMany({ where: { experimentId }, orderBy: { batch: 'asc' } });
    },

    async record({ experimentId, batch, platform, currency, payments }) {
      // One statement: the batch row is inserted only when no batch of this number or later exists,
      // and the bonuses only with it (they read the inserted row), so a batch is whole or absent. A
      // concurrent `pay` inserting the same number waits on the key and then inserts nothing.
      const rows = await prisma.$queryRaw<Array<{ won: number; written: number }>>`
        WITH b AS (
          INSERT INTO "PaymentBatch" ("experimentId", "batch", "platform", "currency", "createdAt")
          SELECT ${experimentId}, ${batch}::int, ${platform}, ${currency}, now()::timestamp(3)
          WHERE NOT EXISTS (
            SELECT 1 FROM "PaymentBatch" WHERE "experimentId" = ${experimentId} AND "batch" >= ${batch}::int)
          ON CONFLICT DO NOTHING
          RETURNING "experimentId", "batch"
        ), p AS (
          INSERT INTO "Payment" ("experimentId", "batch", "participantId", "platformId", "assignmentId",
            "amountMinor", "points", "judgments", "excludedBy", "reason", "requestToken")
          SELECT b."experimentId", b."batch", x."participantId", x."platformId", x."assignmentId",
            x."amountMinor", x."points", x."judgments", x."excludedBy", x."reason", x."requestToken"
          FROM b CROSS JOIN jsonb_to_recordset(${JSON.stringify(payments)}::jsonb) AS x(
            "participantId" text, "platformId" text, "assignmentId" text, "amountMinor" int, "points" float8,
            "judgments" int, "excludedBy" text, "reason" text, "requestToken" text)
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM b)::int AS won, (SELECT count(*) FROM p)::int AS written`;
      const result = rows[0]!;
      if (result.won === 1 && result.written !== payments.length)
        throw new Error(`payments: batch ${batch} wrote ${result.written} of ${payments.length} bonuses`);
      return result.won === 1;
    },

    async claimSubmit(experimentId, batch) {
      const n = await prisma.paymentBatch.updateMany({
        where: { experimentId, batch, submitStartedAt: null },
        data: { submitStartedAt: new Date() },
      });
      return n.count === 1;
    },

    async setSubmitRef(experimentId, batch, ref) {
      await prisma.paymentBatch.update({
        where: { experimentId_batch: { experimentId, batch } },
        data: { submitRef: ref },
      });
    },

    async markPaid(experimentId, batch, participantIds) {
      const now = new Date();
      await prisma.payment.updateMany({
        where: {
          experimentId,
          batch,
          paidAt: null,
          ...(participantIds ? { participantId: { in: [...participantIds] } } : {}),
        },
        data: { paidAt: now },
      });
      if (!participantIds)
        await prisma.paymentBatch.update({
          where: { experimentId_batch: { experimentId, batch } },
          data: { paidAt: now },
        });
    },
  };
}
