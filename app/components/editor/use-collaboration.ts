'use client';

import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { SyncProvider, type ProviderSnapshot } from '@/lib/client/sync/sync-provider';
import { tokenFromFragment } from '@/lib/client/documents/create-document';
import { loadRecentDocuments } from '@/lib/client/documents/recent-documents';
import { syncServerUrls } from '@/lib/client/page/sync-url';

export interface CollaborationSession {
  readonly doc: Y.Doc;
  readonly provider: SyncProvider;
  /** The share-link token from the page's fragment, if any. */
  readonly token: string | null;
}

export type LocalCopyState = 'loading' | 'ready' | 'unavailable';

// Long enough for a large local copy on a slow disk; after it the editor opens anyway and the
// local copy merges in when it arrives (Yjs merges in any order).
const LOCAL_COPY_WAIT_MS = 3_000;

/**
 * One Y.Doc per open document, kept in IndexedDB and synced through the provider. Created in an
 * effect, never during render: a render on the Next server must not open sockets or databases.
 */
export function useCollaboration(docId: string, syncUrl: string | null, syncPort: number) {
  const [session, setSession] = useState<CollaborationSession | null>(null);
  const [localCopy, setLocalCopy] = useState<LocalCopyState>('loading');

  useEffect(() => {
    let active = true;
    const doc = new Y.Doc();
    let local: IndexeddbPersistence | null = null;
    try {
      local = new IndexeddbPersistence(`tandem:${docId}`, doc);
      local.whenSynced.then(
        () => active && setLocalCopy('ready'),
        () => active && setLocalCopy('unavailable'),
      );
    } catch {
      setLocalCopy('unavailable');
    }
    const waitTimer = setTimeout(() => active && setLocalCopy((state) => (state === 'loading' ? 'ready' : state)), LOCAL_COPY_WAIT_MS);
    const baseUrl = syncServerUrls(syncUrl, syncPort, window.location).socket;
    // Share links carry their token in the fragment (never sent to the web server); the sync
    // server reads it from the socket's query string.
    const token =
      tokenFromFragment(window.location.hash) ??
      loadRecentDocuments(window.localStorage).find((recent) => recent.id === docId)?.token ??
      null;
    const provider = new SyncProvider({ baseUrl, docName: docId, doc, params: token ? { token } : {} });
    setSession({ doc, provider, token });
    return () => {
      active = false;
      clearTimeout(waitTimer);
      provider.destroy();
      void local?.destroy();
      doc.destroy();
      setSession(null);
      setLocalCopy('loading');
    };
  }, [docId, syncUrl, syncPort]);

  return { session, localCopy };
}

const subscribeNothing = () => () => {};

const serverSnapshot: ProviderSnapshot = {
  connection: 'connecting',
  save: 'unsaved',
  storage: 'ok',
  sharing: 'ok',
  synced: false,
  crowd: 0,
  browserOnline: true,
  failedAttempts: 0,
  carrier: 'websocket',
  problem: null,
};

/** What the page renders of a provider: everything but the save status (see useProviderStatus). */
export type ProviderStatus = Omit<ProviderSnapshot, 'save'>;

/**
 * The provider's snapshot without its save status, which changes twice for every keystroke
 * (saving, saved). Each React commit while the editor has focus makes React walk the editor's
 * whole DOM to save the selection (getSelectionInformation: ~20 ms a keystroke on a book of
 * 20,000 paragraphs), so the page does not re-render for it: the save indicator follows the
 * status by itself (save-indicator.tsx).
 */
export function useProviderStatus(provider: SyncProvider | null): ProviderStatus {
  const read = useMemo(() => {
    let last = serverStatus;
    let lastKey = JSON.stringify(last);
    return (): ProviderStatus => {
      const next = withoutSave(provider ? provider.getSnapshot() : serverSnapshot);
      const key = JSON.stringify(next);
      if (key !== lastKey) {
        last = next;
        lastKey = key;
      }
      return last;
    };
  }, [provider]);
  return useSyncExternalStore(provider ? provider.subscribe : subscribeNothing, read, () => serverStatus);
}

function withoutSave(snapshot: ProviderSnapshot): ProviderStatus {
  const { save: _save, ...status } = snapshot;
  return status;
}

const serverStatus = withoutSave(serverSnapshot);
