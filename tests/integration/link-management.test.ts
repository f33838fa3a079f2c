/**
 * Share-link management through the real server (issue 20, single node): named links of each role,
 * the list, the 4xx cases, revoking one link while others stay connected, expiry, and the tokens of
 * documents made before link records (version 1), with stock y-websocket clients.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { CloseCode } from '../../lib/protocol/close-codes';
import { decodeFrameBatch } from '../../lib/protocol/frame-batch';
import { waitFor } from '../helpers/poll';
import { closesOf, connectClient, textOf, waitForSync, whenSaved, postDocument, type CreatedDocument } from '../helpers/server-harness';
import { useServerPerTest } from '../helpers/server-per-test';

interface LinkJson {
  id: string;
  name: string | null;
  role: string;
  token: string;
  createdAt?: string;
  expiresAt: string | null;
  revokedAt?: string | null;
}

const fixture = useServerPerTest({ AUTH: 'on' });

const base = () => `http://127.0.0.1:${fixture.server.port}`;

const createDocument = (): Promise<CreatedDocument> => postDocument(base());

function links(docId: string, token: string | null, init: { method?: string; body?: unknown; linkId?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${base()}/docs/${docId}/links${init.linkId === undefined ? '' : `/${init.linkId}`}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
}

async function createLink(doc: CreatedDocument, body: unknown): Promise<LinkJson> {
  const response = await links(doc.id, doc.ownerToken, { method: 'POST', body });
  expect(response.status).toBe(201);
  return (await response.json()) as LinkJson;
}

function client(docId: string, token: string): WebsocketProvider {
  const provider = connectClient(fixture.server.url, docId, new Y.Doc(), { token });
  fixture.providers.push(provider);
  return provider;
}

/** An HTTP fallback session by hand: `poll` reads the next frames (null) or the end of the session. */
async function openFallback(docId: string, token: string): Promise<{ poll: () => Promise<{ status: number; body: unknown } | null> }> {
  const opened = await fetch(`${base()}/_poll/${docId}?token=${token}`, { method: 'POST' });
  expect(opened.status).toBe(200);
  const { session } = (await opened.json()) as { session: string };
  let after = -1;
  const poll = async () => {
    const response = await fetch(`${base()}/_poll/${docId}/${session}?after=${after}`);
    if (response.status !== 200) return { status: response.status, body: await response.json() };
    const batch = decodeFrameBatch(new Uint8Array(await response.arrayBuffer()));
    after = batch.seq + batch.frames.length - 1;
    return null;
  };
  return { poll };
}

