import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from '../../lib/client/transport/backoff';

describe('reconnect backoff', () => {
  const options = { baseMs: 500, capMs: 10_000 };

  it('doubles the ceiling per attempt up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffCeiling(attempt, options))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });

  it('never overflows for a very long outage', () => {
    expect(backoffCeiling(10_000, options)).toBe(10_000);
    expect(backoffDelay(10_000, options, () => 0.999)).toBeLessThan(10_000);
  });

  it('draws the delay uniformly from zero to the ceiling (full jitter)', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(2_000);
    expect(backoffDelay(3, options, () => 0.9999)).toBe(3_999);
  });

  it('spreads many clients across the window instead of one instant', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const delays = Array.from({ length: 1_000 }, () => backoffDelay(4, options, random));
    const buckets = new Set(delays.map((delay) => Math.floor(delay / 1_000)));
    expect(buckets.size).toBe(8);
  });

  it('treats negative or fractional attempts as the first one', () => {
    expect(backoffCeiling(-3, options)).toBe(500);
    expect(backoffCeiling(1.7, options)).toBe(1_000);
  });
});
