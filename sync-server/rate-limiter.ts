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
