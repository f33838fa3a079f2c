'use client';

import { useEffect, useRef, useState } from 'react';
import { fetchShareLinks, type ShareLinks } from '@/lib/client/share-links';
import { httpBaseFromSocketBase, resolveSyncBaseUrl } from '@/lib/client/sync-url';

type LinksState = { kind: 'idle' } | { kind: 'loading' } | { kind: 'ready'; links: ShareLinks } | { kind: 'failed'; message: string };

/** The share control: a dialog with the links this person may pass on, each with a copy button. */
export function ShareButton(props: { docId: string; token: string | null; syncUrl: string | null; syncPort: number }) {
  const { docId, token, syncUrl, syncPort } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [state, setState] = useState<LinksState>({ kind: 'idle' });

  const open = () => {
    dialog.current?.showModal();
    if (token === null) {
      setState({ kind: 'failed', message: 'This document was opened without a link, so there is nothing to share.' });
      return;
    }
    setState({ kind: 'loading' });
    const httpBase = httpBaseFromSocketBase(resolveSyncBaseUrl(syncUrl, syncPort, window.location));
    fetchShareLinks(httpBase, window.location.origin, docId, token).then(
      (links) => setState({ kind: 'ready', links }),
      (error: unknown) => setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
  };

  return (
    <>
      <button type="button" className="button button--small" data-testid="share-button" onClick={open}>
        Share
      </button>
      <dialog ref={dialog} className="share-dialog" aria-labelledby="share-heading" onClose={() => setState({ kind: 'idle' })}>
        <h2 id="share-heading">Share this document</h2>
        {state.kind === 'loading' ? <p className="muted">Getting the links…</p> : null}
        {state.kind === 'failed' ? <p className="banner banner--error">{state.message}</p> : null}
        {state.kind === 'ready' ? (
          <>
            {state.links.editLink !== null ? (
              <LinkField label="Can edit" testId="share-edit-link" value={state.links.editLink} />
            ) : null}
            <LinkField label="Can view" testId="share-view-link" value={state.links.viewLink} />
            <p className="muted share-dialog__note">
              Anyone with a link has its access. Links stay valid until the server secret is rotated.
            </p>
          </>
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

function LinkField({ label, testId, value }: { label: string; testId: string; value: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard permission (plain http, some browsers): select it so Ctrl+C does the rest.
      input.current?.select();
      return;
    }
    setCopied(true);
  };

  return (
    <label className="share-field">
      <span className="share-field__label">{label}</span>
      <span className="share-field__row">
        <input ref={input} readOnly value={value} data-testid={testId} onFocus={(event) => event.target.select()} />
        <button type="button" className="button button--small" onClick={copy} aria-label={`Copy the ${label.toLowerCase()} link`}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </span>
    </label>
  );
}
