/**
 * The creator of a document returns as its owner: creating one keeps the owner link the server
 * made, and the recent list keeps the strongest link a browser has opened a document with.
 */
import { describe, expect, it } from 'vitest';
import { assembleToken, encodeHeader, encodeLinkHeader } from '../../lib/auth/capability-token';
import type { Role } from '../../lib/auth/roles';
import { createDocument } from '../../lib/client/documents/create-document';
import { parseRecentDocuments, rememberDocument } from '../../lib/client/documents/recent-documents';

const mac = new Uint8Array(32);
const v2 = (role: Role, fill = 'A') => assembleToken(encodeLinkHeader({ role, expiresAt: null, linkId: fill.repeat(21) + 'A' }), mac);
const v1 = (role: 'edit' | 'view') => assembleToken(encodeHeader({ role, expiresAt: null }), mac);

describe('the owner link in this browser', () => {
  it('is what a new document opens with; a server without owner links gives the edit link as before', async () => {
    const answer = (body: object) => async () => new Response(JSON.stringify(body), { status: 201 });
    expect(await createDocument('http://h:1', answer({ id: 'abc', ownerToken: 'o.t', editToken: 'e.t', viewToken: 'v.t' }))).toEqual({ id: 'abc', token: 'o.t' });
    expect(await createDocument('http://h:1', answer({ id: 'abc', ownerToken: '', editToken: 'e.t', viewToken: 'v.t' }))).toEqual({ id: 'abc', token: 'e.t' });
    expect(await createDocument('http://h:1', answer({ id: 'abc', editToken: 'e.t', viewToken: 'v.t' }))).toEqual({ id: 'abc', token: 'e.t' });
  });

  it('survives a visit through a weaker link, and gives way to a stronger one', () => {
    let list = rememberDocument([], { id: 'd', openedAt: 1, token: v2('owner') });
    list = rememberDocument(list, { id: 'd', openedAt: 2, token: v2('view', 'B') });
    list = rememberDocument(list, { id: 'd', openedAt: 3, token: v1('edit') });
    expect(list).toEqual([{ id: 'd', title: '', openedAt: 3, token: v2('owner') }]);

    let viewer = rememberDocument([], { id: 'e', openedAt: 1, token: v1('view') });
    viewer = rememberDocument(viewer, { id: 'e', openedAt: 2, token: v2('edit') });
    expect(viewer[0]?.token).toBe(v2('edit'));
    // A newer link of the same role replaces the older one.
    viewer = rememberDocument(viewer, { id: 'e', openedAt: 3, token: v2('edit', 'C') });
    expect(viewer[0]?.token).toBe(v2('edit', 'C'));
  });

  it('reads entries stored by earlier versions, whatever their token', () => {
    const stored = JSON.stringify([
      { id: 'old', title: 'Notes', openedAt: 5, token: v1('edit') },
      { id: 'odd', title: 'Other', openedAt: 4, token: 'not a token' },
    ]);
    const list = parseRecentDocuments(stored);
    expect(list.map((entry) => entry.token)).toEqual([v1('edit'), 'not a token']);
    // An unreadable token is kept until a readable one comes.
    expect(rememberDocument(list, { id: 'odd', openedAt: 6, token: v1('view') })[0]?.token).toBe(v1('view'));
    expect(rememberDocument(list, { id: 'odd', openedAt: 6 })[0]?.token).toBe('not a token');
  });
});
