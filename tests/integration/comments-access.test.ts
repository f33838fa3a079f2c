/**
 * Who may open a document's comments (`<id>/comments`) and what a commenter may write, through the
 * real server with stock y-websocket clients: a commenter's text edit goes nowhere while its comment
 * data is relayed and stored; a view link gets not a byte of the comments; an edit link writes both;
 * revoking a comment link closes both of its connections; another document's or a forged token is
 * refused. Comment data here is plain Yjs (a map entry), as any client could write it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { commentsDocumentName } from '../../lib/comments/comments-document';
import { CloseCode } from '../../lib/protocol/close-codes';
import { decodeFrameBatch } from '../../lib/protocol/frame-batch';
import { decodeMessage, type Message } from '../../lib/protocol/messages';
import { LevelDbDocumentStore } from '../../sync-server/storage/leveldb-store';
import { waitFor } from '../helpers/poll';
import {
  closesOf,
  connectClient,
  destroyAll,
  roundTrip,
  storedText,
  textOf,
  waitForSync,
  whenSaved,
  postDocument,
  type CreatedDocument,
} from '../helpers/server-harness';
import { useServerPerTest } from '../helpers/server-per-test';

const COMMENTS_REFUSED = 'comments need a comment, edit or owner link';

const fixture = useServerPerTest({ AUTH: 'on' });

const base = () => `http://127.0.0.1:${fixture.server.port}`;

const createDocument = (): Promise<CreatedDocument> => postDocument(base());

/** A named comment link made by the owner (the route takes any grantable role). */
async function commentLink(doc: CreatedDocument): Promise<{ id: string; token: string }> {
  const response = await fetch(`${base()}/docs/${doc.id}/links`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${doc.ownerToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ role: 'comment', name: 'Reviewer' }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; token: string };
}

function client(docName: string, token: string): WebsocketProvider {
  const provider = connectClient(fixture.server.url, docName, new Y.Doc(), { token });
  fixture.providers.push(provider);
  return provider;
}

/** A comment as plain Yjs: one entry of the comments document's `threads` map. */
function addThread(provider: WebsocketProvider, id: string, body: string): void {
  const thread = new Y.Map<unknown>();
  provider.doc.transact(() => {
    provider.doc.getMap('threads').set(id, thread);
    thread.set('id', id);
    thread.set('body', body);
  });
}

function threadIds(doc: Y.Doc): string[] {
  return [...doc.getMap('threads').keys()].sort();
}

/** Everything the server sends a raw socket, and how it closed it. */
async function rawConnect(docName: string, query: string): Promise<{ messages: Message[]; bytes: number; code: number; reason: string }> {
  const socket = new WebSocket(`${fixture.server.url}/${encodeURIComponent(docName)}${query}`);
  const messages: Message[] = [];
  let bytes = 0;
  socket.on('message', (data: Buffer) => {
    bytes += data.byteLength;
    messages.push(decodeMessage(new Uint8Array(data)));
  });
  socket.on('error', () => undefined);
  const { code, reason } = await new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (closeCode, closeReason) => resolve({ code: closeCode, reason: closeReason.toString() })),
  );
  return { messages, bytes, code, reason };
}

/** Opens an HTTP fallback session; `poll` answers the frames' messages, or how the session ended. */
async function openFallback(docName: string, token: string) {
  const opened = await fetch(`${base()}/_poll/${encodeURIComponent(docName)}?token=${token}`, { method: 'POST' });
  expect(opened.status).toBe(200);
  const { session } = (await opened.json()) as { session: string };
  let after = -1;
  return async (): Promise<{ status: 200; messages: Message[] } | { status: number; body: unknown }> => {
    const response = await fetch(`${base()}/_poll/${encodeURIComponent(docName)}/${session}?after=${after}`);
    if (response.status !== 200) return { status: response.status, body: await response.json() };
    const batch = decodeFrameBatch(new Uint8Array(await response.arrayBuffer()));
    after = batch.seq + batch.frames.length - 1;
    return { status: 200, messages: batch.frames.map((frame) => decodeMessage(frame)) };
  };
}