async function rawConnect(docId: string, token: string): Promise<{ code: number; reason: string }> {
  const socket = new WebSocket(`${fixture.server.url}/${docId}?token=${token}`);
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe('share-link management', () => {
  it('POST /docs gives an owner link and three default links, all listed by the owner, newest first', async () => {
    const doc = await createDocument();
    expect(doc.ownerToken).toHaveLength(75);
    expect(doc.editToken).toHaveLength(75);
    expect(doc.commentToken).toHaveLength(75);
    expect(doc.viewToken).toHaveLength(75);
    const defaults = (await (await links(doc.id, doc.ownerToken)).json()) as { links: LinkJson[] };
    expect(defaults.links.map((link) => [link.role, link.name, link.token])).toEqual([
      ['view', 'Anyone with this link can view', doc.viewToken],
      ['comment', 'Anyone with this link can comment', doc.commentToken],
      ['edit', 'Anyone with this link can edit', doc.editToken],
      ['owner', 'Owner', doc.ownerToken],
    ]);
    const reviewers = await createLink(doc, { role: 'view', name: 'Reviewers' });
    const dana = await createLink(doc, { role: 'edit', name: 'Dana at Acme', expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(dana).toMatchObject({ role: 'edit', name: 'Dana at Acme' });
    expect(dana.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const listed = await links(doc.id, doc.ownerToken);
    expect(listed.status).toBe(200);
    const { links: all } = (await listed.json()) as { links: LinkJson[] };
    expect(all.map((link) => link.id).slice(0, 2)).toEqual([dana.id, reviewers.id]);
    expect(all.map((link) => link.role).sort()).toEqual(['comment', 'edit', 'edit', 'owner', 'view', 'view']);
    expect(all.find((link) => link.role === 'owner')!.token).toBe(doc.ownerToken);
    expect(all.find((link) => link.id === dana.id)!.token).toBe(dana.token);
    for (const link of all) expect(link.revokedAt).toBeNull();

    // Every link opens the document with its role.
    const editor = client(doc.id, dana.token);
    await waitForSync(editor);
    editor.doc.getText('t').insert(0, 'from Dana');
    const reviewer = client(doc.id, reviewers.token);
    await waitFor(() => textOf(reviewer) === 'from Dana', { what: 'the reviewer reads' });
    const owner = client(doc.id, doc.ownerToken);
    await waitForSync(owner);
    owner.doc.getText('t').insert(0, 'owner: ');
    await waitFor(() => textOf(editor) === 'owner: from Dana', { what: 'the owner writes' });
  });

  it('answers 401, 403 and 400 as the API says, and changes nothing', async () => {
    const doc = await createDocument();
    const forged = doc.ownerToken.slice(0, 30) + (doc.ownerToken[30] === 'A' ? 'B' : 'A') + doc.ownerToken.slice(31);
    expect((await links(doc.id, null)).status).toBe(401);
    expect((await links(doc.id, forged)).status).toBe(401);
    expect((await links(doc.id, null, { method: 'POST', body: { role: 'view' } })).status).toBe(401);
    for (const token of [doc.editToken, doc.commentToken, doc.viewToken]) {
      expect((await links(doc.id, token)).status).toBe(403);
      expect((await links(doc.id, token, { method: 'POST', body: { role: 'view' } })).status).toBe(403);
    }
    const someLink = (await (await links(doc.id, doc.ownerToken)).json()) as { links: LinkJson[] };
    const viewLink = someLink.links.find((link) => link.role === 'view')!;
    expect((await links(doc.id, doc.editToken, { method: 'DELETE', linkId: viewLink.id })).status).toBe(403);
    const bad: unknown[] = [
      { role: 'owner' },
      { role: 'admin' },
      { role: 'view', expiresAt: '2001-01-01T00:00:00Z' },
      { role: 'view', expiresAt: 'tomorrow' },
      { role: 'view', name: 'x'.repeat(201) },
      '{not json',
    ];
    for (const body of bad) {
      const response = await links(doc.id, doc.ownerToken, { method: 'POST', body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: string }).error.length).toBeGreaterThan(0);
    }
    const after = (await (await links(doc.id, doc.ownerToken)).json()) as { links: LinkJson[] };
    expect(after.links).toHaveLength(4);
    expect((await links(doc.id, doc.ownerToken, { method: 'DELETE', linkId: 'A'.repeat(22) })).status).toBe(404);
  });

  it('POST without a body keeps its meaning: the default links of the caller’s role or below', async () => {
    const doc = await createDocument();
    const post = async (token: string) => (await links(doc.id, token, { method: 'POST' })).json();
    const { editToken, commentToken, viewToken } = doc;
    expect(await post(doc.editToken)).toEqual({ id: doc.id, editToken, commentToken, viewToken });
    expect(await post(doc.commentToken)).toEqual({ id: doc.id, commentToken, viewToken });
    expect(await post(doc.viewToken)).toEqual({ id: doc.id, viewToken });
    expect(await post(doc.ownerToken)).toEqual({ id: doc.id, editToken, commentToken, viewToken });
  });

  it('revoking one link closes only its connections (4403) within 2 s; the others keep editing and its edits stay', async () => {
    const doc = await createDocument();
    const guest = await createLink(doc, { role: 'edit', name: 'Guest' });
    const revoked = client(doc.id, guest.token);
    const kept = client(doc.id, doc.editToken);
    const revokedCloses = closesOf(revoked);
    const keptCloses = closesOf(kept);
    await Promise.all([waitForSync(revoked), waitForSync(kept)]);
    revoked.doc.getText('t').insert(0, 'before revocation. ');
    await whenSaved(revoked);
    await waitFor(() => textOf(kept) === 'before revocation. ', { what: 'the guest edit to arrive' });

    const started = Date.now();
    const response = await links(doc.id, doc.ownerToken, { method: 'DELETE', linkId: guest.id });
    expect(response.status).toBe(204);
    await waitFor(() => revokedCloses.length > 0, { timeoutMs: 2_000, what: 'the revoked link to be closed' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(revokedCloses[0]).toEqual({ code: CloseCode.Forbidden, reason: 'this link was revoked' });

    kept.doc.getText('t').insert(textOf(kept).length, 'after.');
    await whenSaved(kept);
    expect(keptCloses).toEqual([]);
    const reader = client(doc.id, doc.viewToken);
    await waitFor(() => textOf(reader) === 'before revocation. after.', { what: 'both edits in the document' });

    // Again: 204 or 404, never an error page. And the token is refused everywhere.
    expect([204, 404]).toContain((await links(doc.id, doc.ownerToken, { method: 'DELETE', linkId: guest.id })).status);
    expect(await rawConnect(doc.id, guest.token)).toEqual({ code: CloseCode.Forbidden, reason: 'this link was revoked' });
    const api = await fetch(`${base()}/docs/${doc.id}`, { headers: { Authorization: `Bearer ${guest.token}` } });
    expect(api.status).toBe(403);
    const versions = await fetch(`${base()}/docs/${doc.id}/versions`, { headers: { Authorization: `Bearer ${guest.token}` } });
    expect(versions.status).toBe(403);
    const refused = await openFallback(doc.id, guest.token);
    expect(await waitFor(refused.poll, { what: 'the fallback refusal' })).toEqual({
      status: 410,
      body: expect.objectContaining({ code: CloseCode.Forbidden, reason: 'this link was revoked' }),
    });
    const listed = (await (await links(doc.id, doc.ownerToken)).json()) as { links: LinkJson[] };
    expect(listed.links.find((link) => link.id === guest.id)!.revokedAt).toMatch(/^\d{4}-/);
  });

  it('closes a fallback session of a revoked link with 4403', async () => {
    const doc = await createDocument();
    const guest = await createLink(doc, { role: 'view', name: 'Guest' });
    const { poll } = await openFallback(doc.id, guest.token);
    expect(await poll()).toBeNull(); // admitted: the document's first frames
    expect((await links(doc.id, doc.ownerToken, { method: 'DELETE', linkId: guest.id })).status).toBe(204);
    const closed = await waitFor(poll, { timeoutMs: 4_000, what: 'the session to be closed' });
    expect(closed).toEqual({ status: 410, body: expect.objectContaining({ code: CloseCode.Forbidden, reason: 'this link was revoked' }) });
  });

  it('closes an expired link’s connections within 5 s of its expiry and refuses it after', async () => {
    const doc = await createDocument();
    const expiresAt = new Date(Math.ceil((Date.now() + 2_500) / 1000) * 1000);
    const shortLived = await createLink(doc, { role: 'edit', name: 'Short', expiresAt: expiresAt.toISOString() });
    const provider = client(doc.id, shortLived.token);
    const closes = closesOf(provider);
    const other = client(doc.id, doc.editToken);
    const otherCloses = closesOf(other);
    await Promise.all([waitForSync(provider), waitForSync(other)]);
    await waitFor(() => closes.length > 0, { timeoutMs: 10_000, what: 'the expired link to be closed' });
    expect(Date.now() - expiresAt.getTime()).toBeLessThan(5_000);
    expect(closes[0]).toEqual({ code: CloseCode.Forbidden, reason: 'this link has expired' });
    expect(otherCloses).toEqual([]);
    expect((await rawConnect(doc.id, shortLived.token)).code).toBe(CloseCode.Forbidden);
  });

  it('keeps accepting version 1 tokens; a document without an owner link lets its edit link manage links', async () => {
    const legacy = fixture.server.server.access.newDocument();
    expect(legacy.editToken).toHaveLength(54);
    const editor = client(legacy.id, legacy.editToken);
    const viewer = client(legacy.id, legacy.viewToken);
    await Promise.all([waitForSync(editor), waitForSync(viewer)]);
    editor.doc.getText('t').insert(0, 'legacy');
    await waitFor(() => textOf(viewer) === 'legacy');
    // Today's meaning of POST without a body is unchanged for a version 1 token.
    const passOn = await (await links(legacy.id, legacy.editToken, { method: 'POST' })).json();
    expect(passOn).toEqual({ id: legacy.id, editToken: legacy.editToken, viewToken: legacy.viewToken });

    const made = await links(legacy.id, legacy.editToken, { method: 'POST', body: { role: 'view', name: 'Readers' } });
    expect(made.status).toBe(201);
    const readers = (await made.json()) as LinkJson;
    expect((await links(legacy.id, legacy.editToken)).status).toBe(200);
    expect((await links(legacy.id, legacy.viewToken)).status).toBe(403);
    const reader = client(legacy.id, readers.token);
    const readerCloses = closesOf(reader);
    await waitForSync(reader);
    expect((await links(legacy.id, legacy.editToken, { method: 'DELETE', linkId: readers.id })).status).toBe(204);
    await waitFor(() => readerCloses.length > 0, { timeoutMs: 2_000, what: 'the revoked reader' });
    // A document with an owner link: its edit links do not manage.
    const modern = await createDocument();
    expect((await links(modern.id, modern.editToken)).status).toBe(403);
  });
});

describe('share-link management, more', () => {
  it('rate-limits link creation like POST /docs, and keeps the owner link unrevokable', async () => {
    await fixture.server.stop();
    await fixture.start({ AUTH: 'on', DOC_CREATE_BURST: '3', DOC_CREATE_PER_MINUTE: '1' });
    const doc = await createDocument();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await links(doc.id, doc.ownerToken, { method: 'POST', body: { role: 'view' } })).status);
    expect(statuses).toEqual([201, 201, 429]);
    const { links: all } = (await (await links(doc.id, doc.ownerToken)).json()) as { links: LinkJson[] };
    const owner = all.find((link) => link.role === 'owner')!;
    expect((await links(doc.id, doc.ownerToken, { method: 'DELETE', linkId: owner.id })).status).toBe(400);
    expect((await links(doc.id, doc.ownerToken)).status).toBe(200);
  });
});
