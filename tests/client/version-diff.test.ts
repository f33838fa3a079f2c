import { describe, expect, it } from 'vitest';
import { parseContent } from '../../lib/editor/document-import';
import { diffDocuments, documentBlocks, type BlockDiff } from '../../lib/client/history/version-diff';

const doc = (markdown: string, title = '') => ({ title, content: parseContent(markdown, 'markdown') });

/** A diff as short strings; in a changed block "+[word]" is only in the version, "-[word]" only in the current document. */
function summary(blocks: readonly BlockDiff[]): string[] {
  return blocks.map((b) => b.change !== 'changed' ? `${b.change}:${b.block.text}` : `${b.change}:${b.segments.map((s) => (s.side === 'version' ? `+[${s.text}]` : s.side === 'current' ? `-[${s.text}]` : s.text)).join('')}`);
}

describe('version blocks', () => {
  it('reads title, headings, list items with markers, quotes, code and rules', () => {
    const blocks = documentBlocks(doc('# Plan\n\nIntro\n\n- one\n- two\n\n3. third\n\n> quoted\n\n```\ncode here\n```\n\n---', 'Notes'));
    expect(blocks.map((b) => [b.style, b.level, b.text, b.marker, b.depth, b.quoted])).toEqual([
      ['title', 0, 'Notes', null, 0, false],
      ['heading', 1, 'Plan', null, 0, false],
      ['paragraph', 0, 'Intro', null, 0, false],
      ['paragraph', 0, 'one', '•', 1, false],
      ['paragraph', 0, 'two', '•', 1, false],
      ['paragraph', 0, 'third', '3.', 1, false],
      ['paragraph', 0, 'quoted', null, 0, true],
      ['code', 0, 'code here', null, 0, false],
      ['rule', 0, '', null, 0, false],
    ]);
  });
});

describe('comparing a version with the current document', () => {
  it('finds nothing to mark in equal documents', () => {
    const diff = diffDocuments(doc('Same words.', 'T'), doc('Same words.', 'T'));
    expect(diff.differs).toBe(false);
    expect(diff.highlighted).toBe(true);
    expect(summary(diff.blocks)).toEqual(['both:T', 'both:Same words.']);
  });

  it('marks words per block: what the version has and what only the current document has', () => {
    const diff = diffDocuments(doc('The quick brown fox.\n\nKept as it is.'), doc('The slow brown fox.\n\nKept as it is.'));
    expect(diff.differs).toBe(true);
    expect(summary(diff.blocks)).toEqual(['changed:The -[slow]+[quick] brown fox.', 'both:Kept as it is.']);
  });

  it('shows whole blocks that only one side has, against an emptied document too', () => {
    expect(summary(diffDocuments(doc('One.\n\nTwo.\n\nThree.'), doc('One.\n\nThree.')).blocks)).toEqual(['both:One.', 'version:Two.', 'both:Three.']);
    expect(summary(diffDocuments(doc('One.'), doc('One.\n\nAdded later.')).blocks)).toEqual(['both:One.', 'current:Added later.']);
    // Select all + delete leaves one empty paragraph: every paragraph of the version comes back whole.
    const emptied = { title: '', content: { type: 'doc', content: [{ type: 'paragraph' }] } };
    expect(summary(diffDocuments(doc('First.\n\nSecond.'), emptied).blocks)).toEqual(['version:First.', 'version:Second.']);
  });

  it('compares the title like any block', () => {
    expect(summary(diffDocuments(doc('Body.', 'Weekly notes'), doc('Body.', 'Daily notes')).blocks)).toEqual(['changed:-[Daily]+[Weekly] notes', 'both:Body.']);
  });
});
