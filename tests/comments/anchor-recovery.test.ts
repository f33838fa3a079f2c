import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createThread, readThread } from '../../lib/comments/comment-store';
import { anchorForQuote, anchorFromPositions, resolveAnchor } from '../../lib/comments/thread-anchor';
import { listThreads } from '../../lib/comments/thread-list';
import { reboundAnchors } from '../../lib/comments/anchor-rebinding';
import type { ThreadAnchor } from '../../lib/comments/comment-model';
import { contentOf, nthText, replicaOf, rewrite, syncReplicas, textDocument } from './text-fixture';

/*
 * Splitting or joining paragraphs through y-prosemirror's structural diff (the editor's binding and
 * the server's import both use updateYFragment) keeps one paragraph and writes the other half's
 * text again as new characters: relative positions into the old characters collapse. These tests
 * hold that a thread still follows its text there, and only there.
 */

function anchored(doc: Y.Doc, quote: string): ThreadAnchor {
  const anchor = anchorForQuote(contentOf(doc), quote);
  if (anchor === null) throw new Error(`"${quote}" is not in the document`);
  return anchor;
}

function quoteAfter(doc: Y.Doc, anchor: ThreadAnchor, lastQuote: string): string | null {
  return resolveAnchor(contentOf(doc), anchor, lastQuote)?.quote ?? null;
}

describe('an anchor through a paragraph split', () => {
  it('follows text in the half that was written again, and text across the split (import path)', () => {
    const doc = textDocument('Intro.\n\nHello brave new world, and more.');
    const quotes = ['Hello', 'brave new', 'new world', 'world, and more.'];
    const anchors = quotes.map((quote) => anchored(doc, quote));
    rewrite(doc, 'Intro.\n\nHello brave\n\nnew world, and more.');
    expect(anchors.map((anchor, at) => quoteAfter(doc, anchor, quotes[at]!))).toEqual(['Hello', 'brave\nnew', 'new world', 'world, and more.']);
  });

  it('follows text after a split made the way the editor makes it: Enter after a space', () => {
    const doc = textDocument('Hello brave new world.');
    const anchor = anchored(doc, 'new world');
    rewrite(doc, 'Hello brave \n\nnew world.');
    expect(quoteAfter(doc, anchor, 'new world')).toBe('new world');
  });
});

describe('an anchor through a paragraph join', () => {
  it('follows text of the paragraph that was joined into the one before (import path)', () => {
    const doc = textDocument('Alpha.\n\nHello brave\n\nnew world\n\nOmega.');
    const quotes = ['brave', 'new world', 'world', 'brave new'];
    const anchors = quotes.slice(0, 3).map((quote) => anchored(doc, quote));
    const spanning = anchored(doc, 'brave new');
    rewrite(doc, 'Alpha.\n\nHello bravenew world\n\nOmega.');
    expect(anchors.map((anchor, at) => quoteAfter(doc, anchor, quotes[at]!))).toEqual(['brave', 'new world', 'world']);
    expect(quoteAfter(doc, spanning, 'brave\nnew')).toBe('bravenew');
  });
});

describe('an anchor through a join, when its words are elsewhere too', () => {
  /** The anchor of `quote` inside the n-th text of the document (not the first occurrence in it). */
  function anchoredIn(doc: Y.Doc, n: number, quote: string): ThreadAnchor {
    const text = nthText(doc, n);
    const index = text.toString().indexOf(quote);
    if (index < 0) throw new Error(`"${quote}" is not in text ${n}`);
    return anchorFromPositions({ type: text, index }, { type: text, index: index + quote.length });
  }

  it('follows its own words into the paragraph before, not the same words in another one', () => {
    const doc = textDocument('A note here.\n\nFirst half\n\nsecond note.\n\nA note there.');
    const anchor = anchoredIn(doc, 2, 'note');
    rewrite(doc, 'A note here.\n\nFirst halfsecond note.\n\nA note there.');
    expect(resolveAnchor(contentOf(doc), anchor, 'note')).toMatchObject({ quote: 'note', from: 'A note here.\nFirst halfsecond '.length });
  });

  it('follows its words when one list item is joined into the one before', () => {
    const doc = textDocument('- one item\n- two items\n\nThe items.');
    const anchor = anchoredIn(doc, 1, 'items');
    rewrite(doc, '- one itemtwo items\n\nThe items.');
    expect(resolveAnchor(contentOf(doc), anchor, 'items')).toMatchObject({ quote: 'items', from: 'one itemtwo '.length });
  });
});

