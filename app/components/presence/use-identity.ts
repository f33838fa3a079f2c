'use client';

import { useCallback, useEffect, useState } from 'react';
import { loadIdentity, normalizeName, storeIdentity, type Identity } from '@/lib/client/page/identity';

/** This browser's name and colour; null until mounted (localStorage is browser-only). */
export function useIdentity(): [Identity | null, (next: Identity) => void] {
  const [identity, setIdentity] = useState<Identity | null>(null);

  useEffect(() => {
    setIdentity(loadIdentity(window.localStorage));
  }, []);

  const update = useCallback((next: Identity) => {
    const name = normalizeName(next.name);
    if (!name) return;
    const identity = { name, color: next.color };
    storeIdentity(window.localStorage, identity);
    setIdentity(identity);
  }, []);

  return [identity, update];
}
