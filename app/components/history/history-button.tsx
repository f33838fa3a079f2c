'use client';

import dynamic from 'next/dynamic';
import { useMemo, useState } from 'react';
import { createPortal } from 'react-dom';
import type * as Y from 'yjs';
import { VersionHistoryClient } from '@/lib/client/history/version-history-api';
import { syncServerUrls } from '@/lib/client/page/sync-url';
import type { SnapshotSource } from '@/lib/client/sync/when-saved';

// The panel brings the diff and the document conversions: loaded on the first opening, not with the page.
const HistoryPanel = dynamic(() => import('./history-panel'), {
  ssr: false,
  loading: () => (
    <aside className="history-panel" aria-busy="true">
      <p className="muted history-panel__hint">Opening the history…</p>
    </aside>
  ),
});

const PANEL_ID = 'history-panel';

/** The header's History button for people with an edit link, and the panel it opens and closes. */
export function HistoryButton(props: {
  docId: string;
  token: string | null;
  syncUrl: string | null;
  syncPort: number;
  doc: Y.Doc;
  provider: SnapshotSource;
  /** Who names and restores versions from this page: they are credited as they appear in presence. */
  author: { name: string; color: string } | null;
}) {
  const { docId, token, syncUrl, syncPort, doc, provider, author } = props;
  const [open, setOpen] = useState(false);
  const authorName = author?.name;
  const authorColor = author?.color;
  const client = useMemo(
    () =>
      new VersionHistoryClient({
        httpBase: syncServerUrls(syncUrl, syncPort, window.location).http,
        docId,
        token,
        author: authorName !== undefined && authorColor !== undefined ? { name: authorName, color: authorColor } : null,
      }),
    [docId, token, syncUrl, syncPort, authorName, authorColor],
  );

  return (
    <>
      <button
        type="button"
        className={`button button--small${open ? ' button--pressed' : ''}`}
        data-testid="history-button"
        aria-expanded={open}
        aria-controls={open ? PANEL_ID : undefined}
        onClick={() => setOpen((was) => !was)}
      >
        History
      </button>
      {/* In a portal: the header's backdrop filter would make it the panel's containing block. */}
      {open ? createPortal(<HistoryPanel id={PANEL_ID} client={client} doc={doc} provider={provider} onClose={() => setOpen(false)} />, document.body) : null}
    </>
  );
}
