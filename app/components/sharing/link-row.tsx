'use client';

import { useState } from 'react';
import type { ShareLinkRecord } from '@/lib/client/documents/link-management';

const roleLabels: Readonly<Record<string, string>> = { view: 'Can view', edit: 'Can edit', owner: 'Owner' };

type RowState = { kind: 'idle' } | { kind: 'confirming' } | { kind: 'revoking' } | { kind: 'failed'; message: string };

/**
 * One link in the owner's list: what it is for, its role, when it was made, when it ends or was
 * revoked; a copy button while it works, and "Revoke" behind a confirmation, since whoever uses
 * it is cut off at once. The owner's own link offers no revoke: it would lock its holder out.
 */
export function LinkRow({ link, url, onRevoke }: { link: ShareLinkRecord; url: string; onRevoke: (linkId: string) => Promise<void> }) {
  const [state, setState] = useState<RowState>({ kind: 'idle' });
  const [copied, setCopied] = useState(false);
  const status = link.revokedAt !== null ? 'revoked' : link.expiresAt !== null && link.expiresAt <= Date.now() ? 'expired' : 'active';
  const label = link.name ?? (link.role === 'owner' ? 'Your owner link' : `Anyone with this link can ${link.role}`);

  const revoke = async () => {
    setState({ kind: 'revoking' });
    try {
      await onRevoke(link.id);
      setState({ kind: 'idle' });
    } catch (error) {
      setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      window.prompt('Copy this link', url);
    }
  };

  return (
    <li className={`link-row link-row--${status}`} data-testid="link-row" data-link-id={link.id} data-name={link.name ?? ''} data-state={status}>
      <div className="link-row__main">
        <strong className="link-row__name">{label}</strong>
        <span className="badge link-row__role">{roleLabels[link.role] ?? link.role}</span>
      </div>
      <div className="link-row__times muted">
        <span>Created {formatTime(link.createdAt)}</span>
        {link.revokedAt !== null ? (
          <span data-testid="link-revoked">Revoked {formatTime(link.revokedAt)}</span>
        ) : (
          <span>{link.expiresAt === null ? 'Never expires' : `${status === 'expired' ? 'Expired' : 'Expires'} ${formatTime(link.expiresAt)}`}</span>
        )}
      </div>
      {status === 'active' ? (
        <div className="link-row__actions">
          <button type="button" className="button button--small" data-testid="link-copy" onClick={() => void copy()}>
            {copied ? 'Copied' : 'Copy link'}
          </button>
          {link.role !== 'owner' && (state.kind === 'idle' || state.kind === 'failed') ? (
            <button type="button" className="button button--small" data-testid="link-revoke" onClick={() => setState({ kind: 'confirming' })}>
              Revoke
            </button>
          ) : null}
        </div>
      ) : null}
      {state.kind === 'confirming' || state.kind === 'revoking' ? (
        <div className="link-row__confirm" role="alertdialog" aria-label="Revoke this link?">
          <span>Revoke this link? Anyone using it loses access at once; what they wrote stays.</span>
          <button type="button" className="button button--small button--danger" data-testid="link-revoke-confirm" disabled={state.kind === 'revoking'} onClick={() => void revoke()}>
            {state.kind === 'revoking' ? 'Revoking…' : 'Revoke'}
          </button>
          <button type="button" className="button button--small" disabled={state.kind === 'revoking'} onClick={() => setState({ kind: 'idle' })}>
            Cancel
          </button>
        </div>
      ) : null}
      {state.kind === 'failed' ? (
        <p className="banner banner--error share-dialog__error" role="alert">
          {state.message}
        </p>
      ) : null}
    </li>
  );
}

function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
