'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { parseToken } from '@/lib/auth/capability-token';
import { linkManagementAccess } from '@/lib/client/documents/link-management';
import { fetchShareLinks, type ShareLinks } from '@/lib/client/documents/share-links';
import { syncServerUrls } from '@/lib/client/page/sync-url';
import { LinkField } from './link-field';
import { LinkManager } from './link-manager';

type LinksState = { kind: 'idle' } | { kind: 'loading' } | { kind: 'ready'; links: ShareLinks } | { kind: 'failed'; message: string };

const NO_TOKEN = 'This document was opened without a link, so there is nothing to share.';

/**
 * The share control: a dialog with the links this person may pass on, each with a copy button.
 * The links are asked for once the server has let the page in, so the dialog usually has them at
 * once (or on the click, if that comes first); when the server could not be asked or did not
 * answer, the dialog says so and offers to try again. An owner (and, on a document made before
 * owner links, an editor the server lets) also manages the links: link-manager.tsx.
 */
export function ShareButton(props: {
  docId: string;
  token: string | null;
  syncUrl: string | null;
  syncPort: number;
  /** The sync server has accepted this page's link (it synced once). */
  admitted: boolean;
}) {
  const { docId, token, syncUrl, syncPort, admitted } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [state, setState] = useState<LinksState>(token === null ? { kind: 'failed', message: NO_TOKEN } : { kind: 'idle' });
  // Only the latest request's answer counts (a retry supersedes the attempt before it).
  const request = useRef(0);
  // Counts the dialog's openings: the link list is asked for again each time.
  const [opened, setOpened] = useState(0);
  const access = linkManagementAccess(token);
  // Links of documents made before link records (version 1 tokens) cannot be revoked one by one.
  const revocable = token !== null && parseToken(token)?.version === 2;

  const load = useCallback(() => {
    if (token === null) return;
    const id = ++request.current;
    setState({ kind: 'loading' });
    const httpBase = syncServerUrls(syncUrl, syncPort, window.location).http;
    fetchShareLinks(httpBase, window.location.origin, docId, token).then(
      (links) => id === request.current && setState({ kind: 'ready', links }),
      (error: unknown) => id === request.current && setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
  }, [docId, token, syncUrl, syncPort]);

  // Asked once the server has let this page in: earlier, a refused link would be asked in vain.
  useEffect(() => {
    if (admitted && state.kind === 'idle') load();
  }, [admitted, state.kind, load]);

  const open = () => {
    dialog.current?.showModal();
    setOpened((count) => count + 1);
    if (state.kind === 'idle' || state.kind === 'failed') load();
  };

  return (
    <>
      <button type="button" className="button button--small" data-testid="share-button" onClick={open}>
        Share
      </button>
      <dialog ref={dialog} className="share-dialog" aria-labelledby="share-heading" data-state={state.kind}>
        <h2 id="share-heading">Share this document</h2>
        {state.kind === 'loading' ? <p className="muted" data-testid="share-loading">Getting the links…</p> : null}
        {state.kind === 'failed' ? (
          <div className="banner banner--error share-dialog__error" role="alert" data-testid="share-error">
            <span>{state.message}</span>
            {token !== null ? (
              <button type="button" className="button button--small" data-testid="share-retry" onClick={load}>
                Try again
              </button>
            ) : null}
          </div>
        ) : null}
        {state.kind === 'ready' ? (
          <>
            {state.links.editLink !== null ? (
              <LinkField label="Can edit" testId="share-edit-link" value={state.links.editLink} />
            ) : null}
            {state.links.commentLink !== null ? (
              <LinkField label="Can comment" testId="share-comment-link" value={state.links.commentLink} />
            ) : null}
            <LinkField label="Can view" testId="share-view-link" value={state.links.viewLink} />
            <p className="muted share-dialog__note">
              {access === 'owner'
                ? 'Anyone with a link has its access until you revoke it or it expires.'
                : revocable
                  ? 'Anyone with a link has its access until the document’s owner revokes it.'
                  : 'Anyone with a link has its access. Links stay valid until the server secret is rotated.'}
            </p>
          </>
        ) : null}
        {token !== null && access !== 'none' && opened > 0 ? (
          <LinkManager
            httpBase={syncServerUrls(syncUrl, syncPort, window.location).http}
            pageOrigin={window.location.origin}
            docId={docId}
            token={token}
            access={access}
            opened={opened}
          />
        ) : null}
        <form method="dialog" className="share-dialog__actions">
          <button type="submit" className="button">
            Done
          </button>
        </form>
      </dialog>
    </>
  );
}
