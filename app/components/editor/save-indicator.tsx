'use client';

import { useLayoutEffect, useRef } from 'react';
import type { SaveStatus } from '@/lib/client/sync/save-state';

const saveText: Record<SaveStatus, string> = { saved: 'Saved', saving: 'Saving…', paused: 'Saving paused', unsaved: 'Not saved yet' };

/** Where the save status comes from: read it now, and hear when it may have changed. */
export interface SaveSource {
  read(): SaveStatus;
  subscribe(onChange: () => void): () => void;
}

/**
 * "Saved" / "Saving…", written into its element without a React render: it changes twice for each
 * keystroke, and every React commit while the editor has focus walks the editor's whole DOM
 * (use-collaboration.ts, useProviderStatus).
 */
export function SaveIndicator({ source }: { source: SaveSource }) {
  const element = useRef<HTMLSpanElement>(null);
  useLayoutEffect(() => {
    const show = () => {
      const target = element.current;
      if (target === null) return;
      const save = source.read();
      if (target.dataset['state'] === save) return;
      target.dataset['state'] = save;
      target.textContent = saveText[save];
    };
    show();
    return source.subscribe(show);
  }, [source]);
  // No children: React never renders the text it would then find changed under it.
  return <span ref={element} className="status__item" data-testid="save-status" />;
}
