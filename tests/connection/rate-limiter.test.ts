import { describe, expect, it } from 'vitest';
import { FrameBudget, TokenBucket } from '../../sync-server/connection/rate-limiter';

describe('token bucket', () => {
  it('allows a burst, then the sustained rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 20, () => now);
    for (let i = 0; i < 20; i++) expect(bucket.take(1)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    now += 100; // one token refilled
    expect(bucket.take(1)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    now += 10_000; // refills only up to the burst
    for (let i = 0; i < 20; i++) expect(bucket.take(1)).toBe(true);
    expect(bucket.take(1)).toBe(false);
  });

  it('takes nothing when a cost does not fit', () => {
    const bucket = new TokenBucket(1, 5, () => 0);
    expect(bucket.take(6)).toBe(false);
    expect(bucket.take(5)).toBe(true);
  });
});

describe('frame budget', () => {
  const limits = { messagesPerSecond: 10, messageBurst: 3, bytesPerSecond: 100, maxMessageBytes: 50 };

  it('allows a burst of messages, then the sustained rate', () => {
    let now = 0;
    const budget = new FrameBudget(limits, { now: () => now });
    for (let i = 0; i < 3; i++) expect(budget.take(1)).toBe(true);
    expect(budget.take(1)).toBe(false);
    now += 100; // one message refilled
    expect(budget.take(1)).toBe(true);
    expect(budget.take(1)).toBe(false);
  });

  it('allows a second of bytes plus one largest message, then the sustained rate', () => {
    let now = 0;
    const budget = new FrameBudget({ ...limits, messageBurst: 100 }, { now: () => now });
    expect(budget.take(150)).toBe(true);
    expect(budget.take(1)).toBe(false);
    now += 500; // 50 bytes refilled
    expect(budget.take(51)).toBe(false);
    now += 10; // one more byte
    expect(budget.take(50)).toBe(true);
  });
});
