/**
 * Which versions to drop as they age. Named versions are kept forever, and so is the newest (the
 * base the next version is recorded against). The others are all kept while young, then one per
 * hour, then one per day: the newest of each hour or day, which is the state people left it in.
 * Pure: the caller says what time it is.
 */
import type { VersionInfo } from '../storage/document-store';

export interface RetentionPolicy {
  /** Every version younger than this is kept. */
  readonly keepAllMs: number;
  /** Up to this age, one version per hour is kept; past it, one per day. */
  readonly hourlyForMs: number;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** The ids to remove, ascending. `versions` must be in id (= time) order. */
export function versionsToThin(versions: readonly VersionInfo[], now: number, policy: RetentionPolicy): number[] {
  const newest = versions.at(-1);
  // Per bucket (hour or day, by key), the newest version seen so far; walking newest first, the
  // first one met in a bucket is the one that stays.
  const keptPerBucket = new Set<string>();
  const remove: number[] = [];
  for (let i = versions.length - 1; i >= 0; i--) {
    const version = versions[i]!;
    if (version.meta.kind === 'named') continue;
    const age = now - version.meta.createdAt;
    if (age < policy.keepAllMs) continue;
    const bucket = age < policy.hourlyForMs ? `h${Math.floor(version.meta.createdAt / HOUR_MS)}` : `d${Math.floor(version.meta.createdAt / DAY_MS)}`;
    // The newest version is kept whatever its age, and is then the one its hour or day keeps.
    if (keptPerBucket.has(bucket) && version !== newest) remove.push(version.id);
    else keptPerBucket.add(bucket);
  }
  return remove.reverse();
}
