'use client';

import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { observeThreads, readThreads } from '@/lib/comments/comment-store';
import type { CommentAuthor } from '@/lib/comments/comment-model';
import { listThreads, type ThreadView } from '@/lib/comments/thread-list';
import { CONTENT_FIELD } from '@/lib/editor/schema';

export interface ThreadsState {
  /** In document order, detached ones last (thread-list.ts). */
  readonly threads: readonly ThreadView[];
  /** Every comment's stored author, link included: what "my comment" is decided on. */
  readonly authors: ReadonlyMap<string, CommentAuthor>;
}

const EMPTY: ThreadsState = { threads: [], authors: new Map() };
const FRAME_MS = 16;

/**
 * The threads as the sidebar shows them, read again when the comments change and when the text
 * changes (quotes and order follow the text), at most once a frame (a timer, not an animation
 * frame: a tab in the background still keeps its list current).
 */
export function useThreads(comments: Y.Doc | null, text: Y.Doc): ThreadsState {
  const [state, setState] = useState<ThreadsState>(EMPTY);

  useEffect(() => {
    if (comments === null) {
      setState(EMPTY);
      return;
    }
    const fragment = text.getXmlFragment(CONTENT_FIELD);
    let frame: number | null = null;
    const read = () => {
      frame = null;
      const authors = new Map<string, CommentAuthor>();
      for (const thread of readThreads(comments)) for (const comment of thread.comments) authors.set(comment.id, comment.author);
      setState({ threads: listThreads(comments, fragment), authors });
    };
    const schedule = () => {
      if (frame === null) frame = window.setTimeout(read, FRAME_MS);
    };
    read();
    const stop = observeThreads(comments, schedule);
    text.on('update', schedule);
    return () => {
      stop();
      text.off('update', schedule);
      if (frame !== null) clearTimeout(frame);
    };
  }, [comments, text]);

  return state;
}
