import { type Database, NOTIFY_CHANNEL, type NotificationRow } from '@oversight/db';

/**
 * Delivers "your turn" notices from the outbox (written by the append that made the move due). At
 * least once: a notice is marked delivered only after `deliver` resolves, so a crash in between
 * delivers it again, and the consumer recognises it by `notice.id`. A notice whose move was made (or
 * reassigned) before it could be delivered is dropped, not sent.
 */

export interface NoticeWatchOptions {
  experimentIds: readonly string[];
  /** Only people whose identity starts so ("slack:"): a chat app delivers its own people's notices only. */
  identityPrefix?: string;
  /** Tells the person (a DM, a message). Throwing leaves the notice pending; it is tried again. */
  deliver: (notice: NotificationRow) => Promise<void>;
  /** How often to look when nothing wakes the watcher (default 1 s; NOTIFY wakes it sooner). */
  pollMs?: number;
  signal?: AbortSignal;
  onError?: (notice: NotificationRow, error: unknown) => void;
}

/** One pass over the pending notices; returns how many were delivered. */
export async function deliverPendingNotices(
  db: Database,
  options: Omit<NoticeWatchOptions, 'pollMs' | 'signal'>,
): Promise<number> {
  let delivered = 0;
  for (;;) {
    const pending = await db.outbox.pending({
      experimentIds: options.experimentIds,
      limit: 100,
      ...(options.identityPrefix !== undefined ? { identityPrefix: options.identityPrefix } : {}),
    });
    if (pending.length === 0) return delivered;
    let progressed = false;
    for (const notice of pending) {
      const owed = await db.trials.owedBy(notice.participantId, notice.experimentId);
      const current = owed.some(
        (o) => o.trialId === notice.trialId && o.role === notice.role && o.sinceSeq === notice.sinceSeq,
      );
      if (current) {
        try {
          await options.deliver(notice);
        } catch (error) {
          await db.outbox.markAttempted([notice.id]);
          options.onError?.(notice, error);
          continue;
        }
        delivered += 1;
      }
      await db.outbox.markDelivered([notice.id]);
      progressed = true;
    }
    if (!progressed) return delivered;
  }
}

/** Delivers notices as they appear, until the signal. */
export async function watchNotices(db: Database, options: NoticeWatchOptions): Promise<void> {
  let wake: (() => void) | null = null;
  const stop = await db.listen(NOTIFY_CHANNEL, (experimentId) => {
    if (options.experimentIds.includes(experimentId)) wake?.();
  });
  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  try {
    while (!options.signal?.aborted) {
      await deliverPendingNotices(db, options);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs ?? 1_000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await stop();
  }
}
