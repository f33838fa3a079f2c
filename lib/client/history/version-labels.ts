/**
 * What a version is called in the History panel, and when it was taken, in words a person reads:
 * "Before restore", "Restored version 12", "5 minutes ago" next to the exact date and time.
 */
import type { VersionSummary } from './version-history-api';

/** The version's heading: its name if someone gave it one, otherwise what made it. */
export function versionTitle(version: VersionSummary): string {
  switch (version.kind) {
    case 'named':
      return version.name ?? `Version ${version.id}`;
    case 'before-restore':
      return 'Before restore';
    case 'restore':
      return version.restoredFrom === null ? 'Restored an earlier version' : `Restored version ${version.restoredFrom}`;
    case 'auto':
      return 'Saved automatically';
  }
}

export function versionKindLabel(version: VersionSummary): string {
  switch (version.kind) {
    case 'named':
      return 'Named';
    case 'before-restore':
      return 'Before restore';
    case 'restore':
      return 'Restore';
    case 'auto':
      return 'Automatic';
  }
}

const units: ReadonlyArray<readonly [Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "just now", "3 minutes ago", "yesterday"; a clock a little ahead of the server's still reads "just now". */
export function relativeTime(at: Date, now: Date, locale?: string): string {
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.round(seconds / 60), 'minute');
}

export function absoluteTime(at: Date, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}
