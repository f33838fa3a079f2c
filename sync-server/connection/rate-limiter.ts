/**
 * A token bucket: `ratePerSecond` tokens refill continuously up to `burst`. Pure apart from the
 * injected clock, so tests can step time exactly.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  /** Takes `cost` tokens if there are enough; returns false (taking nothing) otherwise. */
  take(cost: number): boolean {
    const now = this.now();
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsedSeconds * this.ratePerSecond);
    this.updatedAt = now;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}

/** What a connection may send: messages per second with a burst, and bytes per second. */
export interface FrameLimits {
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly bytesPerSecond: number;
  /** The byte burst is a second's worth plus this: one largest-possible message (a first sync of a big document) fits at any time. */
  readonly maxMessageBytes: number;
}

/**
 * A connection's two token buckets, messages and bytes, in one object refilled from one clock
 * reading per frame. One exists per connection, so it holds the shared limits and clock rather
 * than copies or a closure of its own.
 */
export class FrameBudget {
  private messages: number;
  private bytes: number;
  private updatedAt: number;

  constructor(
    private readonly limits: FrameLimits,
    private readonly clock: { now(): number },
  ) {
    this.messages = limits.messageBurst;
    this.bytes = byteBurst(limits);
    this.updatedAt = clock.now();
  }

  /**
   * Takes one message and `bytes` bytes if there are enough of both; returns false otherwise
   * (taking nothing when messages ran out, only the message when bytes did).
   */
  take(bytes: number): boolean {
    const { limits } = this;
    const now = this.clock.now();
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    this.updatedAt = now;
    this.messages = Math.min(limits.messageBurst, this.messages + elapsedSeconds * limits.messagesPerSecond);
    this.bytes = Math.min(byteBurst(limits), this.bytes + elapsedSeconds * limits.bytesPerSecond);
    if (this.messages < 1) return false;
    this.messages -= 1;
    if (this.bytes < bytes) return false;
    this.bytes -= bytes;
    return true;
  }
}

function byteBurst(limits: FrameLimits): number {
  return limits.bytesPerSecond + limits.maxMessageBytes;
}

/**
 * One token bucket per key (a client address), with the number of keys bounded: when the map is
 * full, keys whose buckets have refilled completely are forgotten, since forgetting them changes
 * nothing; if every bucket is still in use, the oldest is dropped.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastUsed: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
    private readonly maxKeys = 10_000,
  ) {}

  take(key: string): boolean {
    let entry = this.buckets.get(key);
    if (entry === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evict();
      entry = { bucket: new TokenBucket(this.ratePerSecond, this.burst, this.now), lastUsed: this.now() };
      this.buckets.set(key, entry);
    }
    entry.lastUsed = this.now();
    return entry.bucket.take(1);
  }

  private evict(): void {
    const refillMs = (this.burst / this.ratePerSecond) * 1000;
    const now = this.now();
    for (const [key, entry] of this.buckets) {
      if (now - entry.lastUsed >= refillMs) this.buckets.delete(key);
    }
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}
