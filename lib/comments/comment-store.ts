/**
 * Reads and writes on a COMMENTS document (`<id>/comments`). Each write is one transaction with the
 * caller's origin, so a server route's write is stored and relayed like any edit and an editor's
 * own writes can be told from others'. Stored data came from any client that could write the
 * document, so reading skips what does not have the shape (comment-model.ts) rather than trusting it.
 */
import * as Y from 'yjs';
import {
  THREADS_KEY,
  commentBodyProblem,
  isWellFormedText,
  newCommentId,
  parseCommentAuthor,
  type CommentAuthor,
  type StoredComment,
  type StoredThread,
  type ThreadAnchor,
} from './comment-model';

type ThreadMap = Y.Map<unknown>;
type CommentMap = Y.Map<unknown>;

export interface NewThread {
  readonly id?: string;
  readonly anchor: ThreadAnchor;
  readonly quote: string;
  readonly body: string;
  readonly author: CommentAuthor;
  readonly now: number;
}

export interface NewReply {
  readonly id?: string;
  readonly body: string;
  readonly author: CommentAuthor;
  readonly now: number;
}

function threadsOf(comments: Y.Doc): Y.Map<unknown> {
  return comments.getMap(THREADS_KEY);
}

/** Every well-formed thread, oldest first. */
/** Whether the document has any thread (without reading them). */
export function hasThreads(comments: Y.Doc): boolean {
  return threadsOf(comments).size > 0;
}

