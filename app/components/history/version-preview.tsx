'use client';

import { useMemo, useState } from 'react';
import type * as Y from 'yjs';
import type { PortableDocument } from '@/lib/editor/document-export';
import { diffDocuments } from '@/lib/client/history/version-diff';
import type { VersionHistoryClient, VersionSummary } from '@/lib/client/history/version-history-api';
import { versionTitle } from '@/lib/client/history/version-labels';
import { RestoreDialog } from './restore-dialog';
import { useCurrentDocument } from './use-current-document';
import { useVersionContent } from './use-version-history';
import { VersionAuthors } from './version-authors';
import { DiffLegend, VersionDiffView } from './version-diff-view';
import { VersionTime } from './version-time';

/** One version, read-only, compared with the document as it is now, with the way to restore it. */
export function VersionPreview(props: {
  version: VersionSummary;
  client: VersionHistoryClient;
  doc: Y.Doc;
  cache: Map<number, PortableDocument>;
  now: Date;
  onRestore: (version: VersionSummary) => Promise<void>;
  onBack: () => void;
}) {
  const { version, client, doc, cache, now, onRestore, onBack } = props;
  const { state, retry } = useVersionContent(client, version.id, cache);
  const [confirming, setConfirming] = useState(false);
  const title = versionTitle(version);

  return (
    <section className="version-preview" aria-labelledby="version-preview-title" data-testid="version-preview" data-version-id={version.id}>
      <button type="button" className="button button--small version-preview__back" onClick={onBack}>
        ← All versions
      </button>
      <div className="version-preview__bar">
        <div className="version-preview__heading">
          <h3 id="version-preview-title">{title}</h3>
          <VersionTime createdAt={version.createdAt} now={now} />
          <VersionAuthors authors={version.authors} />
        </div>
        <button
          type="button"
          className="button button--small button--primary"
          data-testid="restore-version"
          disabled={state.kind !== 'ready'}
          onClick={() => setConfirming(true)}
        >
          Restore this version
        </button>
      </div>
      {state.kind === 'loading' ? <p className="muted" data-testid="version-loading">Getting version {version.id}…</p> : null}
      {state.kind === 'failed' ? (
        <div className="banner banner--error history-error" role="alert" data-testid="version-error">
          <span>{state.message}</span>
          <button type="button" className="button button--small" data-testid="version-retry" onClick={retry}>
            Try again
          </button>
        </div>
      ) : null}
      {state.kind === 'ready' ? <ComparedVersion version={state.document} doc={doc} /> : null}
      {confirming ? (
        <RestoreDialog
          versionTitle={title}
          versionId={version.id}
          onConfirm={async () => {
            await onRestore(version);
            setConfirming(false);
          }}
          onClose={() => setConfirming(false)}
        />
      ) : null}
    </section>
  );
}

function ComparedVersion({ version, doc }: { version: PortableDocument; doc: Y.Doc }) {
  const current = useCurrentDocument(doc);
  const diff = useMemo(() => diffDocuments(version, current), [version, current]);
  return (
    <>
      {!diff.highlighted ? (
        <p className="diff-legend">This version is too different from the current document to mark the changes.</p>
      ) : diff.differs ? (
        <DiffLegend />
      ) : (
        <p className="diff-legend" data-testid="diff-same">
          Same text as the current document.
        </p>
      )}
      <VersionDiffView blocks={diff.blocks} />
    </>
  );
}
