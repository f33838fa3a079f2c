import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, versionsToThin } from '../../sync-server/history/retention';
import type { VersionInfo, VersionMeta } from '../../sync-server/storage/document-store';

const policy = { keepAllMs: DAY_MS, hourlyForMs: 30 * DAY_MS };
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

function versionsAt(times: readonly number[], kinds: Partial<Record<number, VersionMeta['kind']>> = {}): VersionInfo[] {
  return times.map((createdAt, index) => ({
    id: index + 1,
    meta: { createdAt, kind: kinds[index + 1] ?? 'auto', name: null, authors: [], restoredFrom: null, encoding: 'full' },
  }));
}

describe('retention', () => {
  it('keeps every version of the last day', () => {
    const times = Array.from({ length: 100 }, (_, i) => NOW - DAY_MS + 1 + i * 60_000);
    expect(versionsToThin(versionsAt(times), NOW, policy)).toEqual([]);
  });

  it('keeps the newest version of each hour between a day and a month old', () => {
    const base = NOW - 2 * DAY_MS - (NOW % HOUR_MS); // the start of an hour, two days ago
    // Three versions in one hour, two in the next, one alone, then one recent.
    const versions = versionsAt([base + 1_000, base + 2_000, base + 3_000, base + HOUR_MS + 1, base + HOUR_MS + 2, base + 3 * HOUR_MS, NOW - 1]);
    expect(versionsToThin(versions, NOW, policy)).toEqual([1, 2, 4]);
  });

  it('keeps the newest version of each day past a month, and named versions and the newest always', () => {
    const dayStart = NOW - 40 * DAY_MS - (NOW % DAY_MS);
    const versions = versionsAt(
      [dayStart + 1, dayStart + 2 * HOUR_MS, dayStart + 3 * HOUR_MS, dayStart + DAY_MS + 5, dayStart + DAY_MS + 6],
      { 1: 'named' },
    );
    // 1 is named; 3 is the newest of its day; 5 is the newest of all.
    expect(versionsToThin(versions, NOW, policy)).toEqual([2, 4]);
  });

  it('thins as the clock moves on: the same list loses more with age', () => {
    const start = NOW - (NOW % HOUR_MS);
    const versions = versionsAt(Array.from({ length: 12 }, (_, i) => start + i * 5 * 60_000)); // every 5 min for an hour
    expect(versionsToThin(versions, start + HOUR_MS, policy)).toEqual([]);
    expect(versionsToThin(versions, start + DAY_MS + HOUR_MS, policy)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
