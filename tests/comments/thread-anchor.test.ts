import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { flattenText } from '../../lib/comments/flattened-text';
import { anchorForQuote, anchorFromPositions, resolveAnchor } from '../../lib/comments/thread-anchor';
import type { ThreadAnchor } from '../../lib/comments/comment-model';
import { contentOf, nthText, replicaOf, rewrite, syncReplicas, textDocument } from './text-fixture';

function anchored(doc: Y.Doc, quote: string): ThreadAnchor {
  const anchor = anchorForQuote(contentOf(doc), quote);
  if (anchor === null) throw new Error(`"${quote}" is not in the document`);
  return anchor;
}

function liveQuote(doc: Y.Doc, anchor: ThreadAnchor): string | null {
  return resolveAnchor(contentOf(doc), anchor)?.quote ?? null;
}

describe('the flattened text', () => {
  it('is the texts of the blocks, one newline between blocks and for a hard break, however deep the lists', () => {
    const doc = textDocument('# Plan\n\nHello **bold** world  \nnext line\n\n- one\n  - nested two\n\n---\n\nlast');
    expect(flattenText(contentOf(doc)).text).toBe('Plan\nHello bold world\nnext line\none\nnested two\nlast');
  });

  it('counts an embed as one character, so offsets inside a text are its Yjs indices', () => {
    const doc = new Y.Doc();
    const paragraph = new Y.XmlElement('paragraph');
    contentOf(doc).insert(0, [paragraph]);
    const text = new Y.XmlText();
    paragraph.insert(0, [text]);
    text.insert(0, 'ab');
    text.insertEmbed(1, { src: 'x' });
    const flat = flattenText(contentOf(doc));
    expect(flat.text).toBe('a\uFFFCb');
    expect(flat.positionAt(2)).toEqual({ type: text, index: 2 });
  });

  it('is empty for an empty document', () => {
    expect(flattenText(contentOf(textDocument(''))).text).toBe('');
  });
});

describe('a quote in the text', () => {
  it('is found across marks: bold inside the quote', () => {
    const doc = textDocument('Say hello **brave** new world.');
    expect(liveQuote(doc, anchored(doc, 'hello brave new'))).toBe('hello brave new');
  });

  it('is found across a hard break, written as a newline or as a space', () => {
    const doc = textDocument('Roses are red,  \nviolets are blue.');
    expect(liveQuote(doc, anchored(doc, 'red,\nviolets'))).toBe('red,\nviolets');
    expect(liveQuote(doc, anchored(doc, 'red, violets'))).toBe('red,\nviolets');
  });

  it('is found in a nested list item, and across paragraphs as the text export writes them', () => {
    const doc = textDocument('- top\n  - deep inside the list\n\nAfter it.');
    expect(liveQuote(doc, anchored(doc, 'inside the'))).toBe('inside the');
    expect(liveQuote(doc, anchored(doc, 'the list\n\nAfter'))).toBe('the list\nAfter');
  });

  it('anchors the first occurrence', () => {
    const doc = textDocument('one two one two');
    expect(resolveAnchor(contentOf(doc), anchored(doc, 'two'))).toEqual({ from: 4, to: 7, quote: 'two' });
  });

  it('is null when it is not in the document, or blank', () => {
    const doc = textDocument('Some text.');
    expect(anchorForQuote(contentOf(doc), 'other text')).toBeNull();
    expect(anchorForQuote(contentOf(doc), '  \n ')).toBeNull();
    expect(anchorForQuote(contentOf(doc), '')).toBeNull();
  });

  it('is taken literally, not as a pattern', () => {
    const doc = textDocument('Costs (a+b)* more.');
    expect(liveQuote(doc, anchored(doc, '(a+b)*'))).toBe('(a+b)*');
    expect(anchorForQuote(contentOf(doc), 'C.sts')).toBeNull();
  });
});