export function readThreads(comments: Y.Doc): StoredThread[] {
  const threads: StoredThread[] = [];
  threadsOf(comments).forEach((value, key) => {
    const thread = value instanceof Y.Map ? threadFromMap(key, value) : null;
    if (thread !== null) threads.push(thread);
  });
  return threads.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** One thread by id, or null when there is none (or it is not well formed). */
export function readThread(comments: Y.Doc, threadId: string): StoredThread | null {
  const thread = threadMapOf(comments, threadId);
  return thread === null ? null : threadFromMap(threadId, thread);
}

function threadFromMap(threadId: string, value: ThreadMap): StoredThread | null {
  const start = value.get('start');
  const end = value.get('end');
  const quote = value.get('quote');
  const createdAt = value.get('createdAt');
  const list = value.get('comments');
  if (!(start instanceof Uint8Array) || !(end instanceof Uint8Array)) return null;
  if (typeof quote !== 'string' || typeof createdAt !== 'number' || !(list instanceof Y.Array)) return null;
  const comments = (list.toArray() as unknown[]).flatMap((item) => (item instanceof Y.Map ? (readComment(item) ?? []) : []));
  const blocks = value.get('blocks');
  const anchor: ThreadAnchor = isPositionList(blocks) ? { start, end, blocks } : { start, end };
  return { id: threadId, anchor, quote, createdAt, resolved: value.get('resolved') === true, comments };
}

function isPositionList(value: unknown): value is Uint8Array[] {
  return Array.isArray(value) && value.every((item) => item instanceof Uint8Array);
}

function readComment(value: CommentMap): StoredComment | null {
  const id = value.get('id');
  const body = value.get('body');
  const createdAt = value.get('createdAt');
  const editedAt = value.get('editedAt');
  const author = parseCommentAuthor(value.get('author'));
  if (typeof id !== 'string' || typeof body !== 'string' || typeof createdAt !== 'number' || author === null) return null;
  return { id, author, body, createdAt, editedAt: typeof editedAt === 'number' ? editedAt : null, deleted: value.get('deleted') === true };
}

/** The thread with `input`'s opening comment. Throws (and writes nothing) for a body, author or quote that does not fit. */
export function createThread(comments: Y.Doc, input: NewThread, origin?: unknown): StoredThread {
  if (!isWellFormedText(input.quote)) throw new RangeError('quote is not well-formed Unicode (half of a surrogate pair)');
  const opening = commentMap({ body: input.body, author: input.author, now: input.now });
  const id = input.id ?? newCommentId();
  const thread = new Y.Map<unknown>();
  thread.set('id', id);
  thread.set('start', input.anchor.start);
  thread.set('end', input.anchor.end);
  if (input.anchor.blocks !== undefined) thread.set('blocks', [...input.anchor.blocks]);
  thread.set('quote', input.quote);
  thread.set('createdAt', input.now);
  thread.set('resolved', false);
  const list = new Y.Array<CommentMap>();
  list.push([opening.map]);
  thread.set('comments', list);
  comments.transact(() => threadsOf(comments).set(id, thread), origin);
  return { id, anchor: input.anchor, quote: input.quote, createdAt: input.now, resolved: false, comments: [opening.comment] };
}

/** The reply added to `threadId`, or null when there is no such thread. Throws for a body or author that does not fit. */
export function addReply(comments: Y.Doc, threadId: string, input: NewReply, origin?: unknown): StoredComment | null {
  const reply = commentMap(input);
  const list = commentListOf(comments, threadId);
  if (list === null) return null;
  comments.transact(() => list.push([reply.map]), origin);
  return reply.comment;
}

/** False when there is no such thread. Writes nothing when the thread already is so. */
export function setThreadResolved(comments: Y.Doc, threadId: string, resolved: boolean, origin?: unknown): boolean {
  const thread = threadMapOf(comments, threadId);
  if (thread === null) return false;
  if (thread.get('resolved') !== resolved) comments.transact(() => thread.set('resolved', resolved), origin);
  return true;
}

/** False when there is no such comment or it was deleted. Throws for a body that does not fit. */
export function editComment(comments: Y.Doc, threadId: string, commentId: string, body: string, now: number, origin?: unknown): boolean {
  const problem = commentBodyProblem(body);
  if (problem !== null) throw new RangeError(problem);
  const found = findComment(comments, threadId, commentId);
  if (found === null || found.map.get('deleted') === true) return false;
  comments.transact(() => {
    found.map.set('body', body);
    found.map.set('editedAt', now);
  }, origin);
  return true;
}

/**
 * A reply is removed. A thread's opening comment goes with its thread when nothing else is left in
 * it; otherwise it is kept as deleted (body emptied) so the replies keep their context. False when
 * there is no such comment.
 */
export function deleteComment(comments: Y.Doc, threadId: string, commentId: string, origin?: unknown): boolean {
  const found = findComment(comments, threadId, commentId);
  if (found === null) return false;
  const { list, index, map } = found;
  comments.transact(() => {
    const othersLeft = (list.toArray() as unknown[]).some((item, at) => at !== index && item instanceof Y.Map && item.get('deleted') !== true);
    if (!othersLeft) threadsOf(comments).delete(threadId);
    else if (index === 0) {
      map.set('body', '');
      map.set('deleted', true);
    } else list.delete(index, 1);
  }, origin);
  return true;
}

/** Keeps `quote` as the thread's last words. False when there is no such thread, or `quote` is blank or not well-formed. */
export function setThreadQuote(comments: Y.Doc, threadId: string, quote: string, origin?: unknown): boolean {
  const thread = threadMapOf(comments, threadId);
  if (thread === null || quote.trim() === '' || !isWellFormedText(quote)) return false;
  if (thread.get('quote') !== quote) comments.transact(() => thread.set('quote', quote), origin);
  return true;
}

/** Moves a thread to a new anchor (the text it was bound to was rewritten). False when there is no such thread. */
export function setThreadAnchor(comments: Y.Doc, threadId: string, anchor: ThreadAnchor, origin?: unknown): boolean {
  const thread = threadMapOf(comments, threadId);
  if (thread === null) return false;
  comments.transact(() => {
    thread.set('start', anchor.start);
    thread.set('end', anchor.end);
    if (anchor.blocks !== undefined) thread.set('blocks', [...anchor.blocks]);
    else thread.delete('blocks');
  }, origin);
  return true;
}

/** Calls `onChange` after any change to any thread, local or remote; returns the unsubscribe. */
export function observeThreads(comments: Y.Doc, onChange: () => void): () => void {
  const threads = threadsOf(comments);
  const handler = (): void => onChange();
  threads.observeDeep(handler);
  return () => threads.unobserveDeep(handler);
}

function commentMap(input: NewReply): { map: CommentMap; comment: StoredComment } {
  const problem = commentBodyProblem(input.body);
  if (problem !== null) throw new RangeError(problem);
  const author = parseCommentAuthor(input.author);
  if (author === null) throw new RangeError('author is { name: 1 to 40 characters, color: #rrggbb }');
  const comment: StoredComment = { id: input.id ?? newCommentId(), author, body: input.body, createdAt: input.now, editedAt: null, deleted: false };
  const map = new Y.Map<unknown>();
  map.set('id', comment.id);
  map.set('body', comment.body);
  map.set('createdAt', comment.createdAt);
  map.set('editedAt', null);
  map.set('deleted', false);
  map.set('author', { ...author });
  return { map, comment };
}

function threadMapOf(comments: Y.Doc, threadId: string): ThreadMap | null {
  const thread = threadsOf(comments).get(threadId);
  return thread instanceof Y.Map ? thread : null;
}

function commentListOf(comments: Y.Doc, threadId: string): Y.Array<unknown> | null {
  const list = threadMapOf(comments, threadId)?.get('comments');
  return list instanceof Y.Array ? list : null;
}

function findComment(comments: Y.Doc, threadId: string, commentId: string): { list: Y.Array<unknown>; index: number; map: CommentMap } | null {
  const list = commentListOf(comments, threadId);
  if (list === null) return null;
  const items = list.toArray() as unknown[];
  const index = items.findIndex((item) => item instanceof Y.Map && item.get('id') === commentId);
  const map = items[index];
  return index >= 0 && map instanceof Y.Map ? { list, index, map } : null;
}
