'use client';

import type { PresentUser } from './use-presence';

export function PresenceList({ users }: { users: readonly PresentUser[] }) {
  return (
    <ul className="presence" aria-label="People on this document">
      {users.map((user) => (
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
