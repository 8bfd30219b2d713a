/**
 * Runs `work` over items from an async source with at most `concurrency` in flight. Items are
 * pulled lazily, so a run over millions of trials holds only a page of ids at a time.
 */
export async function runPool<T>(
  source: AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  let failure: unknown = null;
  const worker = async () => {
    for (;;) {
      if (failure || signal?.aborted) return;
      const next = await iterator.next();
      if (next.done) return;
      try {
        await work(next.value);
      } catch (error) {
        failure ??= error;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failure) throw failure;
}
