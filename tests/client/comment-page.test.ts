import { describe, expect, it } from 'vitest';
import { assembleToken, encodeHeader, encodeLinkHeader } from '../../lib/auth/capability-token';
import { commentAuthor, isOwnComment } from '../../lib/client/comments/comment-authors';
import { combinedSaveStatus } from '../../lib/client/comments/combined-save-status';
import { editorMode, pageAbilities, pageLinkId } from '../../lib/client/comments/page-role';
import { fetchShareLinks } from '../../lib/client/documents/share-links';
import type { Role } from '../../lib/auth/roles';

const LINK_ID = 'AAECAwQFBgcICQoLDA0ODw';
const mac = new Uint8Array(32).fill(7);
const v2 = (role: Role) => assembleToken(encodeLinkHeader({ role, expiresAt: null, linkId: LINK_ID }), mac);
const v1 = (role: 'edit' | 'view') => assembleToken(encodeHeader({ role, expiresAt: null }), mac);

describe('what a page may do, from its link', () => {
  it('edits and comments with no token (open access), an edit or an owner link', () => {
    for (const token of [null, v2('edit'), v2('owner'), v1('edit')]) {
      expect(pageAbilities(token)).toMatchObject({ editsText: true, comments: true });
    }
  });

  it('comments but does not edit with a comment link; neither with a view link or a token it cannot read', () => {
    expect(pageAbilities(v2('comment'))).toEqual({ role: 'comment', editsText: false, comments: true });
    expect(pageAbilities(v2('view'))).toEqual({ role: 'view', editsText: false, comments: false });
    expect(pageAbilities(v1('view'))).toEqual({ role: 'view', editsText: false, comments: false });
    expect(pageAbilities('forged')).toEqual({ role: 'view', editsText: false, comments: false });
  });

  it('keeps a commenter commenting when the server refuses a text update of theirs; an editor it refuses only reads', () => {
    expect(editorMode(pageAbilities(v2('comment')), false)).toBe('comment');
    expect(editorMode(pageAbilities(v2('comment')), true)).toBe('comment');
    expect(editorMode(pageAbilities(v2('edit')), false)).toBe('edit');
    expect(editorMode(pageAbilities(v2('edit')), true)).toBe('view');
    expect(editorMode(pageAbilities(v2('view')), false)).toBe('view');
  });

  it('knows its link id for a version 2 token only', () => {
    expect(pageLinkId(v2('comment'))).toBe(LINK_ID);
    expect(pageLinkId(v1('edit'))).toBeNull();
    expect(pageLinkId(null)).toBeNull();
  });
});

describe('the saving indicator over the text and the comments', () => {
  it('says saved only when both are, and shows the least advanced of the two', () => {
    expect(combinedSaveStatus('saved', 'saved')).toBe('saved');
    expect(combinedSaveStatus('saved', 'unsaved')).toBe('unsaved');
    expect(combinedSaveStatus('saving', 'saved')).toBe('saving');
    expect(combinedSaveStatus('saved', 'paused')).toBe('paused');
    expect(combinedSaveStatus('paused', 'unsaved')).toBe('unsaved');
    expect(combinedSaveStatus('saving', null)).toBe('saving');
  });
});

describe('the share dialog’s links', () => {
  const answer = (body: unknown) => async () => new Response(JSON.stringify(body), { status: 200 });

  it('offers the comment link when the server sends one, and none from a server before comments', async () => {
    const links = await fetchShareLinks('http://h:1', 'http://app.test', 'doc', 't', {
      fetchImpl: answer({ id: 'doc', editToken: 'e', commentToken: 'c', viewToken: 'v' }),
    });
    expect(links).toEqual({ editLink: 'http://app.test/d/doc#token=e', commentLink: 'http://app.test/d/doc#token=c', viewLink: 'http://app.test/d/doc#token=v' });
    const older = await fetchShareLinks('http://h:1', 'http://app.test', 'doc', 't', { fetchImpl: answer({ id: 'doc', editToken: 'e', viewToken: 'v' }) });
    expect(older.commentLink).toBeNull();
  });
});

describe('my own comments', () => {
  const me = { name: 'Alice', color: '#d9480f' };

  it('are the ones with my name, colour and link', () => {
    expect(commentAuthor(me, LINK_ID)).toEqual({ name: 'Alice', color: '#d9480f', link: LINK_ID });
    expect(commentAuthor(me, null)).toEqual({ name: 'Alice', color: '#d9480f' });
    expect(isOwnComment(commentAuthor(me, LINK_ID), me, LINK_ID)).toBe(true);
    expect(isOwnComment(commentAuthor(me, null), me, null)).toBe(true);
    expect(isOwnComment(commentAuthor(me, LINK_ID), me, null)).toBe(false);
    expect(isOwnComment({ name: 'Alice', color: '#1971c2', link: LINK_ID }, me, LINK_ID)).toBe(false);
    expect(isOwnComment({ name: 'Bob', color: '#d9480f', link: LINK_ID }, me, LINK_ID)).toBe(false);
  });
});
