/**
 * Half of a surrogate pair, alone, in a comment: Yjs writes strings as UTF-8, where it becomes
 * U+FFFD, so the copy that wrote it would read otherwise than every other copy and than storage
 * (the room fuzz found it: a quote cut through an emoji). Refused wherever text enters a thread.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { commentBodyProblem, isWellFormedText, parseCommentAuthor, quoteProblem, type ThreadAnchor } from '../../lib/comments/comment-model';
import { createThread, readThreads, setThreadQuote } from '../../lib/comments/comment-store';

const HIGH = '\ud83d';
const LOW = '\ude00';
const anchor: ThreadAnchor = { start: new Uint8Array([1, 2]), end: new Uint8Array([3]) };
const author = { name: 'Ada', color: '#1f6feb' };

describe('well-formed comment text', () => {
  it('tells a lone half of a surrogate pair from a whole pair', () => {
    for (const text of ['plain', '😀', `a😀b`, '']) expect(isWellFormedText(text), text).toBe(true);
    for (const text of [HIGH, LOW, `a${HIGH}`, `${LOW}b`, `${LOW}${HIGH}`, `😀${HIGH}`]) expect(isWellFormedText(text), JSON.stringify(text)).toBe(false);
  });

  it('refuses it in a body, a quote and an author name, with a message', () => {
    expect(commentBodyProblem(`why${HIGH}`)).toBe('body is not well-formed Unicode (half of a surrogate pair)');
    expect(quoteProblem(`t ${LOW}`)).toBe('quote is not well-formed Unicode (half of a surrogate pair)');
    expect(parseCommentAuthor({ name: `Ada${HIGH}`, color: '#1f6feb' })).toBeNull();
    expect(commentBodyProblem('why 😀')).toBeNull();
  });

  it('writes nothing for a thread whose quote cuts a pair, and keeps no such quote as last words', () => {
    const doc = new Y.Doc();
    expect(() => createThread(doc, { anchor, quote: `t ${LOW}`, body: 'Why?', author, now: 1 })).toThrow(RangeError);
    expect(readThreads(doc)).toEqual([]);
    const thread = createThread(doc, { anchor, quote: 't 😀', body: 'Why?', author, now: 1 });
    expect(setThreadQuote(doc, thread.id, HIGH)).toBe(false);
    expect(readThreads(doc)[0]!.quote).toBe('t 😀');
  });
});
