import { absoluteTime, relativeTime } from '@/lib/client/history/version-labels';

/** "5 minutes ago · 21 Nov 2026, 14:03": the relative time to scan a list, the absolute one to be sure. */
export function VersionTime({ createdAt, now }: { createdAt: string; now: Date }) {
  const at = new Date(createdAt);
  return (
    <time dateTime={createdAt} className="version-time">
      {relativeTime(at, now)} <span aria-hidden="true">·</span> {absoluteTime(at)}
    </time>
  );
}
