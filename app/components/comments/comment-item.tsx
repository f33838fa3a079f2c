'use client';

import { useState } from 'react';
import type { CommentView } from '@/lib/comments/thread-list';
import { CommentForm } from './comment-form';

/** One comment: who wrote it (name and colour from their presence), when, what; edit and delete for its author. */
export function CommentItem(props: {
  comment: CommentView;
  own: boolean;
  canWrite: boolean;
  onEdit: (body: string) => void;
  onDelete: () => void;
}) {
  const { comment, own, canWrite } = props;
  const [editing, setEditing] = useState(false);
  return (
    <li className="comment" data-testid="comment" data-comment-id={comment.id} data-own={own ? 'true' : undefined}>
      <div className="comment__head">
        <span className="comment__dot" style={{ backgroundColor: comment.author.color }} aria-hidden="true" />
        <span className="comment__author" data-testid="comment-author" data-color={comment.author.color}>
          {comment.author.name}
        </span>
        <time className="comment__time muted" dateTime={new Date(comment.createdAt).toISOString()} title={new Date(comment.createdAt).toLocaleString()}>
          {timeLabel(comment.createdAt)}
        </time>
        {comment.editedAt !== null && !comment.deleted ? <span className="muted comment__edited">(edited)</span> : null}
      </div>
      {comment.deleted ? (
        <p className="comment__body muted" data-testid="comment-body">
          Comment deleted
        </p>
      ) : editing ? (
        <CommentForm
          label="Edit your comment"
          submitLabel="Save"
          inputTestId="comment-edit-input"
          submitTestId="comment-edit-submit"
          initial={comment.body}
          autoFocus
          onSubmit={(body) => {
            props.onEdit(body);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <p className="comment__body" data-testid="comment-body">
          {comment.body}
        </p>
      )}
      {own && canWrite && !comment.deleted && !editing ? (
        <div className="comment__actions">
          <button type="button" className="link-button" data-testid="comment-edit" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button type="button" className="link-button" data-testid="comment-delete" onClick={props.onDelete}>
            Delete
          </button>
        </div>
      ) : null}
    </li>
  );
}

function timeLabel(at: number): string {
  const date = new Date(at);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleDateString();
}
