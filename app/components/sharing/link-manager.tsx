'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { documentPagePath } from '@/lib/client/documents/create-document';
import {
  LinkManagementError,
  linkManagement,
  type CreatedShareLink,
  type NewShareLink,
  type ShareLinkRecord,
} from '@/lib/client/documents/link-management';
import { CreateLinkForm } from './create-link-form';
import { LinkField } from './link-field';
import { LinkRow } from './link-row';

type ListState =
  | { kind: 'loading' }
  | { kind: 'ready'; links: readonly ShareLinkRecord[] }
  /** This token may not manage links after all (a version 1 edit link of a newer document). */
  | { kind: 'not-allowed' }
  | { kind: 'failed'; message: string };

/**
 * The owner's part of the share dialog: make a named link, see every link with its role and
 * times, revoke one. Asked for each time the dialog opens (`opened` counts the openings), so
 * what another tab changed shows. With `ask` (a version 1 edit link, which may manage the links of
 * a document made before owner links) the list is only asked for when the person says so: the
 * answer is a 403 for any other document, and a failed request the page makes on its own is noise
 * in the browser's console; after a 403 the dialog stays as it always was.
 */
export function LinkManager(props: { httpBase: string; pageOrigin: string; docId: string; token: string; access: 'owner' | 'ask'; opened: number }) {
  const { httpBase, pageOrigin, docId, token, access, opened } = props;
  const client = useMemo(() => linkManagement({ httpBase, docId, token }), [httpBase, docId, token]);
  const [asked, setAsked] = useState(access === 'owner');
  const [state, setState] = useState<ListState>({ kind: 'loading' });
  const [created, setCreated] = useState<CreatedShareLink | null>(null);
  // Only the latest request's answer counts.
  const request = useRef(0);

  const load = useCallback(() => {
    const id = ++request.current;
    client.list().then(
      (links) => id === request.current && setState({ kind: 'ready', links }),
      (error: unknown) => {
        if (id !== request.current) return;
        if (error instanceof LinkManagementError && error.kind === 'not-allowed') return setState({ kind: 'not-allowed' });
        setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
  }, [client]);

  useEffect(() => {
    if (opened > 0 && asked) load();
  }, [opened, asked, load]);

  const create = async (link: NewShareLink) => {
    const made = await client.create(link);
    setCreated(made);
    load();
  };

  const revoke = async (linkId: string) => {
    await client.revoke(linkId);
    load();
  };

  const urlOf = (linkToken: string) => `${pageOrigin}${documentPagePath(docId, linkToken)}`;

  if (!asked) {
    return (
      <button type="button" className="button button--small link-manager__ask" data-testid="link-manager-ask" onClick={() => setAsked(true)}>
        Manage links
      </button>
    );
  }
  if (state.kind === 'not-allowed') {
    return (
      <p className="muted share-dialog__note" data-testid="link-manager-not-allowed">
        Only the document’s owner can manage its links.
      </p>
    );
  }

  return (
    <section className="link-manager" data-testid="link-manager" data-state={state.kind} aria-labelledby="link-manager-heading">
      <h3 id="link-manager-heading" className="share-dialog__subheading">
        Links to this document
      </h3>
      {state.kind === 'loading' ? <p className="muted">Getting the links…</p> : null}
      {state.kind === 'failed' ? (
        <div className="banner banner--error share-dialog__error" role="alert" data-testid="link-manager-error">
          <span>{state.message}</span>
          <button type="button" className="button button--small" onClick={load}>
            Try again
          </button>
        </div>
      ) : null}
      {state.kind === 'ready' ? (
        <ul className="link-list" data-testid="link-list">
          {state.links.map((link) => (
            <LinkRow key={link.id} link={link} url={urlOf(link.token)} onRevoke={revoke} />
          ))}
        </ul>
      ) : null}
      {created !== null ? (
        <LinkField label={`New link${created.name !== null ? `: ${created.name}` : ''}`} testId="created-link" value={urlOf(created.token)} />
      ) : null}
      <CreateLinkForm onCreate={create} />
    </section>
  );
}
