/**
 * Who may open a document's comments (`<id>/comments`): the access check against the text
 * document's link, the default comment link (made with every new document, and once for a document
 * made before it), and the watch that ends a comment connection with its link. The in-memory store
 * and a manual clock; no sockets, no sleeps.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { commentsDocumentName } from '../../lib/comments/comments-document';
import { CloseCode } from '../../lib/protocol/close-codes';
import { DEFAULT_LINK_NAMES, OWNER_LINK_NAME, type AuthMode } from '../../sync-server/auth/access-policy';
import { LinkWatch } from '../../sync-server/auth/link-watch';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { accessPolicyFixture, fixtureSigner, grantOf, RecordingHolder } from '../helpers/access-policy-fixture';

const COMMENTS_REFUSED = 'comments need a comment, edit or owner link';

function setUp(mode: AuthMode = 'on') {
  return accessPolicyFixture(new MemoryDocumentStore(), mode);
}

describe('the access check of a comments document', () => {
  it('checks the token against the text document: view refused, comment, edit and owner write', async () => {
    const { access } = setUp();
    const doc = await access.createDocument();
    const comments = commentsDocumentName(doc.id);
    expect(await access.decide(comments, doc.viewToken)).toEqual({ granted: false, closeCode: CloseCode.Forbidden, reason: COMMENTS_REFUSED, unauthenticated: false });
    for (const [token, role] of [[doc.commentToken!, 'comment'], [doc.editToken, 'edit'], [doc.ownerToken!, 'owner']] as const) {
      expect(await access.decide(comments, token)).toMatchObject({ granted: true, permission: 'write', grant: { role, version: 2 } });
    }
    // The text: a commenter reads it, as a viewer does.
    expect(await access.decide(doc.id, doc.commentToken!)).toMatchObject({ granted: true, permission: 'read', grant: { role: 'comment' } });
    expect(await access.decide(doc.id, doc.viewToken)).toMatchObject({ granted: true, permission: 'read' });
  });

  it('refuses another document’s, a forged, a revoked and a missing token; version 1 view too', async () => {
    const { access, store, records, scheduler } = setUp();
    const doc = await access.createDocument();
    const other = await access.createDocument();
    const comments = commentsDocumentName(doc.id);
    const forged = doc.editToken.slice(0, 30) + (doc.editToken[30] === 'A' ? 'B' : 'A') + doc.editToken.slice(31);
    for (const token of [other.editToken, other.ownerToken!, forged]) {
      expect(await access.decide(comments, token)).toMatchObject({ granted: false, closeCode: CloseCode.Forbidden, unauthenticated: true });
    }
    expect(await access.decide(comments, null)).toMatchObject({ granted: false, closeCode: CloseCode.Unauthorized });
    // A token of the comments document's own name is no token of it: tokens are bound to the text.
    const own = fixtureSigner.issue(comments, { role: 'edit', expiresAt: null });
    expect(await access.decide(comments, own)).toMatchObject({ granted: false, unauthenticated: true });
    const commentLink = (await store.listLinks(doc.id)).find((record) => record.role === 'comment')!;
    await store.revokeLink(doc.id, commentLink.id, scheduler.now());
    records.invalidate(doc.id, commentLink.id);
    expect(await access.decide(comments, doc.commentToken!)).toMatchObject({ granted: false, reason: 'this link was revoked' });
    const legacy = access.newDocument();
    expect(await access.decide(commentsDocumentName(legacy.id), legacy.viewToken)).toMatchObject({ granted: false, reason: COMMENTS_REFUSED });
    expect(await access.decide(commentsDocumentName(legacy.id), legacy.editToken)).toMatchObject({ granted: true, permission: 'write' });
  });

  it('writes with AUTH=off, without a token', async () => {
    const { access } = setUp('off');
    expect(await access.decide(commentsDocumentName('notes'), null)).toMatchObject({ granted: true, permission: 'write' });
  });
});

describe('the default comment link', () => {
  it('comes with every new document, listed in one order: view, comment, edit, owner', async () => {
    const { access, store } = setUp();
    const doc = await access.createDocument();
    expect(doc.commentToken).toHaveLength(75);
    const listed = await store.listLinks(doc.id);
    expect(listed.map((record) => [record.role, record.name])).toEqual([
      ['view', DEFAULT_LINK_NAMES.view],
      ['comment', 'Anyone with this link can comment'],
      ['edit', DEFAULT_LINK_NAMES.edit],
      ['owner', OWNER_LINK_NAME],
    ]);
  });

  it('is made for a document made before it when an editor first asks, once, and never again once revoked', async () => {
    const { access, store, records, scheduler } = setUp();
    const id = 'made-before-comments';
    const owner = await access.createRecord(id, 'owner', OWNER_LINK_NAME, null, scheduler.now());
    const edit = await access.createRecord(id, 'edit', DEFAULT_LINK_NAMES.edit, null, scheduler.now() + 1);
    const view = await access.createRecord(id, 'view', DEFAULT_LINK_NAMES.view, null, scheduler.now() + 2);
    const [ownerToken, editToken, viewToken] = [owner, edit, view].map((record) => access.tokenOf(id, record)) as [string, string, string];
    const viewer = grantOf(await access.decide(id, viewToken));
    expect(await access.shareTokens(id, viewer)).toEqual({ id, viewToken });
    expect(await store.listLinks(id)).toHaveLength(3); // a viewer makes nothing

    scheduler.advance(10);
    const editor = grantOf(await access.decide(id, editToken));
    const first = await access.shareTokens(id, editor);
    expect(first).toEqual({ id, editToken, commentToken: expect.any(String), viewToken });
    expect(await access.decide(commentsDocumentName(id), first.commentToken!)).toMatchObject({ granted: true, grant: { role: 'comment' } });
    const ownerGrant = grantOf(await access.decide(id, ownerToken));
    expect((await access.shareTokens(id, ownerGrant)).commentToken).toBe(first.commentToken);
    expect(await store.listLinks(id)).toHaveLength(4);

    const made = (await store.listLinks(id)).find((record) => record.role === 'comment')!;
    await store.revokeLink(id, made.id, scheduler.now());
    records.invalidate(id, made.id);
    expect(await access.shareTokens(id, ownerGrant)).toEqual({ id, editToken, viewToken });
    expect(await store.listLinks(id)).toHaveLength(4);
  });

  it('is made once when several editors ask at the same time', async () => {
    const { access, store, scheduler } = setUp();
    const id = 'asked-at-once';
    await access.createRecord(id, 'owner', OWNER_LINK_NAME, null, scheduler.now());
    const edit = await access.createRecord(id, 'edit', DEFAULT_LINK_NAMES.edit, null, scheduler.now() + 1);
    const editor = grantOf(await access.decide(id, access.tokenOf(id, edit)));
    const answers = await Promise.all([1, 2, 3].map(() => access.shareTokens(id, editor)));
    expect((await store.listLinks(id)).filter((record) => record.role === 'comment')).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.commentToken)).size).toBe(1);
  });
});

describe('the watch over a comment connection', () => {
  it('closes the comments connections of a link with its text connections, on revocation and on expiry', async () => {
    const { access, records, scheduler } = setUp();
    const watch = new LinkWatch({ scheduler, logger: pino({ level: 'silent' }), records, expiryCheckMs: 1_000, recheckMs: 30_000 });
    const doc = await access.createDocument();
    const comments = commentsDocumentName(doc.id);
    const admit = async (docName: string, token: string) => {
      const holder = new RecordingHolder();
      watch.track(holder, docName, grantOf(await access.decide(docName, token)));
      return holder;
    };
    const guest = await access.createRecord(doc.id, 'comment', 'Guest', null);
    const guestToken = access.tokenOf(doc.id, guest);
    const [text, discussion, editor] = [await admit(doc.id, guestToken), await admit(comments, guestToken), await admit(comments, doc.editToken)];
    expect(watch.watchedLinks).toBe(2);
    watch.revoked(doc.id, guest.id);
    const revoked = { code: CloseCode.Forbidden, reason: 'this link was revoked' };
    expect([text.closed, discussion.closed, editor.closed]).toEqual([revoked, revoked, null]);

    const short = await access.createRecord(doc.id, 'comment', 'Short', scheduler.now() + 2_500);
    const shortComments = await admit(comments, access.tokenOf(doc.id, short));
    scheduler.advance(3_500);
    expect(shortComments.closed).toEqual({ code: CloseCode.Forbidden, reason: 'this link has expired' });
    expect(editor.closed).toBeNull();
    watch.stop();
  });
});
