'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type * as Y from 'yjs';
import type { PortableDocument } from '@/lib/editor/document-export';
import type { VersionHistoryClient, VersionSummary } from '@/lib/client/history/version-history-api';
import { versionTitle } from '@/lib/client/history/version-labels';
import { whenSaved, type SnapshotSource } from '@/lib/client/sync/when-saved';
import { NameVersionForm } from './name-version-form';
import { useNow } from './use-now';
import { useVersionList } from './use-version-history';
import { VersionList } from './version-list';
import { VersionPreview } from './version-preview';

// Long enough for a save round trip on a slow link; past it the server acts on what it has.
const SAVE_WAIT_MS = 3_000;

/**
 * The History panel: name the current version, pick one from the list, see it against the current
 * document and restore it. Loaded only when first opened (it brings the diff and the document
 * conversions with it), and mounted only while open, so every opening asks for a fresh list.
 */
export default function HistoryPanel(props: { id: string; client: VersionHistoryClient; doc: Y.Doc; provider: SnapshotSource; onClose: () => void }) {
  const { id, client, doc, provider, onClose } = props;
  const { state, refresh } = useVersionList(client);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [cache] = useState(() => new Map<number, PortableDocument>());
  const now = useNow(30_000);
  const closeButton = useRef<HTMLButtonElement>(null);
  const selected = state.versions?.find((version) => version.id === selectedId) ?? null;

  useEffect(() => closeButton.current?.focus(), []);

  const nameVersion = useCallback(
    async (name: string) => {
      await whenSaved(provider, SAVE_WAIT_MS);
      const version = await client.name(name);
      setNotice(`Named the current version “${versionTitle(version)}”.`);
      refresh();
    },
    [client, provider, refresh],
  );

  const restore = useCallback(
    async (version: VersionSummary) => {
      await whenSaved(provider, SAVE_WAIT_MS);
      const { before } = await client.restore(version.id);
      setNotice(`Restored version ${version.id}. To undo, restore “${versionTitle(before)}” (#${before.id}).`);
      refresh();
    },
    [client, provider, refresh],
  );

  return (
    <aside
      id={id}
      className="history-panel"
      aria-labelledby="history-heading"
      data-testid="history-panel"
      data-view={selected ? 'preview' : 'list'}
      onKeyDown={(event) => {
        // Escape in the restore dialog closes the dialog only.
        if (event.key === 'Escape' && !(event.target instanceof Element && event.target.closest('dialog'))) onClose();
      }}
    >
      <header className="history-panel__header">
        <h2 id="history-heading">Version history</h2>
        <NameVersionForm onName={nameVersion} />
        <button ref={closeButton} type="button" className="button button--small" data-testid="history-close" onClick={onClose} aria-label="Close version history">
          Close
        </button>
      </header>
      {notice !== null ? (
        <p className="banner banner--info history-panel__notice" role="status" data-testid="history-notice">
          {notice}
        </p>
      ) : null}
      <div className="history-panel__body">
        <VersionList state={state} selectedId={selectedId} now={now} onSelect={(version) => setSelectedId(version.id)} onRetry={refresh} />
        {selected !== null ? (
          <VersionPreview
            key={selected.id}
            version={selected}
            client={client}
            doc={doc}
            cache={cache}
            now={now}
            onRestore={restore}
            onBack={() => setSelectedId(null)}
          />
        ) : (
          <p className="muted history-panel__hint">Select a version to see how it differs from the document now.</p>
        )}
      </div>
    </aside>
  );
}