describe('an anchor', () => {
  it('follows inserts before, inside and after it without growing (direct Yjs edits)', () => {
    const doc = textDocument('The quick brown fox.');
    const anchor = anchored(doc, 'quick brown');
    const text = nthText(doc, 0);
    text.insert(0, 'See: ');
    expect(liveQuote(doc, anchor)).toBe('quick brown');
    text.insert('See: The quick'.length, ' and very');
    expect(liveQuote(doc, anchor)).toBe('quick and very brown');
    text.insert('See: The '.length, '>'); // right before the first character
    text.insert('See: The >quick and very brown'.length, '<'); // right after the last one
    expect(liveQuote(doc, anchor)).toBe('quick and very brown');
    expect(flattenText(contentOf(doc)).text).toBe('See: The >quick and very brown< fox.');
  });

  it('follows edits made through the import path (a structural diff of the whole document)', () => {
    const doc = textDocument('Intro.\n\nThe quick brown fox.');
    const anchor = anchored(doc, 'quick brown');
    rewrite(doc, 'A new intro.\n\nThe quick brown fox jumps.');
    expect(liveQuote(doc, anchor)).toBe('quick brown');
    rewrite(doc, 'A new intro.\n\nThe quick and brown fox jumps.');
    expect(liveQuote(doc, anchor)).toBe('quick and brown');
    rewrite(doc, 'New first paragraph.\n\nA new intro.\n\nThe quick and brown fox jumps.');
    expect(liveQuote(doc, anchor)).toBe('quick and brown');
    rewrite(doc, 'New first paragraph.\n\nA new intro.\n\nThe quick **and** brown fox jumps.');
    expect(liveQuote(doc, anchor)).toBe('quick and brown');
  });

  it('made from (type, index) positions binds the first character and the one before the end', () => {
    const doc = textDocument('abcdef');
    const text = nthText(doc, 0);
    const anchor = anchorFromPositions({ type: text, index: 1 }, { type: text, index: 4 });
    expect(liveQuote(doc, anchor)).toBe('bcd');
    text.insert(4, 'X');
    text.insert(1, 'Y');
    expect(liveQuote(doc, anchor)).toBe('bcd');
  });

  it('keeps the part of its text that a partial deletion leaves', () => {
    const doc = textDocument('The quick brown fox.');
    const anchor = anchored(doc, 'quick brown');
    nthText(doc, 0).delete('The '.length, 'quick '.length);
    expect(liveQuote(doc, anchor)).toBe('brown');
    rewrite(doc, 'The bro fox.');
    expect(liveQuote(doc, anchor)).toBe('bro');
  });

  it('is detached (null) when all its text is deleted, directly or through the import path', () => {
    const doc = textDocument('Keep this. Drop that. Keep this too.');
    const anchor = anchored(doc, 'Drop that.');
    const second = anchored(doc, 'this too');
    nthText(doc, 0).delete('Keep this. '.length, 'Drop that.'.length);
    expect(resolveAnchor(contentOf(doc), anchor)).toBeNull();
    rewrite(doc, 'Keep this.');
    expect(resolveAnchor(contentOf(doc), second)).toBeNull();
  });

  it('is detached when its whole paragraph goes', () => {
    const doc = textDocument('First.\n\nSecond paragraph.\n\nThird.');
    const anchor = anchored(doc, 'Second');
    rewrite(doc, 'First.\n\nThird.');
    expect(resolveAnchor(contentOf(doc), anchor)).toBeNull();
  });

  it('spanning two paragraphs reads them with the block boundary', () => {
    const doc = textDocument('End of one.\n\nStart of two.');
    const anchor = anchored(doc, 'one. Start');
    expect(liveQuote(doc, anchor)).toBe('one.\nStart');
  });

  it('resolves to the same range on two replicas after concurrent edits', () => {
    const a = textDocument('Alpha beta gamma delta.');
    const b = replicaOf(a);
    const anchor = anchored(a, 'beta gamma');
    nthText(a, 0).insert(0, 'Before: ');
    nthText(a, 0).insert('Before: Alpha beta'.length, ' (a)');
    nthText(b, 0).delete('Alpha '.length, 'beta '.length);
    nthText(b, 0).insert('Alpha gamma'.length, ' (b)');
    syncReplicas(a, b);
    expect(flattenText(contentOf(a)).text).toBe(flattenText(contentOf(b)).text);
    expect(resolveAnchor(contentOf(a), anchor)).toEqual(resolveAnchor(contentOf(b), anchor));
    expect(liveQuote(a, anchor)).toBe(' (a)gamma'); // b deleted 'beta ', a wrote ' (a)' inside it
  });

  it('is detached on a replica that has not yet seen the text it points into', () => {
    const a = textDocument('Old.');
    const b = replicaOf(a);
    nthText(a, 0).insert(4, ' New words.');
    const anchor = anchored(a, 'New words');
    expect(resolveAnchor(contentOf(b), anchor)).toBeNull();
    syncReplicas(a, b);
    expect(liveQuote(b, anchor)).toBe('New words');
  });

  it('that cannot be decoded is detached, not an error', () => {
    const doc = textDocument('Text.');
    expect(resolveAnchor(contentOf(doc), { start: new Uint8Array([255, 1]), end: new Uint8Array() })).toBeNull();
    expect(resolveAnchor(contentOf(doc), { start: new Uint8Array([9, 9, 9]), end: new Uint8Array([0]) }, 'Text')).toBeNull();
  });

  it('bound to the end of a text is detached when its paragraph goes, whatever was collected', () => {
    const doc = textDocument('First paragraph.\n\nSecond one.');
    const first = nthText(doc, 0);
    const anchor = anchorFromPositions({ type: first, index: 'First '.length }, { type: first, index: first.length });
    expect(liveQuote(doc, anchor)).toBe('paragraph.');
    const fromEnd = anchorFromPositions({ type: first, index: first.length }, { type: nthText(doc, 1), index: 3 });
    expect(liveQuote(doc, fromEnd)).toBe('\nSec');
    rewrite(doc, 'Second one.');
    expect(resolveAnchor(contentOf(doc), anchor, 'paragraph.')).toBeNull();
    // Its start went with the first paragraph; what is left of it is found again where its end still is.
    expect(resolveAnchor(contentOf(doc), fromEnd, 'Sec')).toMatchObject({ from: 0, to: 3, quote: 'Sec' });
  });
});
