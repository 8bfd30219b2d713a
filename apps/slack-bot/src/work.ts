/**
 * The work that follows an acknowledgement, run a few at a time so that a burst of requests cannot
 * crowd out the acknowledgements themselves (they only need the event loop for a moment; the work after
 * them needs the database). Urgent work (opening a modal: Slack's trigger id lasts 3 seconds) goes
 * first. A crash loses queued work but no move: moves are recorded by the work itself, or not at all,
 * and Slack shows the person nothing happened, so they click again.
 */
export class WorkQueue {
  private readonly urgent: Array<() => Promise<void>> = [];
  private readonly normal: Array<() => Promise<void>> = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  run(lane: 'urgent' | 'normal', job: () => Promise<void>): void {
    (lane === 'urgent' ? this.urgent : this.normal).push(job);
    this.pump();
  }

  get pending(): number {
    return this.urgent.length + this.normal.length + this.running;
  }

  /** Resolves when nothing is queued or running (for a clean stop). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump() {
    while (this.running < this.concurrency) {
      const job = this.urgent.shift() ?? this.normal.shift();
      if (!job) break;
      this.running += 1;
      job()
        .catch(this.onError)
        .finally(() => {
          this.running -= 1;
          this.pump();
          if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }
}
