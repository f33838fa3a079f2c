import { describe, expect, it } from 'vitest';
import { MAX_COMMENT_BODY_LENGTH, commentBodyProblem, newCommentId, parseCommentAuthor, quoteProblem } from '../../lib/comments/comment-model';

describe('comment bodies', () => {
  it('are plain text, not blank, at most 10,000 characters', () => {
    expect(commentBodyProblem('Looks good.')).toBeNull();
    expect(commentBodyProblem('<b>not markup, just text</b>')).toBeNull();
    expect(commentBodyProblem('x'.repeat(MAX_COMMENT_BODY_LENGTH))).toBeNull();
    expect(commentBodyProblem('x'.repeat(MAX_COMMENT_BODY_LENGTH + 1))).toBe('body is at most 10000 characters');
    expect(commentBodyProblem('')).toBe('body is blank');
    expect(commentBodyProblem(' \n\t ')).toBe('body is blank');
    expect(commentBodyProblem(42)).toBe('body is a string');
    expect(commentBodyProblem(undefined)).toBe('body is a string');
  });
});

describe('quotes', () => {
  it('are text that is not blank, at most 10,000 characters', () => {
    expect(quoteProblem('some words')).toBeNull();
    expect(quoteProblem('  ')).toBe('quote is blank');
    expect(quoteProblem(['x'])).toBe('quote is a string');
    expect(quoteProblem('x'.repeat(10_001))).toBe('quote is at most 10000 characters');
  });
});

describe('comment authors', () => {
  it('have a name of 1 to 40 characters (trimmed) and a #rrggbb colour', () => {
    expect(parseCommentAuthor({ name: ' Ada ', color: '#1f6feb' })).toEqual({ name: 'Ada', color: '#1f6feb' });
    expect(parseCommentAuthor({ name: 'A'.repeat(40), color: '#ABCDEF' })).not.toBeNull();
    expect(parseCommentAuthor({ name: 'A'.repeat(41), color: '#abcdef' })).toBeNull();
    expect(parseCommentAuthor({ name: '   ', color: '#abcdef' })).toBeNull();
    expect(parseCommentAuthor({ name: 'Ada', color: 'red' })).toBeNull();
    expect(parseCommentAuthor({ name: 'Ada', color: '#abc' })).toBeNull();
    expect(parseCommentAuthor({ name: 'Ada' })).toBeNull();
    expect(parseCommentAuthor('Ada')).toBeNull();
    expect(parseCommentAuthor(null)).toBeNull();
  });

  it('keep a link id when there is one, and nothing else', () => {
    expect(parseCommentAuthor({ name: 'Ada', color: '#000000', link: 'l1', extra: 'x' })).toEqual({ name: 'Ada', color: '#000000', link: 'l1' });
    expect(parseCommentAuthor({ name: 'Ada', color: '#000000', link: 7 })).toEqual({ name: 'Ada', color: '#000000' });
  });
});

describe('comment ids', () => {
  it('are 16 base64url characters, different each time', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newCommentId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });
});
