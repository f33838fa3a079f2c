'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { PortableDocument } from '@/lib/editor/document-export';
import type { VersionHistoryClient, VersionSummary } from '@/lib/client/history/version-history-api';

export interface VersionListState {
  /** The last list the server sent; kept on screen while a refresh runs or after one fails. */
  readonly versions: readonly VersionSummary[] | null;
  readonly loading: boolean;
  readonly error: string | null;
}

/** The version list, asked for when the panel opens and again on `refresh` (after naming or restoring). */
export function useVersionList(client: VersionHistoryClient): { state: VersionListState; refresh: () => void } {
  const [state, setState] = useState<VersionListState>({ versions: null, loading: true, error: null });
  // Only the latest request's answer counts: an older one arriving late would show a stale list.
  const request = useRef(0);

  const refresh = useCallback(() => {
    const id = ++request.current;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    client.list().then(
      (versions) => id === request.current && setState({ versions, loading: false, error: null }),
      (error: unknown) => id === request.current && setState((previous) => ({ ...previous, loading: false, error: messageOf(error) })),
    );
  }, [client]);

  useEffect(() => {
    refresh();
  }, [refresh]);

  return { state, refresh };
}

export type VersionContentState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'ready'; readonly document: PortableDocument }
  | { readonly kind: 'failed'; readonly message: string };

/**
 * One version's content. A version never changes once taken, so what was fetched is kept in
 * `cache` (owned by the panel) and selecting it again shows it at once.
 */
export function useVersionContent(
  client: VersionHistoryClient,
  versionId: number,
  cache: Map<number, PortableDocument>,
): { state: VersionContentState; retry: () => void } {
  const cached = cache.get(versionId);
  const [state, setState] = useState<VersionContentState>(cached ? { kind: 'ready', document: cached } : { kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const known = cache.get(versionId);
    if (known) {
      setState({ kind: 'ready', document: known });
      return;
    }
    let current = true;
    setState({ kind: 'loading' });
    client.content(versionId).then(
      (document) => {
        cache.set(versionId, document);
        if (current) setState({ kind: 'ready', document });
      },
      (error: unknown) => current && setState({ kind: 'failed', message: messageOf(error) }),
    );
    return () => {
      current = false;
    };
  }, [client, versionId, cache, attempt]);

  return { state, retry: useCallback(() => setAttempt((n) => n + 1), []) };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