describe('recovery by the last quote', () => {
  it('does not move a thread whose list item was deleted to the same words in another item of the list', () => {
    const doc = textDocument('- buy milk TODO\n- call Bo TODO\n- pay rent TODO');
    const text = nthText(doc, 1);
    const anchor = anchorFromPositions({ type: text, index: 'call Bo '.length }, { type: text, index: 'call Bo TODO'.length });
    expect(resolveAnchor(contentOf(doc), anchor, 'TODO')?.quote).toBe('TODO');
    rewrite(doc, '- buy milk TODO\n- pay rent TODO');
    expect(resolveAnchor(contentOf(doc), anchor, 'TODO')).toBeNull();
  });

  it('does not move a thread whose paragraph was deleted to the same words in another paragraph, even once', () => {
    const doc = textDocument('Keep this.\n\nA draft: TODO later.\n\nLast words.\n\nFar away, TODO later.');
    const anchor = anchored(doc, 'TODO later');
    rewrite(doc, 'Keep this.\n\nLast words.\n\nFar away, TODO later.');
    expect(resolveAnchor(contentOf(doc), anchor, 'TODO later')).toBeNull();
  });

  it('does not move a thread whose text was deleted to the same words elsewhere', () => {
    const doc = textDocument('The note here. Then the note again.');
    const anchor = anchored(doc, 'note');
    nthText(doc, 0).delete('The '.length, 'note'.length);
    expect(resolveAnchor(contentOf(doc), anchor, 'note')).toBeNull();
  });

  it('keeps what a partial deletion leaves when the full words are further on', () => {
    const doc = textDocument('brave new brave new');
    const anchor = anchored(doc, 'brave new');
    nthText(doc, 0).delete(2, 'ave n'.length);
    expect(quoteAfter(doc, anchor, 'brave new')).toBe('brew');
  });

  it('does not move a thread whose paragraph was deleted to the words elsewhere when they occur more than once', () => {
    const doc = textDocument('See above.\n\nDrop this: see above.\n\nKeep: see above.');
    const anchor = anchorForQuote(contentOf(doc), 'this: see above')!;
    rewrite(doc, 'See above.\n\nKeep: see above.');
    expect(resolveAnchor(contentOf(doc), anchor, 'this: see above')).toBeNull();
  });

  it('is not tried on a replica that has not seen the anchored text yet', () => {
    const a = textDocument('Old words.');
    const b = replicaOf(a);
    nthText(a, 0).insert(0, 'Fresh words. ');
    nthText(b, 0).insert(0, 'Fresh words. ');
    const anchor = anchored(a, 'Fresh words.');
    expect(resolveAnchor(contentOf(b), anchor, 'Fresh words.')).toBeNull();
    syncReplicas(a, b);
    // Which of the two equal insertions comes first is up to the client ids; the anchor knows its own.
    expect(resolveAnchor(contentOf(b), anchor, 'Fresh words.')).toEqual(resolveAnchor(contentOf(a), anchor));
    expect(resolveAnchor(contentOf(b), anchor, 'Fresh words.')).toMatchObject({ quote: 'Fresh words.' });
  });
});

describe('threads after a split', () => {
  it('list with their text, and get anchors on the new characters that then follow edits by themselves', () => {
    const text = textDocument('Hello brave new world.');
    const comments = new Y.Doc();
    const thread = createThread(comments, { anchor: anchored(text, 'new world'), quote: 'new world', body: 'Hm.', author: { name: 'Ada', color: '#123456' }, now: 1 });
    rewrite(text, 'Hello brave \n\nnew world.');
    expect(listThreads(comments, contentOf(text))).toMatchObject([{ id: thread.id, quote: 'new world', detached: false }]);
    expect(reboundAnchors(comments, contentOf(text), 'repair')).toBe(1);
    expect(reboundAnchors(comments, contentOf(text), 'repair')).toBe(0);
    nthText(text, 1).insert(0, 'A very ');
    nthText(text, 1).insert('A very new'.length, ' and wide');
    const anchor = readThread(comments, thread.id)!.anchor;
    expect(resolveAnchor(contentOf(text), anchor)?.quote).toBe('new and wide world');
  });
});

describe('split and join made by direct Yjs edits, as a binding writes them', () => {
  function paragraphWith(content: string): Y.XmlElement {
    const paragraph = new Y.XmlElement('paragraph');
    const text = new Y.XmlText();
    text.insert(0, content);
    paragraph.insert(0, [text]);
    return paragraph;
  }

  it('follows the text of a split and then of a join, and resolves alike on two replicas after concurrent edits', () => {
    const a = textDocument('Hello brave new world.');
    const anchor = anchored(a, 'new world');
    const b = replicaOf(a);
    a.transact(() => {
      const text = nthText(a, 0);
      text.delete('Hello brave '.length, 'new world.'.length);
      contentOf(a).insert(1, [paragraphWith('new world.')]);
    });
    expect(quoteAfter(a, anchor, 'new world')).toBe('new world');
    nthText(b, 0).insert(0, 'Well: ');
    syncReplicas(a, b);
    expect(quoteAfter(b, anchor, 'new world')).toBe('new world');
    expect(resolveAnchor(contentOf(a), anchor, 'new world')).toEqual(resolveAnchor(contentOf(b), anchor, 'new world'));
    b.transact(() => {
      nthText(b, 0).insert(nthText(b, 0).length, nthText(b, 1).toString());
      contentOf(b).delete(1, 1);
    });
    expect(quoteAfter(b, anchor, 'new world')).toBe('new world');
    syncReplicas(a, b);
    expect(resolveAnchor(contentOf(a), anchor, 'new world')).toEqual({ from: 'Well: Hello brave '.length, to: 'Well: Hello brave new world'.length, quote: 'new world', rebound: true });
  });
});
