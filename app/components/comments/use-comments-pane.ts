'use client';

import type { Editor } from '@tiptap/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type * as Y from 'yjs';
import { addReply, createThread, deleteComment, editComment, setThreadResolved } from '@/lib/comments/comment-store';
import type { CommentAuthor, ThreadAnchor } from '@/lib/comments/comment-model';
import { anchorFromPositions, resolveAnchor } from '@/lib/comments/thread-anchor';
import { commentAuthor, isOwnComment } from '@/lib/client/comments/comment-authors';
import { QuoteKeeper } from '@/lib/client/comments/quote-keeper';
import { ThreadHighlights } from '@/lib/client/comments/thread-highlights';
import type { Identity } from '@/lib/client/page/identity';
import { highlightedRange, selectionTypePositions } from '@/lib/editor/comment-highlights';
import { CONTENT_FIELD } from '@/lib/editor/schema';
import type { EditorComments } from '../editor/collaborative-editor';
import type { ThreadActions } from './comment-thread';
import { useThreads, type ThreadsState } from './use-threads';

/** A comment being written on the selection: where it will be anchored and what it quotes. */
export interface PendingComment {
  readonly anchor: ThreadAnchor;
  readonly quote: string;
}

export interface CommentsPane extends ThreadsState {
  readonly editorComments: EditorComments;
  readonly actions: ThreadActions;
  readonly activeThread: string | null;
  readonly pending: PendingComment | null;
  submitPending(body: string): void;
  cancelPending(): void;
  isOwn(author: CommentAuthor): boolean;
}

/**
 * Everything the comments sidebar and the editor share: the threads, the highlight source, the
 * comment being written, the thread in focus, and the writes (each one transaction on the
 * comments document; the comments session sends it, or keeps it offline until it can).
 */
export function useCommentsPane(options: {
  comments: Y.Doc;
  text: Y.Doc;
  editor: Editor | null;
  identity: Identity;
  linkId: string | null;
  /** This page edits the text, so it is the one to keep quotes current after its edits. */
  editsText: boolean;
}): CommentsPane {
  const { comments, text, editor, identity, linkId, editsText } = options;
  const highlights = useMemo(() => new ThreadHighlights(comments), [comments]);
  const state = useThreads(comments, text);
  const [activeThread, setActiveThread] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingComment | null>(null);
  const author = useMemo(() => commentAuthor(identity, linkId), [identity, linkId]);

  const [keeper, setKeeper] = useState<QuoteKeeper | null>(null);
  useEffect(() => {
    if (!editsText) return;
    const started = new QuoteKeeper(text, comments);
    setKeeper(started);
    return () => {
      started.stop();
      setKeeper(null);
    };
  }, [text, comments, editsText]);
  useEffect(() => keeper?.noteLive(state.threads), [keeper, state.threads]);
  useEffect(() => highlights.setActive(activeThread), [highlights, activeThread]);

  const startComment = useCallback(() => {
    if (editor === null || editor.isDestroyed) return;
    const positions = selectionTypePositions(editor.state);
    if (positions === null) return;
    const anchor = anchorFromPositions(positions.start, positions.end);
    const { from, to } = editor.state.selection;
    const quote = resolveAnchor(text.getXmlFragment(CONTENT_FIELD), anchor)?.quote ?? editor.state.doc.textBetween(from, to, '\n');
    if (quote.trim() === '') return;
    setPending({ anchor, quote });
  }, [editor, text]);

  // Ctrl+Alt+M from anywhere on the page; a read-only editor has no key handlers of its own.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || !event.altKey || event.code !== 'KeyM') return;
      event.preventDefault();
      startComment();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [startComment]);

  const focusThread = useCallback((threadId: string) => {
    setActiveThread(threadId);
    document.querySelector(`[data-testid="comment-thread"][data-thread-id="${CSS.escape(threadId)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, []);

  const actions = useMemo<ThreadActions>(
    () => ({
      reply: (threadId, body) => void addReply(comments, threadId, { body, author, now: Date.now() }),
      setResolved: (threadId, resolved) => void setThreadResolved(comments, threadId, resolved),
      edit: (threadId, commentId, body) => void editComment(comments, threadId, commentId, body, Date.now()),
      remove: (threadId, commentId) => void deleteComment(comments, threadId, commentId),
      focus: setActiveThread,
      jump: (threadId) => {
        setActiveThread(threadId);
        if (editor === null || editor.isDestroyed) return;
        const range = highlightedRange(editor.state, threadId);
        if (range === null) return;
        editor.chain().focus().setTextSelection(range).scrollIntoView().run();
        // A read-only editor cannot take the focus, so it does not draw its selection itself:
        // the page selects the passage in the DOM, which the editor reads back as its own.
        const start = editor.view.domAtPos(range.from);
        const end = editor.view.domAtPos(range.to);
        const selected = document.createRange();
        selected.setStart(start.node, start.offset);
        selected.setEnd(end.node, end.offset);
        window.getSelection()?.removeAllRanges();
        window.getSelection()?.addRange(selected);
        editor.view.dom.querySelector(`[data-comment-thread="${CSS.escape(threadId)}"]`)?.scrollIntoView({ block: 'center' });
      },
    }),
    [comments, author, editor],
  );

  const submitPending = useCallback(
    (body: string) => {
      if (pending === null) return;
      const thread = createThread(comments, { anchor: pending.anchor, quote: pending.quote, body, author, now: Date.now() });
      setPending(null);
      setActiveThread(thread.id);
    },
    [comments, pending, author],
  );

  const editorComments = useMemo<EditorComments>(
    () => ({ highlights, onComment: startComment, onThreadClick: focusThread }),
    [highlights, startComment, focusThread],
  );

  return {
    ...state,
    editorComments,
    actions,
    activeThread,
    pending,
    submitPending,
    cancelPending: () => setPending(null),
    isOwn: (candidate) => isOwnComment(candidate, identity, linkId),
  };
}
