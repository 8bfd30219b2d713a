// The payments repository on both backends: a batch is recorded whole or not at all, only as the next
// batch, by one of any number of concurrent recorders (on the server, truly concurrent connections);
// a batch is claimed for sending once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, PaymentInput } from '../src/index.ts';
import { backends, type Harness, suiteName, uid } from './backends.ts';

const bonus = (participantId: string, amountMinor: number): PaymentInput => ({
  participantId,
  platformId: `PID${participantId}`,
  assignmentId: null,
  amountMinor,
  points: 1.5,
  judgments: 2,
  excludedBy: null,
  reason: 'Bonus',
  requestToken: `t-${participantId}`,
});

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(`payments on ${suiteName(backend)}`, () => {
    let h: Harness;
    let db: Database;
    beforeAll(async () => {
      h = await backend.setup();
      db = h.db;
    });
    afterAll(() => h?.teardown());

    it('records the next batch once, whoever races for it, and refuses an older number', async () => {
      const experimentId = uid('pay');
      const input = (batch: number) => ({
        experimentId,
        batch,
        platform: 'prolific',
        currency: 'GBP',
        payments: [bonus('a', 120), bonus('b', 35)],
      });
      const won = await Promise.all(Array.from({ length: 8 }, () => db.payments.record(input(1))));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await db.payments.list(experimentId)).toHaveLength(2);
      expect(await db.payments.record(input(2))).toBe(true);
      // A pay that computed its amounts before batch 2 existed, or that skips a number, records nothing.
      expect(await db.payments.record(input(1))).toBe(false);
      const rows = await db.payments.list(experimentId);
      expect(rows.map((r) => [r.batch, r.participantId, r.amountMinor, r.platformId])).toEqual([
        [1, 'a', 120, 'PIDa'],
        [1, 'b', 35, 'PIDb'],
        [2, 'a', 120, 'PIDa'],
        [2, 'b', 35, 'PIDb'],
      ]);
      expect((await db.payments.batches(experimentId)).map((b) => [b.batch, b.platform, b.currency])).toEqual(
        [
          [1, 'prolific', 'GBP'],
          [2, 'prolific', 'GBP'],
        ],
      );
    });

    it('claims a batch for sending once, and marks bonuses paid one by one or all at once', async () => {
      const experimentId = uid('pay');
      await db.payments.record({
        experimentId,
        batch: 1,
        platform: 'mturk',
        currency: 'USD',
        payments: [bonus('a', 10), bonus('b', 20)],
      });
      const claims = await Promise.all(
        Array.from({ length: 6 }, () => db.payments.claimSubmit(experimentId, 1)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      await db.payments.markPaid(experimentId, 1, ['a']);
      expect((await db.payments.list(experimentId)).map((p) => p.paidAt !== null)).toEqual([true, false]);
      expect((await db.payments.batches(experimentId))[0]!.paidAt).toBeNull();
      await db.payments.markPaid(experimentId, 1);
      expect((await db.payments.list(experimentId)).every((p) => p.paidAt !== null)).toBe(true);
      expect((await db.payments.batches(experimentId))[0]!.paidAt).not.toBeNull();
    });

    it('a batch whose bonuses cannot all be written is not written at all', async () => {
      const experimentId = uid('pay');
      // The same person twice in one batch breaks the key: the statement fails whole, batch row included.
      await expect(
        db.payments.record({
          experimentId,
          batch: 1,
          platform: 'prolific',
          currency: 'GBP',
          payments: [bonus('a', 10), bonus('a', 20)],
        }),
      ).rejects.toThrow();
      expect(await db.payments.batches(experimentId)).toEqual([]);
      expect(await db.payments.list(experimentId)).toEqual([]);
    });
  });
}
