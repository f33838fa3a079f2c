'use client';

import { SaveIndicator, type SaveSource } from './save-indicator';
import type { ProviderStatus } from './use-collaboration';

const connectionText = { connecting: 'Connecting…', connected: 'Connected', offline: 'Offline', ended: 'Link ended' } as const;
const endingText = { revoked: 'Link revoked', expired: 'Link expired' } as const;

export function StatusBar({ snapshot, save }: { snapshot: ProviderStatus; save: SaveSource }) {
  return (
    <div className="status" role="status" aria-live="polite">
      <span className="status__item" data-testid="connection-status" data-state={snapshot.connection} data-carrier={snapshot.carrier}>
        <span className={`dot dot--${snapshot.connection}`} aria-hidden="true" />
        {snapshot.problem?.kind === 'link-ended' ? endingText[snapshot.problem.ending] : connectionText[snapshot.connection]}
        {snapshot.connection === 'connected' && snapshot.carrier === 'http' ? ' (HTTP fallback)' : ''}
      </span>
      <SaveIndicator source={save} />
    </div>
  );
}

/** The one message that explains the current trouble, or nothing. Never blank, never console-only. */
export function ProblemBanner({ snapshot, localCopy }: { snapshot: ProviderStatus; localCopy: 'loading' | 'ready' | 'unavailable' }) {
  const message = problemMessage(snapshot, localCopy);
  if (!message) return null;
  return (
    <div className={`banner banner--${message.tone}`} role="alert" data-testid="problem" data-kind={message.kind}>
      <strong>{message.title}</strong> {message.detail}
    </div>
  );
}

interface Message {
  readonly kind: string;
  readonly tone: 'error' | 'warning' | 'info';
  readonly title: string;
  readonly detail: string;
}

function problemMessage(snapshot: ProviderStatus, localCopy: string): Message | null {
  const { problem } = snapshot;
  // The document screen itself explains a revoked or expired link (link-ended-screen.tsx).
  if (problem?.kind === 'link-ended') return null;
  if (problem?.kind === 'forbidden') {
    return { kind: 'forbidden', tone: 'error', title: "You don't have access to this document.", detail: 'Ask its owner for a share link.' };
  }
  if (problem?.kind === 'read-only') {
    return { kind: 'read-only', tone: 'warning', title: 'Read-only.', detail: 'Your edits to this document are not accepted by the server.' };
  }
  const offlineCopy =
    localCopy === 'unavailable'
      ? 'This browser cannot keep an offline copy, so keep this tab open until it reconnects.'
      : 'Your edits are kept in this browser and will sync when the connection returns.';
  // Connected but not saving: the server has every edit in memory and retries its disk; say so
  // rather than let "Saving…" spin, and rather than call a reachable server offline.
  if (snapshot.connection === 'connected' && snapshot.storage === 'degraded') {
    return {
      kind: 'storage-degraded',
      tone: 'warning',
      title: 'The server cannot save right now.',
      detail:
        localCopy === 'unavailable'
          ? 'Your edits reach the server and are kept in this tab; keep it open until saving resumes.'
          : 'Your edits are kept here, in this browser, and will be saved as soon as the server can write again.',
    };
  }
  // Cluster mode: this server keeps saving but the others do not see the edits until it is back.
  if (snapshot.connection === 'connected' && snapshot.sharing === 'degraded') {
    return {
      kind: 'sharing-degraded',
      tone: 'warning',
      title: 'This server is cut off from the others.',
      detail: 'Your edits are saved, but people connected to other servers may not see them until it reconnects.',
    };
  }
  if (snapshot.connection === 'offline' && !snapshot.browserOnline) {
    return { kind: 'browser-offline', tone: 'info', title: 'You are offline.', detail: offlineCopy };
  }
  if (snapshot.connection === 'offline' && snapshot.failedAttempts > 0) {
    return {
      kind: 'unreachable',
      tone: 'warning',
      title: 'Cannot reach the sync server.',
      detail: `${snapshot.synced ? '' : 'Showing the copy stored in this browser. '}${offlineCopy} Retrying…`,
    };
  }
  return null;
}
