/**
 * Per-endpoint limits: how many requests may be in flight (a semaphore) and how many tokens may be
 * spent per minute (a token bucket). Both are FIFO queues with O(1) bookkeeping and no polling: a
 * waiter is resumed by a release or by one timer set for the moment the bucket can serve it.
 */

/** A FIFO queue with O(1) push/shift (an array with a moving head, compacted now and then). */
class Queue<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

export class Semaphore {
  private active = 0;
  private readonly waiting = new Queue<() => void>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`a semaphore needs a capacity of at least 1, got ${capacity}`);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when a slot is free; call `release()` exactly once afterwards. */
  acquire(): Promise<void> {
    if (this.active < this.capacity) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` is unchanged.
    if (next) next();
    else this.active -= 1;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }
}

/**
 * Tokens per minute. The bucket holds up to one minute's worth and refills continuously. A request
 * larger than the whole bucket waits for a full bucket and then takes all of it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perMs: number;
  private readonly waiting = new Queue<{ need: number; resolve: () => void }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly tokensPerMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(tokensPerMinute > 0))
      throw new RangeError(`tokensPerMinute must be positive, got ${tokensPerMinute}`);
    this.tokens = tokensPerMinute;
    this.perMs = tokensPerMinute / 60_000;
    this.last = this.now();
  }

  get available(): number {
    this.refill();
    return this.tokens;
  }

  /** Resolves once `tokens` (an estimate of prompt + completion tokens) have been taken. */
  take(tokens: number): Promise<void> {
    const need = Math.min(Math.max(0, tokens), this.tokensPerMinute);
    this.refill();
    if (this.waiting.length === 0 && this.tokens >= need) {
      this.tokens -= need;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting.push({ need, resolve });
      this.schedule();
    });
  }

  /** Corrects the estimate once the real usage is known (positive: tokens come back). */
  refund(tokens: number): void {
    this.refill();
    this.tokens = Math.min(this.tokensPerMinute, this.tokens + tokens);
    this.drain();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.tokensPerMinute, this.tokens + (t - this.last) * this.perMs);
    this.last = t;
  }

  private drain(): void {
    for (let head = this.waiting.peek(); head && this.tokens >= head.need; head = this.waiting.peek()) {
      this.tokens -= head.need;
      this.waiting.shift();
      head.resolve();
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const head = this.waiting.peek();
    if (!head) return;
    const wait = Math.max(1, Math.ceil((head.need - this.tokens) / this.perMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      this.drain();
    }, wait);
  }
}

/** The limits of one endpoint, shared by every participant that calls it. */
export interface EndpointLimits {
  concurrency: Semaphore;
  tokens: TokenBucket | null;
}

export function endpointLimits(endpoint: {
  maxConcurrent: number;
  tokensPerMinute?: number | undefined;
}): EndpointLimits {
  return {
    concurrency: new Semaphore(endpoint.maxConcurrent),
    tokens: endpoint.tokensPerMinute ? new TokenBucket(endpoint.tokensPerMinute) : null,
  };
}
