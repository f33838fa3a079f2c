'use client';

import { CommentForm } from './comment-form';
import { CommentThread } from './comment-thread';
import type { CommentsPane } from './use-comments-pane';

/**
 * The comments beside the text (below it on a phone): a new comment being written, the open
 * threads in document order (detached ones last, marked), and the resolved ones folded away.
 */
export function CommentsSidebar({ pane, canWrite }: { pane: CommentsPane; canWrite: boolean }) {
  const open = pane.threads.filter((thread) => !thread.resolved);
  const resolved = pane.threads.filter((thread) => thread.resolved);
  const thread = (view: (typeof pane.threads)[number]) => (
    <CommentThread
      key={view.id}
      thread={view}
      active={view.id === pane.activeThread}
      canWrite={canWrite}
      authors={pane.authors}
      isOwn={pane.isOwn}
      actions={pane.actions}
    />
  );
  return (
    <aside className="comments" aria-label="Comments" data-testid="comments-sidebar">
      <h2 className="comments__heading">
        Comments {open.length > 0 ? <span className="muted">({open.length})</span> : null}
      </h2>
      {pane.pending !== null ? (
        <div className="thread thread--new" data-testid="comment-composer">
          <p className="thread__quote thread__quote--static">{pane.pending.quote}</p>
          <CommentForm
            label="Add a comment"
            submitLabel="Comment"
            inputTestId="comment-input"
            submitTestId="comment-submit"
            autoFocus
            onSubmit={pane.submitPending}
            onCancel={pane.cancelPending}
          />
        </div>
      ) : null}
      {open.length === 0 && pane.pending === null ? (
        <p className="muted comments__empty">Select some text and press Comment (Ctrl+Alt+M) to start a discussion.</p>
      ) : null}
      {open.map(thread)}
      {resolved.length > 0 ? (
        <details className="comments__resolved" data-testid="comment-resolved-list">
          <summary>Resolved ({resolved.length})</summary>
          {resolved.map(thread)}
        </details>
      ) : null}
    </aside>
  );
}
