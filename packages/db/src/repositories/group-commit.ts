/**
 * Group commit for calls that arrive one at a time: calls made while earlier ones are being written
 * are queued and sent together as one call of `run`, so a thousand trials stepping at once cost a
 * few statements (and a few fsyncs) instead of a thousand. An idle queue sends at the next turn of
 * the event loop, so a lone call waits for nothing but the calls made in the same turn.
 */
export interface GroupCommitOptions<I> {
  /** Items per call of `run`. */
  maxItems: number;
  /** Calls of `run` at once (a server's pool can overlap one batch's commit with the next one's work). */
  maxInFlight: number;
  /**
   * Items needed to start a call while another is in flight (default 1): below it they wait for that
   * call, so a trickle does not fill every slot with statements (and commits) of a few items each.
   */
  minItemsAlongside?: number;
  /**
   * Items with the same key are never in one batch nor in two batches at once: a later one waits for
   * the earlier one's batch to finish, so each sees what the other wrote, in the order they were made.
   */
  key?: (item: I) => string;
}

interface Pending<I, O> {
  item: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/** `run` gets the items of a batch and returns one output per item, in order; if it throws, every item fails. */
export function groupCommit<I, O>(
  run: (items: I[]) => Promise<O[]>,
  options: GroupCommitOptions<I>,
): (item: I) => Promise<O> {
  let queue: Pending<I, O>[] = [];
  const busy = new Set<string>();
  let inFlight = 0;
  let scheduled = false;

  const take = (): Pending<I, O>[] => {
    if (!options.key) {
      const batch = queue.slice(0, options.maxItems);
      queue = queue.slice(batch.length);
      return batch;
    }
    const batch: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    const seen = new Set<string>();
    for (const p of queue) {
      const key = options.key(p.item);
      // A key met once stays behind for the rest of this pass, keeping its calls in order.
      if (batch.length < options.maxItems && !busy.has(key) && !seen.has(key)) batch.push(p);
      else rest.push(p);
      seen.add(key);
    }
    queue = rest;
    return batch;
  };

  const pump = () => {
    while (
      inFlight < options.maxInFlight &&
      queue.length > 0 &&
      (inFlight === 0 || queue.length >= (options.minItemsAlongside ?? 1))
    ) {
      const batch = take();
      if (batch.length === 0) return;
      const keys = options.key ? batch.map((p) => options.key!(p.item)) : [];
      for (const k of keys) busy.add(k);
      inFlight += 1;
      run(batch.map((p) => p.item))
        .then(
          (outputs) => {
            batch.forEach((p, i) => {
              p.resolve(outputs[i]!);
            });
          },
          (error: unknown) => {
            for (const p of batch) p.reject(error);
          },
        )
        .finally(() => {
          inFlight -= 1;
          for (const k of keys) busy.delete(k);
          pump();
        });
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        pump();
      });
    });
}
