'use client';

import type { VersionSummary } from '@/lib/client/history/version-history-api';
import { versionKindLabel, versionTitle } from '@/lib/client/history/version-labels';
import type { VersionListState } from './use-version-history';
import { VersionAuthors } from './version-authors';
import { VersionTime } from './version-time';

/** The versions, newest first, as a list to pick one from; an error keeps the last list and offers a retry. */
export function VersionList(props: {
  state: VersionListState;
  selectedId: number | null;
  now: Date;
  onSelect: (version: VersionSummary) => void;
  onRetry: () => void;
}) {
  const { state, selectedId, now, onSelect, onRetry } = props;
  return (
    <div className="version-list" data-testid="version-list" aria-busy={state.loading}>
      {state.error !== null ? (
        <div className="banner banner--error history-error" role="alert" data-testid="history-error">
          <span>{state.error}</span>
          <button type="button" className="button button--small" data-testid="history-retry" onClick={onRetry}>
            Try again
          </button>
        </div>
      ) : null}
      {state.versions === null ? (
        state.loading ? <p className="muted version-list__note">Getting the versions…</p> : null
      ) : state.versions.length === 0 ? (
        <p className="muted version-list__note" data-testid="history-empty">
          No versions yet. The server keeps one after a pause in editing, or name the current version above.
        </p>
      ) : (
        <ol className="version-list__items">
          {state.versions.map((version) => (
            <li key={version.id}>
              <button
                type="button"
                className="version-item"
                data-testid="version-item"
                data-kind={version.kind}
                data-version-id={version.id}
                aria-current={version.id === selectedId ? 'true' : undefined}
                onClick={() => onSelect(version)}
              >
                <span className="version-item__head">
                  <span className="version-item__title">{versionTitle(version)}</span>
                  <span className="version-item__kind" data-kind={version.kind}>
                    {versionKindLabel(version)} · #{version.id}
                  </span>
                </span>
                <VersionTime createdAt={version.createdAt} now={now} />
                <VersionAuthors authors={version.authors} />
              </button>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
