/**
 * The threads as people see them: the HTTP API's JSON and the editor's sidebar. A thread's quote
 * is its text as it reads now, or, once that text is gone (detached), the last words it had.
 * Document order is by where a thread starts in the text; detached threads come last, oldest first.
 * Browser-safe.
 */
import type * as Y from 'yjs';
import { readThreads } from './comment-store';
import type { StoredComment, StoredThread } from './comment-model';
import { flattenText } from './flattened-text';
import { resolveAnchorIn, type ResolvedAnchor } from './thread-anchor';

export interface CommentView {
  readonly id: string;
  readonly author: { readonly name: string; readonly color: string };
  readonly body: string;
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly deleted: boolean;
}

export interface ThreadView {
  readonly id: string;
  readonly quote: string;
  readonly resolved: boolean;
  readonly detached: boolean;
  readonly createdAt: number;
  readonly comments: readonly CommentView[];
}

/** Every thread of `comments`, anchored in `text` (the text document's content fragment), in document order. */
export function listThreads(comments: Y.Doc, text: Y.XmlFragment): ThreadView[] {
  const flat = flattenText(text);
  const placed = readThreads(comments).map((thread) => ({ thread, range: resolveAnchorIn(text, flat, thread.anchor, thread.quote) }));
  return placed.sort(byDocumentOrder).map(({ thread, range }) => threadView(thread, range));
}

/** `thread` as shown, given where its anchor is now (null: detached). */
export function threadView(thread: StoredThread, range: ResolvedAnchor | null): ThreadView {
  return {
    id: thread.id,
    quote: range === null ? thread.quote : range.quote,
    resolved: thread.resolved,
    detached: range === null,
    createdAt: thread.createdAt,
    comments: thread.comments.map(commentView),
  };
}

function commentView(comment: StoredComment): CommentView {
  // The link id stays in the comments document: the list is what any commenter may read.
  return {
    id: comment.id,
    author: { name: comment.author.name, color: comment.author.color },
    body: comment.body,
    createdAt: comment.createdAt,
    editedAt: comment.editedAt,
    deleted: comment.deleted,
  };
}

interface Placed {
  readonly thread: StoredThread;
  readonly range: ResolvedAnchor | null;
}

function byDocumentOrder(a: Placed, b: Placed): number {
  if (a.range !== null && b.range !== null) return a.range.from - b.range.from || a.range.to - b.range.to || byAge(a, b);
  if (a.range !== null) return -1;
  if (b.range !== null) return 1;
  return byAge(a, b);
}

function byAge(a: Placed, b: Placed): number {
  return a.thread.createdAt - b.thread.createdAt || (a.thread.id < b.thread.id ? -1 : a.thread.id > b.thread.id ? 1 : 0);
}
