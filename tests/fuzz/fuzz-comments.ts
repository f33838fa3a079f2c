/**
 * Comments in the room fuzz (room-fuzz.ts): what a participant does to a document's comments
 * through lib/comments (threads anchored in its copy of the text, replies, resolving and reopening,
 * edits, deleted replies), what a read-only participant's attempt to type sends, and what must hold
 * once the run has settled: no attempt landed, and every thread is still there, either attached to
 * text or detached with the words it last quoted.
 */
import * as Y from 'yjs';
import type { CommentAuthor } from '../../lib/comments/comment-model';
import { addReply, createThread, deleteComment, editComment, readThreads, setThreadResolved } from '../../lib/comments/comment-store';
import { flattenText } from '../../lib/comments/flattened-text';
import { anchorOfRange } from '../../lib/comments/thread-anchor';
import { listThreads } from '../../lib/comments/thread-list';
import { CONTENT_FIELD, TITLE_FIELD } from '../../lib/editor/schema';
import type { Prng } from './prng';

/** The weights of the comment actions, beside the run's other actions. */
export const COMMENT_ACTIONS = {
  comment: 2.5,
  reply: 2,
  resolve: 1,
  editComment: 0.7,
  deleteReply: 0.5,
  tryToType: 2,
} as const;
export type CommentActionName = keyof typeof COMMENT_ACTIONS;

/** What every attempt of a read-only participant to type writes: found anywhere in the text, one landed. */
export const ATTEMPT_MARK = 'NOT-AN-EDITOR';

const BODIES = ['Why?', 'Agreed.', 'Could this be shorter?', 'ünïcödé 😀', 'See the paragraph above.', 'x'];

/**
 * One comment action by the participant whose comments copy is `comments` and whose copy of the
 * text is `text`; returns what it did, or null when nothing came of it (no text to anchor, no thread).
 */
export function commentAction(
  kind: Exclude<CommentActionName, 'tryToType'>,
  comments: Y.Doc,
  text: Y.Doc,
  prng: Prng,
  author: CommentAuthor,
  now: number,
): string | null {
  const threads = readThreads(comments);
  const id = () => `f${prng.uint32().toString(36)}${prng.uint32().toString(36)}`;
  if (kind === 'comment') {
    const flat = flattenText(text.getXmlFragment(CONTENT_FIELD));
    if (flat.text.length === 0) return null;
    const from = prng.int(flat.text.length);
    const to = Math.min(flat.text.length, from + prng.between(1, 12));
    const quote = flat.text.slice(from, to);
    const anchor = anchorOfRange(flat, from, to);
    if (anchor === null || quote.trim() === '') return null;
    // A range anywhere, as the HTTP API takes one: it may cut a surrogate pair, which the store refuses.
    let thread;
    try {
      thread = createThread(comments, { id: id(), anchor, quote, body: prng.pick(BODIES), author, now });
    } catch (error) {
      if (error instanceof RangeError) return null;
      throw error;
    }
    return `comments on ${JSON.stringify(quote)} (thread ${thread.id})`;
  }
  if (threads.length === 0) return null;
  const thread = prng.pick(threads);
  switch (kind) {
    case 'reply':
      addReply(comments, thread.id, { id: id(), body: prng.pick(BODIES), author, now });
      return `replies in thread ${thread.id}`;
    case 'resolve':
      setThreadResolved(comments, thread.id, !thread.resolved);
      return `${thread.resolved ? 'reopens' : 'resolves'} thread ${thread.id}`;
    case 'editComment': {
      const comment = prng.pick(thread.comments);
      return editComment(comments, thread.id, comment.id, prng.pick(BODIES), now) ? `edits a comment in thread ${thread.id}` : null;
    }
    case 'deleteReply': {
      // Replies only: a thread's opening comment deleted with nothing after it takes the thread along.
      const replies = thread.comments.slice(1);
      if (replies.length === 0) return null;
      deleteComment(comments, thread.id, prng.pick(replies).id);
      return `deletes a reply in thread ${thread.id}`;
    }
  }
}

/**
 * What a read-only participant's client sends when it types anyway: an update made on a copy of its
 * text under `clientId` (the participant's own copy stays as the server sent it), inserting the mark
 * into the title, a paragraph's text or a new paragraph.
 */
export function attemptToType(text: Y.Doc, clientId: number, prng: Prng): Uint8Array {
  const copy = new Y.Doc();
  copy.clientID = clientId;
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(text));
  const before = Y.encodeStateVector(copy);
  const fragment = copy.getXmlFragment(CONTENT_FIELD);
  const texts = fragment.createTreeWalker((node) => node instanceof Y.XmlText);
  const targets = [...texts] as Y.XmlText[];
  const where = prng.int(3);
  if (where === 0) copy.getText(TITLE_FIELD).insert(0, ATTEMPT_MARK);
  else if (where === 1 && targets.length > 0) {
    const target = prng.pick(targets);
    target.insert(prng.int(target.length + 1), ATTEMPT_MARK);
  } else {
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText(ATTEMPT_MARK)]);
    fragment.insert(fragment.length, [paragraph]);
  }
  const update = Y.encodeStateAsUpdate(copy, before);
  copy.destroy();
  return update;
}

/** Client ids an update holds structs of. */
export function clientsIn(update: Uint8Array): Set<number> {
  const clients = new Set<number>();
  for (const struct of Y.decodeUpdate(update).structs) if (!(struct instanceof Y.Skip)) clients.add(struct.id.client);
  return clients;
}

/**
 * What is wrong with the settled comments of a run, or null: an attempt to type landed in the text,
 * a thread made during the run is gone, or a thread neither attached nor detached with a quote.
 */
export function commentsProblem(comments: Y.Doc, text: Y.Doc, threadsMade: ReadonlySet<string>, attempts: ReadonlySet<number>): string | null {
  const landed = [...clientsIn(Y.encodeStateAsUpdate(text))].filter((client) => attempts.has(client));
  if (landed.length > 0) return `the text holds what read-only participants sent (clients ${landed.join(', ')})`;
  const body = `${text.getText(TITLE_FIELD).toString()}\n${text.getXmlFragment(CONTENT_FIELD).toString()}`;
  if (body.includes(ATTEMPT_MARK)) return 'the text holds the words of an attempt to type';
  const views = listThreads(comments, text.getXmlFragment(CONTENT_FIELD));
  const present = new Set(views.map((view) => view.id));
  const lost = [...threadsMade].filter((id) => !present.has(id));
  if (lost.length > 0) return `threads lost: ${lost.join(', ')}`;
  const quoteless = views.filter((view) => view.quote.trim() === '');
  if (quoteless.length > 0) return `threads without a quote: ${quoteless.map((view) => `${view.id} (${view.detached ? 'detached' : 'attached'})`).join(', ')}`;
  return null;
}

/** The threads as data, for comparing two copies of the comments. */
export function threadsOf(comments: Y.Doc): string {
  return JSON.stringify(readThreads(comments), (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value));
}
