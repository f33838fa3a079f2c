import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addReply,
  createThread,
  deleteComment,
  editComment,
  observeThreads,
  readThread,
  readThreads,
  setThreadAnchor,
  setThreadQuote,
  setThreadResolved,
} from '../../lib/comments/comment-store';
import { THREADS_KEY, type ThreadAnchor } from '../../lib/comments/comment-model';
import { syncReplicas } from './text-fixture';

const ada = { name: 'Ada', color: '#1f6feb', link: 'link-a' };
const bob = { name: 'Bob', color: '#d9480f' };
const anchor: ThreadAnchor = { start: new Uint8Array([1, 2]), end: new Uint8Array([3]) };

function withThread(): { doc: Y.Doc; threadId: string; openingId: string } {
  const doc = new Y.Doc();
  const thread = createThread(doc, { anchor, quote: 'the words', body: 'Why?', author: ada, now: 1000 });
  return { doc, threadId: thread.id, openingId: thread.comments[0]!.id };
}

describe('the comment store', () => {
  it('creates a thread in one transaction with the origin, and reads it back', () => {
    const doc = new Y.Doc();
    const origins: unknown[] = [];
    doc.on('afterTransaction', (transaction: Y.Transaction) => origins.push(transaction.origin));
    const created = createThread(doc, { id: 'thread-1', anchor, quote: 'the words', body: 'Why?', author: ada, now: 1000 }, 'api');
    expect(origins).toEqual(['api']);
    expect(readThreads(doc)).toEqual([created]);
    expect(created).toEqual({
      id: 'thread-1',
      anchor,
      quote: 'the words',
      createdAt: 1000,
      resolved: false,
      comments: [{ id: expect.stringMatching(/^[\w-]{16}$/) as unknown as string, author: ada, body: 'Why?', createdAt: 1000, editedAt: null, deleted: false }],
    });
  });

  it('keeps the block positions of an anchor, and moves a thread to a new anchor', () => {
    const doc = new Y.Doc();
    const withBlocks = { ...anchor, blocks: [new Uint8Array([7]), new Uint8Array([8, 9])] };
    const created = createThread(doc, { anchor: withBlocks, quote: 'q', body: 'b', author: ada, now: 1 });
    expect(readThread(doc, created.id)?.anchor).toEqual(withBlocks);
    expect(setThreadAnchor(doc, created.id, anchor)).toBe(true);
    expect(readThread(doc, created.id)?.anchor).toEqual(anchor);
    expect(setThreadAnchor(doc, 'nope', anchor)).toBe(false);
  });

  it('refuses a body or an author that does not fit, writing nothing', () => {
    const doc = new Y.Doc();
    expect(() => createThread(doc, { anchor, quote: 'q', body: ' ', author: ada, now: 1 })).toThrow('body is blank');
    expect(() => createThread(doc, { anchor, quote: 'q', body: 'x'.repeat(10_001), author: ada, now: 1 })).toThrow('at most 10000');
    expect(() => createThread(doc, { anchor, quote: 'q', body: 'ok', author: { name: '', color: '#000000' }, now: 1 })).toThrow('author');
    const { doc: withOne, threadId } = withThread();
    expect(() => addReply(withOne, threadId, { body: '', author: bob, now: 2 })).toThrow('body is blank');
    expect(Y.encodeStateAsUpdate(doc)).toEqual(Y.encodeStateAsUpdate(new Y.Doc()));
    expect(readThread(withOne, threadId)?.comments).toHaveLength(1);
  });

  it('adds replies, resolves and reopens; null or false for a thread that is not there', () => {
    const { doc, threadId } = withThread();
    const reply = addReply(doc, threadId, { body: 'Because.', author: bob, now: 2000 });
    expect(reply).toMatchObject({ body: 'Because.', author: bob, createdAt: 2000 });
    expect(setThreadResolved(doc, threadId, true)).toBe(true);
    expect(readThread(doc, threadId)).toMatchObject({ resolved: true, comments: [{ body: 'Why?' }, { body: 'Because.' }] });
    expect(setThreadResolved(doc, threadId, false)).toBe(true);
    expect(readThread(doc, threadId)?.resolved).toBe(false);
    expect(addReply(doc, 'nope', { body: 'x', author: bob, now: 1 })).toBeNull();
    expect(setThreadResolved(doc, 'nope', true)).toBe(false);
  });

  it('edits a comment, stamping editedAt; not a deleted or missing one', () => {
    const { doc, threadId, openingId } = withThread();
    expect(editComment(doc, threadId, openingId, 'Why, exactly?', 5000)).toBe(true);
    expect(readThread(doc, threadId)?.comments[0]).toMatchObject({ body: 'Why, exactly?', editedAt: 5000 });
    expect(editComment(doc, threadId, 'nope', 'x', 1)).toBe(false);
    expect(() => editComment(doc, threadId, openingId, '  ', 1)).toThrow('blank');
  });

  it('removes a reply; keeps an opening comment with replies as deleted; drops the thread when nothing is left', () => {
    const { doc, threadId, openingId } = withThread();
    const first = addReply(doc, threadId, { body: 'one', author: bob, now: 2 })!;
    const second = addReply(doc, threadId, { body: 'two', author: bob, now: 3 })!;
    expect(deleteComment(doc, threadId, first.id)).toBe(true);
    expect(readThread(doc, threadId)?.comments.map((comment) => comment.body)).toEqual(['Why?', 'two']);
    expect(deleteComment(doc, threadId, openingId)).toBe(true);
    expect(readThread(doc, threadId)?.comments).toMatchObject([{ id: openingId, body: '', deleted: true }, { body: 'two' }]);
    expect(editComment(doc, threadId, openingId, 'back', 9)).toBe(false);
    expect(deleteComment(doc, threadId, second.id)).toBe(true);
    expect(readThread(doc, threadId)).toBeNull();
    expect(deleteComment(doc, threadId, second.id)).toBe(false);
  });

  it('removes a thread with its opening comment when it has no replies', () => {
    const { doc, threadId, openingId } = withThread();
    expect(deleteComment(doc, threadId, openingId)).toBe(true);
    expect(readThreads(doc)).toEqual([]);
  });

  it('keeps a thread quote, refusing a blank one', () => {
    const { doc, threadId } = withThread();
    expect(setThreadQuote(doc, threadId, 'new words')).toBe(true);
    expect(readThread(doc, threadId)?.quote).toBe('new words');
    expect(setThreadQuote(doc, threadId, ' ')).toBe(false);
    expect(setThreadQuote(doc, 'nope', 'x')).toBe(false);
    expect(readThread(doc, threadId)?.quote).toBe('new words');
  });

  it('tells observers about every change, and stops when unsubscribed', () => {
    const { doc, threadId } = withThread();
    let calls = 0;
    const stop = observeThreads(doc, () => (calls += 1));
    addReply(doc, threadId, { body: 'x', author: bob, now: 2 });
    setThreadResolved(doc, threadId, true);
    createThread(doc, { anchor, quote: 'q', body: 'b', author: bob, now: 3 });
    expect(calls).toBe(3);
    stop();
    setThreadResolved(doc, threadId, false);
    expect(calls).toBe(3);
  });

  it('skips what another client stored in a shape it does not have', () => {
    const { doc, threadId } = withThread();
    const threads = doc.getMap(THREADS_KEY);
    doc.transact(() => {
      threads.set('junk', 'not a map');
      const broken = new Y.Map<unknown>();
      broken.set('quote', 7);
      threads.set('broken', broken);
    });
    const list = readThread(doc, threadId)!.comments;
    const comments = (threads.get(threadId) as Y.Map<unknown>).get('comments') as Y.Array<unknown>;
    const badAuthor = new Y.Map<unknown>();
    badAuthor.set('id', 'c');
    badAuthor.set('body', 'x');
    badAuthor.set('createdAt', 1);
    badAuthor.set('author', { name: 'x'.repeat(500), color: 'red' });
    comments.push([badAuthor, 'text']);
    expect(readThreads(doc).map((thread) => thread.id)).toEqual([threadId]);
    expect(readThread(doc, threadId)?.comments).toEqual(list);
  });

  it('converges when two replicas comment, reply and resolve at once', () => {
    const { doc: a, threadId } = withThread();
    const b = new Y.Doc();
    syncReplicas(a, b);
    addReply(a, threadId, { body: 'from a', author: ada, now: 10 });
    addReply(b, threadId, { body: 'from b', author: bob, now: 10 });
    setThreadResolved(b, threadId, true);
    createThread(a, { anchor, quote: 'q', body: 'a thread', author: ada, now: 11 });
    createThread(b, { anchor, quote: 'q', body: 'b thread', author: bob, now: 11 });
    syncReplicas(a, b);
    expect(readThreads(a)).toEqual(readThreads(b));
    expect(readThreads(a)).toHaveLength(3);
    expect(readThread(a, threadId)?.comments.map((comment) => comment.body).sort()).toEqual(['Why?', 'from a', 'from b']);
    expect(readThread(a, threadId)?.resolved).toBe(true);
  });
});
