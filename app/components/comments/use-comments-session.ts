'use client';

import { useEffect, useState } from 'react';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { commentsDocumentName } from '@/lib/comments/comments-document';
import { SyncProvider } from '@/lib/client/sync/sync-provider';
import { syncServerUrls } from '@/lib/client/page/sync-url';

export interface CommentsSession {
  readonly doc: Y.Doc;
  readonly provider: SyncProvider;
}

/**
 * The document's comments: a Y.Doc of their own (`<id>/comments`), synced beside the text with
 * the same token, transports and reconnects, and kept in its own IndexedDB copy, so a comment
 * written offline survives a reload and is sent when the link comes back. Null while the page may
 * not see comments (a view link) or has not decided yet.
 */
export function useCommentsSession(docId: string, token: string | null, enabled: boolean, syncUrl: string | null, syncPort: number) {
  const [session, setSession] = useState<CommentsSession | null>(null);

  useEffect(() => {
    if (!enabled) return;
    const name = commentsDocumentName(docId);
    const doc = new Y.Doc();
    let local: IndexeddbPersistence | null = null;
    try {
      local = new IndexeddbPersistence(`tandem:${name}`, doc);
    } catch {
      // No offline copy in this browser: comments still sync while the page is open.
    }
    const baseUrl = syncServerUrls(syncUrl, syncPort, window.location).socket;
    const provider = new SyncProvider({ baseUrl, docName: name, doc, params: token ? { token } : {} });
    // Presence belongs to the text document; the comments room needs nobody's caret or name.
    provider.awareness.setLocalState(null);
    setSession({ doc, provider });
    return () => {
      provider.destroy();
      void local?.destroy();
      doc.destroy();
      setSession(null);
    };
  }, [docId, token, enabled, syncUrl, syncPort]);

  return session;
}
