'use client';

import type { CommentAuthor } from '@/lib/comments/comment-model';
import type { ThreadView } from '@/lib/comments/thread-list';
import { CommentForm } from './comment-form';
import { CommentItem } from './comment-item';

export interface ThreadActions {
  reply(threadId: string, body: string): void;
  setResolved(threadId: string, resolved: boolean): void;
  edit(threadId: string, commentId: string, body: string): void;
  remove(threadId: string, commentId: string): void;
  /** The quote was clicked: select and show its text. */
  jump(threadId: string): void;
  focus(threadId: string): void;
}

/** One thread: its quote (a way back to its text), its comments, a reply box, resolve or reopen. */
export function CommentThread(props: {
  thread: ThreadView;
  active: boolean;
  canWrite: boolean;
  authors: ReadonlyMap<string, CommentAuthor>;
  isOwn: (author: CommentAuthor) => boolean;
  actions: ThreadActions;
}) {
  const { thread, active, canWrite, authors, isOwn, actions } = props;
  return (
    <article
      className={`thread${active ? ' thread--active' : ''}`}
      data-testid="comment-thread"
      data-thread-id={thread.id}
      data-resolved={thread.resolved ? 'true' : 'false'}
      data-detached={thread.detached ? 'true' : 'false'}
      data-active={active ? 'true' : undefined}
      onFocus={() => actions.focus(thread.id)}
    >
      <button type="button" className="thread__quote" data-testid="comment-quote" title="Show the text" onClick={() => actions.jump(thread.id)}>
        {thread.quote}
      </button>
      {thread.detached ? (
        <p className="thread__detached" data-testid="comment-detached">
          The text this was about has been deleted.
        </p>
      ) : null}
      <ol className="thread__comments">
        {thread.comments.map((comment) => {
          const author = authors.get(comment.id);
          return (
            <CommentItem
              key={comment.id}
              comment={comment}
              own={author !== undefined && isOwn(author)}
              canWrite={canWrite}
              onEdit={(body) => actions.edit(thread.id, comment.id, body)}
              onDelete={() => actions.remove(thread.id, comment.id)}
            />
          );
        })}
      </ol>
      {canWrite && !thread.resolved ? (
        <CommentForm
          label="Reply"
          submitLabel="Reply"
          inputTestId="comment-reply-input"
          submitTestId="comment-reply-submit"
          onSubmit={(body) => actions.reply(thread.id, body)}
        />
      ) : null}
      {canWrite ? (
        <div className="thread__actions">
          {thread.resolved ? (
            <button type="button" className="button button--small" data-testid="comment-reopen" onClick={() => actions.setResolved(thread.id, false)}>
              Reopen
            </button>
          ) : (
            <button type="button" className="button button--small" data-testid="comment-resolve" onClick={() => actions.setResolved(thread.id, true)}>
              Resolve
            </button>
          )}
        </div>
      ) : null}
    </article>
  );
}
