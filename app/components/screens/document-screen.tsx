'use client';

import Link from 'next/link';
import type { Editor } from '@tiptap/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { combinedSaveStatus } from '@/lib/client/comments/combined-save-status';
import { editorMode, pageAbilities, pageLinkId, type EditorMode } from '@/lib/client/comments/page-role';
import { saveRecentDocument } from '@/lib/client/documents/recent-documents';
import type { SyncProvider } from '@/lib/client/sync/sync-provider';
import type { Identity } from '@/lib/client/page/identity';
import { TITLE_FIELD } from '@/lib/editor/extensions';
import { CommentsSidebar } from '../comments/comments-sidebar';
import { useCommentsPane } from '../comments/use-comments-pane';
import { useCommentsSession, type CommentsSession } from '../comments/use-comments-session';
import { CollaborativeEditor } from '../editor/collaborative-editor';
import { DownloadMenu } from '../editor/download-menu';
import { HistoryButton } from '../history/history-button';
import { IdentityEditor } from '../presence/identity-editor';
import { PresenceList } from '../presence/presence-list';
import { ShareButton } from '../sharing/share-dialog';
import { ProblemBanner, StatusBar } from '../editor/status-bar';
import { TitleField } from '../editor/title-field';
import type { SaveSource } from '../editor/save-indicator';
import { useCollaboration, useProviderStatus, type LocalCopyState } from '../editor/use-collaboration';
import { LinkEndedScreen } from './link-ended-screen';
import { useHeaderHeight } from './use-header-height';
import { useIdentity } from '../presence/use-identity';
import { usePresence } from '../presence/use-presence';

export function DocumentScreen({ docId, syncUrl, syncPort }: { docId: string; syncUrl: string | null; syncPort: number }) {
  const { session, localCopy } = useCollaboration(docId, syncUrl, syncPort);
  const [identity, setIdentity] = useIdentity();
  const textSnapshot = useProviderStatus(session?.provider ?? null);
  // A link says what it allows in its (unverified, display-only) claims; the server is what enforces it.
  const abilities = pageAbilities(session?.token ?? null);
  const mode = editorMode(abilities, textSnapshot.problem?.kind === 'read-only');
  const readOnly = mode !== 'edit';
  const noAccess = textSnapshot.problem?.kind === 'forbidden';
  const ended = textSnapshot.problem?.kind === 'link-ended' ? textSnapshot.problem.ending : null;
  // Once the link has ended the page only offers the text this browser holds (link-ended-screen.tsx).
  const usable = session !== null && !noAccess && ended === null;
  const comments = useCommentsSession(docId, session?.token ?? null, usable && abilities.comments, syncUrl, syncPort);
  const commentsSnapshot = useProviderStatus(comments?.provider ?? null);
  // "Saved" covers the comments too; a comments document the server will not open (a server from
  // before comments) has nothing of ours to save, so it does not hold the indicator back.
  const snapshot = {
    ...textSnapshot,
    // A commenter's refused text update is expected (page-role.ts): no "Read-only" warning for it.
    problem: mode === 'comment' && textSnapshot.problem?.kind === 'read-only' ? null : textSnapshot.problem,
  };
  const savedWithComments = comments !== null && commentsSnapshot.problem === null ? comments.provider : null;
  const save = useSaveSource(session?.provider ?? null, savedWithComments);
  const header = useRef<HTMLElement>(null);
  useHeaderHeight(header);

  return (
    <div className="doc-page">
      <header ref={header} className="doc-header">
        <Link href="/" className="brand brand--small">
          Tandem
        </Link>
        <div className="header-actions">
          {mode === 'view' ? (
            <span className="badge" data-testid="view-only-badge">
              View only
            </span>
          ) : mode === 'comment' ? (
            <span className="badge" data-testid="comment-only-badge">
              Can comment
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
          <StatusBar snapshot={snapshot} save={save} />
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
          mode={mode}
          showsComments={abilities.comments}
          comments={comments}
          crowd={textSnapshot.crowd}
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
  mode: EditorMode;
  /** This link sees comments; the page waits for their session rather than open the editor twice. */
  showsComments: boolean;
  comments: CommentsSession | null;
  /** How many people the server counts in a crowded document; 0: not crowded. */
  crowd: number;
}) {
  const { docId, token, provider, identity, onIdentity, localCopy, mode, showsComments, comments, crowd } = props;
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
    <main className={showsComments ? 'doc-main doc-main--comments' : 'doc-main'}>
      <div className="doc-meta">
        <TitleField text={title} onTitle={onTitle} readOnly={mode !== 'edit'} />
        <aside className="people">
          <PresenceList users={users} crowd={crowd} />
          <IdentityEditor identity={identity} onChange={onIdentity} />
        </aside>
      </div>
      {/* Wait for the local copy so the page opens on the last known text rather than on a blank. */}
      {localCopy === 'loading' || (showsComments && comments === null) ? (
        <div className="editor editor--loading" aria-busy="true" />
      ) : comments !== null ? (
        <CommentedEditor provider={provider} identity={identity} mode={mode} comments={comments} linkId={pageLinkId(token)} />
      ) : (
        <CollaborativeEditor provider={provider} identity={identity} mode={mode} comments={null} />
      )}
    </main>
  );
}

/** The editor with its comments beside it (below it on a phone). */
function CommentedEditor(props: { provider: SyncProvider; identity: Identity; mode: EditorMode; comments: CommentsSession; linkId: string | null }) {
  const { provider, identity, mode, comments, linkId } = props;
  const [editor, setEditor] = useState<Editor | null>(null);
  const pane = useCommentsPane({ comments: comments.doc, text: provider.doc, editor, identity, linkId, editsText: mode === 'edit' });
  const canWrite = mode !== 'view';
  return (
    <div className="doc-columns">
      <div className="doc-columns__text">
        <CollaborativeEditor provider={provider} identity={identity} mode={mode} comments={canWrite ? pane.editorComments : null} onEditor={setEditor} />
      </div>
      <CommentsSidebar pane={pane} canWrite={canWrite} />
    </div>
  );
}

const NOT_SAVED: SaveSource = { read: () => 'unsaved', subscribe: () => () => undefined };

/** The page's one save status: the text's, and the comments' when they count (combined-save-status.ts). */
function useSaveSource(text: SyncProvider | null, comments: SyncProvider | null): SaveSource {
  return useMemo(() => {
    if (text === null) return NOT_SAVED;
    return {
      read: () => combinedSaveStatus(text.getSnapshot().save, comments === null ? null : comments.getSnapshot().save),
      subscribe: (onChange: () => void) => {
        const stopText = text.subscribe(onChange);
        const stopComments = comments?.subscribe(onChange);
        return () => {
          stopText();
          stopComments?.();
        };
      },
    };
  }, [text, comments]);
}
