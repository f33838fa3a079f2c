'use client';

import type { PresentUser } from './use-presence';

/** People shown by name; the rest are a count, so that a document with thousands of readers stays usable. */
export const NAMED_PEOPLE = 6;

/**
 * `crowd`: how many people the server counts in a crowded document (0: not crowded), where the
 * presences this page has are only the active people's.
 */
export function PresenceList({ users, crowd }: { users: readonly PresentUser[]; crowd: number }) {
  const named = users.slice(0, NAMED_PEOPLE);
  const others = Math.max(users.length, crowd) - named.length;
  return (
    <ul className="presence" aria-label="People on this document">
      {named.map((user) => (
        <li
          key={user.clientId}
          className="presence__user"
          data-testid="presence-user"
          data-self={user.isSelf ? 'true' : undefined}
          title={user.isSelf ? `${user.name} (you)` : user.name}
        >
          <span className="presence__avatar" style={{ backgroundColor: user.color }} aria-hidden="true">
            {initials(user.name)}
          </span>
          <span className="presence__name">
            {user.name}
            {user.isSelf ? <span className="muted"> (you)</span> : null}
          </span>
        </li>
      ))}
      {others > 0 ? (
        <li className="presence__more" data-testid="presence-more" title={`${others.toLocaleString('en')} more ${others === 1 ? 'person' : 'people'}`}>
          +{others.toLocaleString('en')}
        </li>
      ) : null}
    </ul>
  );
}

function initials(name: string): string {
  const letters = name
    .split(' ')
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase() ?? '');
  return letters.join('') || '?';
}
