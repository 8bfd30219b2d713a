/**
 * Waits `ms`, or less when woken or aborted: the chat apps' delivery loops. Hands out the wake
 * function so a loop can be nudged (a move was just recorded) without polling faster. The abort listener is removed each time,
 * so a long-running loop does not pile them up.
 */
export function pause(ms: number, signal: AbortSignal, onWake: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
    onWake(done);
  });
}
