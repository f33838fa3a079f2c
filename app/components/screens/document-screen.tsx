'use client';

import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { parseToken } from '@/lib/auth/capability-token';
import { saveRecentDocument } from '@/lib/client/documents/recent-documents';
import type { SyncProvider } from '@/lib/client/sync/sync-provider';
import type { Identity } from '@/lib/client/page/identity';
import { TITLE_FIELD } from '@/lib/editor/extensions';
import { CollaborativeEditor } from '../editor/collaborative-editor';
import { DownloadMenu } from '../editor/download-menu';
import { HistoryButton } from '../history/history-button';
import { IdentityEditor } from '../presence/identity-editor';
import { PresenceList } from '../presence/presence-list';
import { ShareButton } from '../sharing/share-dialog';
import { ProblemBanner, StatusBar } from '../editor/status-bar';
import { TitleField } from '../editor/title-field';
import { useCollaboration, useProviderSnapshot, type LocalCopyState } from '../editor/use-collaboration';
import { LinkEndedScreen } from './link-ended-screen';
import { useHeaderHeight } from './use-header-height';
import { useIdentity } from '../presence/use-identity';
import { usePresence } from '../presence/use-presence';

export function DocumentScreen({ docId, syncUrl, syncPort }: { docId: string; syncUrl: string | null; syncPort: number }) {
  const { session, localCopy } = useCollaboration(docId, syncUrl, syncPort);
  const [identity, setIdentity] = useIdentity();
  const snapshot = useProviderSnapshot(session?.provider ?? null);
  // A view link says so in its (unverified, display-only) claims; the server is what enforces it.
  const readOnly =
    snapshot.problem?.kind === 'read-only' || (session !== null && session.token !== null && parseToken(session.token)?.role === 'view');
  const noAccess = snapshot.problem?.kind === 'forbidden';
  const ended = snapshot.problem?.kind === 'link-ended' ? snapshot.problem.ending : null;
  // Once the link has ended the page only offers the text this browser holds (link-ended-screen.tsx).
  const usable = session !== null && !noAccess && ended === null;
  const header = useRef<HTMLElement>(null);
  useHeaderHeight(header);

  return (
    <div className="doc-page">
      <header ref={header} className="doc-header">
        <Link href="/" className="brand brand--small">
          Tandem
        </Link>
        <div className="header-actions">
          {readOnly ? (
            <span className="badge" data-testid="view-only-badge">
              View only
            </span>
          ) : null}
          {usable && !readOnly ? (
            <HistoryButton
              docId={docId}
              token={session.token}
              syncUrl={syncUrl}
              syncPort={syncPort}
              doc={session.doc}
              provider={session.provider}
              author={identity ? { name: identity.name, color: identity.color } : null}
            />
          ) : null}
          {usable ? <DownloadMenu doc={session.doc} /> : null}
          {usable ? <ShareButton docId={docId} token={session.token} syncUrl={syncUrl} syncPort={syncPort} admitted={snapshot.synced} /> : null}
          <StatusBar snapshot={snapshot} />
        </div>
      </header>
      <ProblemBanner snapshot={snapshot} localCopy={localCopy} />
      {session && ended !== null ? (
        <LinkEndedScreen ending={ended} doc={session.doc} />
      ) : noAccess ? (
        // Nothing to show or edit: an empty editor here would invite typing that can never be saved.
        <p className="doc-main muted">
          <Link href="/">Back to your documents</Link>
        </p>
      ) : session && identity ? (
        <DocumentBody
          docId={docId}
          token={session.token}
          provider={session.provider}
          identity={identity}
          onIdentity={setIdentity}
          localCopy={localCopy}
          readOnly={readOnly}
        />
      ) : (
        <div className="editor editor--loading" aria-busy="true" />
      )}
    </div>
  );
}

function DocumentBody(props: {
  docId: string;
  token: string | null;
  provider: SyncProvider;
  identity: Identity;
  onIdentity: (next: Identity) => void;
  localCopy: LocalCopyState;
  readOnly: boolean;
}) {
  const { docId, token, provider, identity, onIdentity, localCopy, readOnly } = props;
  const users = usePresence(provider.awareness);
  const title = useMemo(() => provider.doc.getText(TITLE_FIELD), [provider]);
  const openedAt = useRef(Date.now());

  // Presence does not wait for the editor: people see you as soon as the page has a connection.
  useEffect(() => {
    provider.awareness.setLocalStateField('user', { name: identity.name, color: identity.color });
  }, [provider, identity.name, identity.color]);

  useEffect(() => {
    // A link without a token keeps the one remembered from an earlier visit.
    saveRecentDocument(window.localStorage, { id: docId, openedAt: openedAt.current, ...(token ? { token } : {}) });
  }, [docId, token]);

  const onTitle = useCallback(
    (text: string) => {
      document.title = text.trim() ? `${text.trim()} · Tandem` : 'Untitled · Tandem';
      saveRecentDocument(window.localStorage, { id: docId, title: text, openedAt: openedAt.current });
    },
    [docId],
  );

  return (
    <main className="doc-main">
      <div className="doc-meta">
        <TitleField text={title} onTitle={onTitle} readOnly={readOnly} />
        <aside className="people">
          <PresenceList users={users} />
          <IdentityEditor identity={identity} onChange={onIdentity} />
        </aside>
      </div>
      {/* Wait for the local copy so the page opens on the last known text rather than on a blank. */}
      {localCopy === 'loading' ? <div className="editor editor--loading" aria-busy="true" /> : <CollaborativeEditor provider={provider} identity={identity} readOnly={readOnly} />}
    </main>
  );
}
