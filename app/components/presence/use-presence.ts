'use client';

import { useMemo, useSyncExternalStore } from 'react';
import type { Awareness } from 'y-protocols/awareness';
import { isColor } from '@/lib/client/page/identity';

export interface PresentUser {
  readonly clientId: number;
  readonly name: string;
  readonly color: string;
  readonly isSelf: boolean;
}

/** Everyone on the document with a name, yourself first; re-rendered on awareness changes only. */
export function usePresence(awareness: Awareness): PresentUser[] {
  const store = useMemo(() => {
    let cached: PresentUser[] = [];
    let key = '';
    const read = (): PresentUser[] => {
      const users: PresentUser[] = [];
      for (const [clientId, state] of awareness.getStates()) {
        const user: unknown = state['user'];
        if (typeof user !== 'object' || user === null) continue;
        const { name, color } = user as Record<string, unknown>;
        if (typeof name !== 'string') continue;
        users.push({
          clientId,
          name: name.slice(0, 40) || 'Anonymous',
          color: isColor(color) ? color : '#868e96',
          isSelf: clientId === awareness.clientID,
        });
      }
      users.sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || a.name.localeCompare(b.name) || a.clientId - b.clientId);
      const nextKey = JSON.stringify(users);
      if (nextKey !== key) {
        key = nextKey;
        cached = users;
      }
      return cached;
    };
    return {
      subscribe: (listener: () => void) => {
        awareness.on('change', listener);
        return () => awareness.off('change', listener);
      },
      read,
    };
  }, [awareness]);
  return useSyncExternalStore(store.subscribe, store.read, store.read);
}
