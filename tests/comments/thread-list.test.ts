import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addReply, createThread, deleteComment } from '../../lib/comments/comment-store';
import { anchorForQuote } from '../../lib/comments/thread-anchor';
import { listThreads } from '../../lib/comments/thread-list';
import { contentOf, nthText, rewrite, textDocument } from './text-fixture';

const ada = { name: 'Ada', color: '#1f6feb', link: 'link-a' };

function comment(comments: Y.Doc, text: Y.Doc, quote: string, now: number): string {
  const anchor = anchorForQuote(contentOf(text), quote);
  if (anchor === null) throw new Error(`"${quote}" is not in the document`);
  return createThread(comments, { anchor, quote, body: `on ${quote}`, author: ada, now }).id;
}

describe('the thread list', () => {
  it('is in document order, whatever order the threads were made in, with detached threads last by age', () => {
    const text = textDocument('Intro line.\n\n- first item\n- second item\n\nClosing words here.');
    const comments = new Y.Doc();
    const closing = comment(comments, text, 'Closing', 1);
    const gone = comment(comments, text, 'second item', 2);
    const intro = comment(comments, text, 'Intro', 3);
    const first = comment(comments, text, 'first', 4);
    const alsoGone = comment(comments, text, 'words', 5);
    rewrite(text, 'Intro line.\n\n- first item\n\nClosing here.');
    const list = listThreads(comments, contentOf(text));
    expect(list.map((thread) => thread.id)).toEqual([intro, first, closing, gone, alsoGone]);
    expect(list.map((thread) => [thread.quote, thread.detached])).toEqual([
      ['Intro', false],
      ['first', false],
      ['Closing', false],
      ['second item', true],
      ['words', true],
    ]);
  });

  it('shows the live text of an attached thread and the stored quote of a detached one', () => {
    const text = textDocument('A short sentence.');
    const comments = new Y.Doc();
    const id = comment(comments, text, 'short sentence', 1);
    nthText(text, 0).insert('A short'.length, ' but complete');
    expect(listThreads(comments, contentOf(text))[0]).toMatchObject({ id, quote: 'short but complete sentence', detached: false });
    nthText(text, 0).delete(0, nthText(text, 0).length);
    expect(listThreads(comments, contentOf(text))[0]).toMatchObject({ id, quote: 'short sentence', detached: true });
  });

  it('is the public shape: no link ids, deleted comments kept empty', () => {
    const text = textDocument('Words.');
    const comments = new Y.Doc();
    const id = comment(comments, text, 'Words', 1000);
    const opening = listThreads(comments, contentOf(text))[0]!.comments[0]!.id;
    const reply = addReply(comments, id, { body: 'Agreed.', author: { name: 'Bob', color: '#d9480f' }, now: 2000 })!;
    deleteComment(comments, id, opening);
    expect(listThreads(comments, contentOf(text))).toEqual([
      {
        id,
        quote: 'Words',
        resolved: false,
        detached: false,
        createdAt: 1000,
        comments: [
          { id: opening, author: { name: 'Ada', color: '#1f6feb' }, body: '', createdAt: 1000, editedAt: null, deleted: true },
          { id: reply.id, author: { name: 'Bob', color: '#d9480f' }, body: 'Agreed.', createdAt: 2000, editedAt: null, deleted: false },
        ],
      },
    ]);
  });

  it('is empty for a document without comments', () => {
    expect(listThreads(new Y.Doc(), contentOf(textDocument('Text.')))).toEqual([]);
  });
});
