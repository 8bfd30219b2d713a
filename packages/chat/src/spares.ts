/**
 * Trial threads made ahead of demand, spread over an experiment's study channels. Discord lets a bot
 * start only a few threads a second in a channel (its rate limits: 5 per 5 s per channel as its
 * headers report them), so 500 people asking for trials at once would queue for minutes behind one
 * channel. Here each study channel keeps a few spare threads, refilled as they are taken, and a person
 * gets one at once; when every channel's spares are gone, they wait for the first made anywhere.
 *
 * A spare is made before anyone knows the trial it will hold, so its name (TRIAL_THREAD_NAME) can say
 * nothing of it: every trial thread has the same name, whatever its question, its answers or which of
 * them is correct, and in whatever order people ask. Threads are given out in the order they were made.
 */

/** The name of every trial thread. Part of the blinding boundary: it must never depend on the trial. */
export const TRIAL_THREAD_NAME = 'Oversight trial';

/** Spares kept per channel: one window of Discord's thread bucket (5 per 5 s), so a channel refills them in one. */
export const SPARES_PER_CHANNEL = 5;

/** A spare is not given out this long after it was made (Discord archives an idle thread after 7 days at most). */
export const SPARE_MAX_AGE_MS = 6 * 24 * 3600_000;

export interface SpareThread {
  channel: string;
  thread: string;
  madeAt: number;
}

export interface SpareThreadsOptions {
  /** The study channels, where threads are made (an experiment's, in one server). */
  channels: readonly string[];
  /** Makes a thread named TRIAL_THREAD_NAME in a channel; resolves with its id once the platform has it. */
  make(channel: string): Promise<string>;
  perChannel?: number;
  log?: (line: string) => void;
  now?: () => number;
}

export class SpareThreads {
  readonly channels: readonly string[];
  private readonly spares = new Map<string, SpareThread[]>();
  private readonly waiting: Array<(spare: SpareThread) => void> = [];
  private readonly refilling = new Set<string>();
  /** Channels that failed to make a thread, and when to try again. */
  private readonly failing = new Map<string, { until: number; delay: number }>();
  private stopped = false;
  private lastProblem: string | null = null;
  private lastUsed = -1;
  private readonly perChannel: number;
  private readonly now: () => number;

  constructor(private readonly options: SpareThreadsOptions) {
    if (options.channels.length === 0) throw new Error('SpareThreads: name at least one study channel');
    this.channels = [...new Set(options.channels)];
    this.perChannel = options.perChannel ?? SPARES_PER_CHANNEL;
    this.now = options.now ?? Date.now;
    for (const channel of this.channels) this.spares.set(channel, []);
  }

  /** Starts making spares in every channel. */
  start(): void {
    for (const channel of this.channels) this.refill(channel);
  }

  /** Makes no more (those being made finish; people still waiting are left to their timeouts). */
  stop(): void {
    this.stopped = true;
  }

  /** How many are ready now, per channel. */
  ready(): Map<string, number> {
    return new Map([...this.spares].map(([channel, list]) => [channel, list.length]));
  }

  /**
   * A thread for a person: the oldest spare of the channel with the most, taking turns among equals
   * (so use, and refilling, spread over the channels), or the next one made when there is none.
   */
  take(waitMs = 60_000): Promise<SpareThread> {
    const now = this.now();
    for (const list of this.spares.values())
      while (list.length > 0 && now - list[0]!.madeAt > SPARE_MAX_AGE_MS) list.shift();
    // The channel with the most spares; among equals, the next after the last one used.
    let best: SpareThread[] | null = null;
    for (let i = 1; i <= this.channels.length; i++) {
      const list = this.spares.get(this.channels[(this.lastUsed + i) % this.channels.length]!)!;
      if (list.length > 0 && (!best || list.length > best.length)) best = list;
    }
    const spare = best?.shift();
    if (spare) this.lastUsed = this.channels.indexOf(spare.channel);
    if (spare) {
      this.refill(spare.channel);
      return Promise.resolve(spare);
    }
    return new Promise((resolve, reject) => {
      const waiter = (spare: SpareThread) => {
        clearTimeout(timer);
        resolve(spare);
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(
          new Error(
            `no trial thread could be started in the study channels (${this.channels.join(', ')}) within ${waitMs / 1000} s${this.lastProblem ? `: ${this.lastProblem}` : ''}; check that the bot may create private threads there`,
          ),
        );
      }, waitMs);
      this.waiting.push(waiter);
      for (const channel of this.channels) this.refill(channel);
    });
  }

  /** One maker per channel: it makes threads while the channel is short of spares or someone waits. */
  private refill(channel: string): void {
    if (this.refilling.has(channel) || this.stopped) return;
    this.refilling.add(channel);
    void (async () => {
      try {
        while (
          !this.stopped &&
          (this.spares.get(channel)!.length < this.perChannel || this.waiting.length > 0)
        ) {
          const backoff = this.failing.get(channel);
          if (backoff && backoff.until > this.now()) {
            await new Promise((resolve) => setTimeout(resolve, backoff.until - this.now()));
            continue;
          }
          let thread: string;
          try {
            thread = await this.options.make(channel);
          } catch (error) {
            const delay = Math.min(60_000, (backoff?.delay ?? 500) * 2);
            this.failing.set(channel, { until: this.now() + delay, delay });
            this.lastProblem = `channel ${channel}: ${(error as Error).message}`;
            this.options.log?.(
              `channel ${channel}: could not start a trial thread (${(error as Error).message}); again in ${delay / 1000} s`,
            );
            continue;
          }
          this.failing.delete(channel);
          const spare = { channel, thread, madeAt: this.now() };
          const waiter = this.waiting.shift();
          if (waiter) waiter(spare);
          else this.spares.get(channel)!.push(spare);
        }
      } finally {
        this.refilling.delete(channel);
      }
    })();
  }
}
