'use client';

import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { observeThreads, readThreads } from '@/lib/comments/comment-store';
import { THREADS_KEY, type CommentAuthor } from '@/lib/comments/comment-model';
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
/** After a text change: reading the threads walks the whole text, too much for every keystroke of a book. */
const AFTER_TEXT_MS = 250;

/**
 * The threads as the sidebar shows them, read again when the comments change (within a frame) and
 * when the text changes (quotes and order follow the text; within a quarter second, and not at all
 * while there are no threads). A timer, not an animation frame: a tab in the background still keeps
 * its list current.
 */
export function useThreads(comments: Y.Doc | null, text: Y.Doc): ThreadsState {
  const [state, setState] = useState<ThreadsState>(EMPTY);

  useEffect(() => {
    if (comments === null) {
      setState(EMPTY);
      return;
    }
    const fragment = text.getXmlFragment(CONTENT_FIELD);
    let timer: { readonly id: number; readonly due: number } | null = null;
    const read = () => {
      timer = null;
      const authors = new Map<string, CommentAuthor>();
      for (const thread of readThreads(comments)) for (const comment of thread.comments) authors.set(comment.id, comment.author);
      setState({ threads: listThreads(comments, fragment), authors });
    };
    const schedule = (delayMs: number) => {
      const due = Date.now() + delayMs;
      if (timer !== null && timer.due <= due) return;
      if (timer !== null) clearTimeout(timer.id);
      timer = { id: window.setTimeout(read, delayMs), due };
    };
    const threads = comments.getMap(THREADS_KEY);
    const onComments = () => schedule(FRAME_MS);
    const onText = () => {
      if (threads.size > 0) schedule(AFTER_TEXT_MS);
    };
    read();
    const stop = observeThreads(comments, onComments);
    text.on('update', onText);
    return () => {
      stop();
      text.off('update', onText);
      if (timer !== null) clearTimeout(timer.id);
    };
  }, [comments, text]);

  return state;
}