/** A stored document as a fresh store reads it (the server must be stopped). */
async function storedDocument(docName: string): Promise<Y.Doc> {
  const store = await LevelDbDocumentStore.open(path.join(fixture.dataDir, 'documents'));
  try {
    const stored = await store.load(docName);
    const doc = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const update of stored.log) Y.applyUpdate(doc, update);
    return doc;
  } finally {
    await store.close();
  }
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${base()}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(name));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('the comments document and the commenter role', () => {
  it("refuses a commenter's text edit (not applied, relayed or stored; the socket stays) and accepts its comments", async () => {
    const doc = await createDocument();
    const comments = commentsDocumentName(doc.id);
    const editor = client(doc.id, doc.editToken);
    const editorComments = client(comments, doc.editToken);
    await Promise.all([waitForSync(editor), waitForSync(editorComments)]);
    editor.doc.getText('t').insert(0, 'the text');
    await whenSaved(editor);

    const { token } = await commentLink(doc);
    const commenter = client(doc.id, token);
    const commenterCloses = closesOf(commenter);
    await waitForSync(commenter);
    expect(textOf(commenter)).toBe('the text');
    commenter.doc.getText('t').insert(0, 'FORBIDDEN ');
    commenter.doc.getText('t').insert(0, 'AGAIN ');
    // The pong comes after everything the server did with the edits; the editor's after any relay of them.
    await roundTrip(commenter);
    await roundTrip(editor);
    expect(textOf(editor)).toBe('the text');
    expect(commenter.wsconnected).toBe(true);
    expect(commenterCloses).toEqual([]);
    expect(await metric('tandem_refused_updates_total{role="comment"}')).toBeGreaterThanOrEqual(1);

    // Its comment data, on the comments document, is accepted, relayed and stored.
    const commenterComments = client(comments, token);
    await waitForSync(commenterComments);
    addThread(commenterComments, 'thread-1', 'a question');
    await whenSaved(commenterComments);
    await waitFor(() => threadIds(editorComments.doc).includes('thread-1'), { what: "the editor to see the commenter's thread" });
    editor.doc.getText('t').insert(editor.doc.getText('t').length, ', edited on');
    await whenSaved(editor);
    expect(textOf(commenter)).toBe('AGAIN FORBIDDEN the text, edited on'); // its own copy; nobody else's
    expect(commenterCloses).toEqual([]);

    destroyAll(fixture.providers.splice(0));
    await fixture.server.stop();
    expect(await storedText(fixture.dataDir, doc.id)).toBe('the text, edited on');
    expect(threadIds(await storedDocument(comments))).toEqual(['thread-1']);
    await fixture.start({ AUTH: 'on' });
    const reader = client(doc.id, doc.viewToken);
    await waitForSync(reader);
    expect(textOf(reader)).toBe('the text, edited on');
  });

  it('refuses a view link on the comments document with 4403 and not a byte of it; its text connection works', async () => {
    const doc = await createDocument();
    const comments = commentsDocumentName(doc.id);
    const editorComments = client(comments, doc.editToken);
    await waitForSync(editorComments);
    addThread(editorComments, 'secret-thread', 'not for viewers');
    await whenSaved(editorComments);

    const refused = await rawConnect(comments, `?token=${doc.viewToken}`);
    expect({ code: refused.code, reason: refused.reason }).toEqual({ code: CloseCode.Forbidden, reason: COMMENTS_REFUSED });
    expect(refused.messages).toEqual([{ type: 'permission-denied', reason: COMMENTS_REFUSED }]);

    // Over the HTTP fallback too: the session ends at once, before any frame of the document.
    const poll = await openFallback(comments, doc.viewToken);
    const ended = await waitFor(async () => {
      const answer = await poll();
      if (answer.status === 200) {
        for (const message of (answer as { messages: Message[] }).messages) expect(message.type).toBe('permission-denied');
        return null;
      }
      return answer;
    }, { what: 'the fallback refusal' });
    expect(ended).toEqual({ status: 410, body: expect.objectContaining({ code: CloseCode.Forbidden, reason: COMMENTS_REFUSED }) });

    const viewer = client(doc.id, doc.viewToken);
    const editor = client(doc.id, doc.editToken);
    await Promise.all([waitForSync(viewer), waitForSync(editor)]);
    editor.doc.getText('t').insert(0, 'visible');
    await waitFor(() => textOf(viewer) === 'visible', { what: 'the viewer to read the text' });
  });

  it('lets an edit link write both the text and the comments, over WebSocket and the HTTP fallback', async () => {
    const doc = await createDocument();
    const comments = commentsDocumentName(doc.id);
    const editor = client(doc.id, doc.editToken);
    const editorComments = client(comments, doc.editToken);
    const other = client(comments, doc.ownerToken);
    await Promise.all([waitForSync(editor), waitForSync(editorComments), waitForSync(other)]);
    editor.doc.getText('t').insert(0, 'text');
    addThread(editorComments, 'by-editor', 'looks good');
    await Promise.all([whenSaved(editor), whenSaved(editorComments)]);
    await waitFor(() => threadIds(other.doc).includes('by-editor'), { what: 'the owner to see the thread' });
    // An operator tells the two kinds of connection apart: one to the text, two to its comments.
    expect(await metric('tandem_connections_by_document{document="text"}')).toBe(1);
    expect(await metric('tandem_connections_by_document{document="comments"}')).toBe(2);

    const { token } = await commentLink(doc);
    const poll = await openFallback(comments, token);
    const first = await poll();
    expect(first.status).toBe(200);
    expect((first as { messages: Message[] }).messages.map((message) => message.type)).toContain('sync-step-1');
  });

  it("closes a revoked comment link's text and comments connections; the editor's stay", async () => {
    const doc = await createDocument();
    const link = await commentLink(doc);
    const text = client(doc.id, link.token);
    const comments = client(commentsDocumentName(doc.id), link.token);
    const editorComments = client(commentsDocumentName(doc.id), doc.editToken);
    const textCloses = closesOf(text);
    const commentCloses = closesOf(comments);
    const editorCloses = closesOf(editorComments);
    await Promise.all([waitForSync(text), waitForSync(comments), waitForSync(editorComments)]);

    const response = await fetch(`${base()}/docs/${doc.id}/links/${link.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${doc.ownerToken}` } });
    expect(response.status).toBe(204);
    await waitFor(() => textCloses.length > 0 && commentCloses.length > 0, { timeoutMs: 2_000, what: 'both connections of the link to close' });
    const revoked = { code: CloseCode.Forbidden, reason: 'this link was revoked' };
    expect([textCloses[0], commentCloses[0]]).toEqual([revoked, revoked]);
    await roundTrip(editorComments);
    expect(editorCloses).toEqual([]);
    expect((await rawConnect(commentsDocumentName(doc.id), `?token=${link.token}`)).reason).toBe('this link was revoked');
  });

  it("refuses another document's token, a forged one and none on the comments document", async () => {
    const doc = await createDocument();
    const other = await createDocument();
    const comments = commentsDocumentName(doc.id);
    const forged = doc.editToken.slice(0, 30) + (doc.editToken[30] === 'A' ? 'B' : 'A') + doc.editToken.slice(31);
    for (const token of [other.editToken, other.ownerToken, forged]) {
      const refused = await rawConnect(comments, `?token=${token}`);
      expect({ code: refused.code, reason: refused.reason }).toEqual({ code: CloseCode.Forbidden, reason: 'this link is not valid for this document' });
      expect(refused.messages.every((message) => message.type === 'permission-denied')).toBe(true);
    }
    expect((await rawConnect(comments, '')).code).toBe(CloseCode.Unauthorized);
  });

  it('answers 404 for a comments document on the document API, version and links routes', async () => {
    const doc = await createDocument();
    const name = encodeURIComponent(commentsDocumentName(doc.id));
    const auth = { Authorization: `Bearer ${doc.ownerToken}` };
    const requests: Array<[string, RequestInit]> = [
      [`/docs/${name}`, { headers: auth }],
      [`/docs/${name}/content`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/markdown' }, body: 'written into comments' }],
      [`/docs/${name}/versions`, { headers: auth }],
      [`/docs/${name}/versions`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"name":"v"}' }],
      [`/docs/${name}/versions/1`, { headers: auth }],
      [`/docs/${name}/links`, { headers: auth }],
      [`/docs/${name}/links`, { method: 'POST', headers: auth }],
    ];
    for (const [url, init] of requests) {
      expect((await fetch(`${base()}${url}`, init)).status, `${init.method ?? 'GET'} ${url}`).toBe(404);
    }
  });
});
