'use client';

import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { commentBodyProblem, MAX_COMMENT_BODY_LENGTH } from '@/lib/comments/comment-model';

/**
 * One text box and its button: a new comment, a reply, an edit. Checks the body before sending
 * (not blank, not too long) and says why it will not; Ctrl+Enter sends, Escape cancels.
 */
export function CommentForm(props: {
  label: string;
  submitLabel: string;
  inputTestId: string;
  submitTestId: string;
  initial?: string;
  autoFocus?: boolean;
  onSubmit: (body: string) => void;
  onCancel?: () => void;
}) {
  const [body, setBody] = useState(props.initial ?? '');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const reason = commentBodyProblem(body);
    if (reason !== null) return setProblem(reason);
    props.onSubmit(body);
    setBody('');
    setProblem(null);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submit();
    else if (event.key === 'Escape' && props.onCancel) props.onCancel();
  };

  return (
    <form className="comment-form" onSubmit={submit}>
      <textarea
        className="comment-form__input"
        aria-label={props.label}
        placeholder={props.label}
        value={body}
        rows={2}
        maxLength={MAX_COMMENT_BODY_LENGTH}
        autoFocus={props.autoFocus}
        data-testid={props.inputTestId}
        onChange={(event) => setBody(event.target.value)}
        onKeyDown={onKeyDown}
      />
      {problem !== null ? (
        <p className="comment-form__problem" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="comment-form__actions">
        {props.onCancel ? (
          <button type="button" className="button button--small" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
        <button type="submit" className="button button--small button--primary" data-testid={props.submitTestId}>
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}
