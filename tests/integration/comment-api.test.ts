/**
 * The comment routes against a real server on 127.0.0.1, with stock y-websocket clients on the text
 * and on its comments document (`<id>/comments`): a comment made through the API reaches a connected
 * client live, one a client writes is listed by the API, threads come in document order and become
 * detached when the API's content route deletes their text, and every refusal has its status.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { readThreads, createThread } from '../../lib/comments/comment-store';
import { commentsDocumentName } from '../../lib/comments/comments-document';
import { anchorForQuote } from '../../lib/comments/thread-anchor';
import { parseContent, writeDocument } from '../../lib/editor/document-import';
import { CONTENT_FIELD } from '../../lib/editor/schema';
import { waitFor } from '../helpers/poll';
import { connectClient, destroyAll, makeTempDir, removeDir, roundTrip, startServer, waitForSync, type InProcessServer } from '../helpers/server-harness';

interface CreatedDocument {
  readonly id: string;
  readonly ownerToken: string;
  readonly editToken: string;
  readonly commentToken: string;
  readonly viewToken: string;
}

interface ThreadJson {
  readonly id: string;
  readonly quote: string;
  readonly resolved: boolean;
  readonly detached: boolean;
  readonly createdAt: string;
  readonly comments: readonly { id: string; author: { name: string; color: string }; body: string; createdAt: string; editedAt: string | null; deleted: boolean }[];
}

let dataDir: string;
let server: InProcessServer;
const providers: WebsocketProvider[] = [];

beforeEach(async () => {
  dataDir = await makeTempDir();
  server = await startServer(dataDir, { AUTH: 'on', MAX_API_BODY_BYTES: String(1024 * 1024) });
});

afterEach(async () => {
  destroyAll(providers.splice(0));
  await server.stop();
  await removeDir(dataDir);
});

async function createDocument(): Promise<CreatedDocument> {
  const response = await fetch(`http://127.0.0.1:${server.port}/docs`, { method: 'POST' });
  expect(response.status).toBe(201);
  return (await response.json()) as CreatedDocument;
}

function api(path: string, init: { method?: string; token?: string; json?: unknown; body?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.Authorization = `Bearer ${init.token}`;
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`http://127.0.0.1:${server.port}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}

function connect(name: string, token: string, doc = new Y.Doc()): WebsocketProvider {
  const provider = connectClient(server.url, name, doc, { token });
  providers.push(provider);
  return provider;
}

/** A document whose text reads `markdown`, written by an editor that stays connected. */
async function documentWithText(markdown: string): Promise<{ created: CreatedDocument; text: WebsocketProvider }> {
  const created = await createDocument();
  const text = connect(created.id, created.editToken);
  await waitForSync(text);
  writeDocument(text.doc, { title: '', content: parseContent(markdown, 'markdown') }, 'local');
  await roundTrip(text);
  return { created, text };
}

async function postThread(created: CreatedDocument, quote: string, body: string, token = created.commentToken, author?: unknown): Promise<ThreadJson> {
  const response = await api(`/docs/${created.id}/comments`, { token, json: { quote, body, ...(author === undefined ? {} : { author }) } });
  expect(response.status).toBe(201);
  return (await response.json()) as ThreadJson;
}

async function listThreads(created: CreatedDocument, token = created.commentToken): Promise<ThreadJson[]> {
  const response = await api(`/docs/${created.id}/comments`, { token });
  expect(response.status).toBe(200);
  return ((await response.json()) as { threads: ThreadJson[] }).threads;
}

describe('comment API: live', () => {
  it('a comment posted through the API reaches a client connected to the comments document', async () => {
    const { created } = await documentWithText('Hello brave new world.');
    const watcher = connect(commentsDocumentName(created.id), created.editToken);
    await waitForSync(watcher);
    const sentAt = Date.now();
    const thread = await postThread(created, 'brave new', 'Is it, though?', created.commentToken, { name: 'Ada', color: '#1f6feb' });
    const seen = await waitFor(() => readThreads(watcher.doc).find((stored) => stored.id === thread.id) ?? null, { timeoutMs: 5000, what: 'the thread on the client' });
    if (seen === null) throw new Error('unreachable: waitFor returns a found thread');
    const elapsedMs = Date.now() - sentAt;
    console.info(`comment API → connected client: ${elapsedMs} ms from request to the thread on the client`);
    expect(seen).toMatchObject({ quote: 'brave new', resolved: false, comments: [{ body: 'Is it, though?', author: { name: 'Ada', color: '#1f6feb' } }] });
    // The comment carries the link of the token that made it (what "my comment" is matched by), never shown by the API.
    const links = (await (await api(`/docs/${created.id}/links`, { token: created.ownerToken })).json()) as { links: { id: string; role: string }[] };
    const commentLink = links.links.find((link) => link.role === 'comment');
    expect(seen.comments[0]!.author.link).toBe(commentLink?.id);
    expect(JSON.stringify(thread)).not.toContain(commentLink!.id);

    const reply = await api(`/docs/${created.id}/comments/${thread.id}/replies`, { token: created.editToken, json: { body: 'It is.' } });
    expect(reply.status).toBe(201);
    expect(await reply.json()).toMatchObject({ body: 'It is.', author: { name: 'Anonymous', color: '#6b7280' }, editedAt: null, deleted: false });
    expect((await api(`/docs/${created.id}/comments/${thread.id}/resolve`, { token: created.commentToken, method: 'POST' })).status).toBe(200);
    await waitFor(() => readThreads(watcher.doc)[0]?.resolved === true && readThreads(watcher.doc)[0]?.comments.length === 2, { what: 'the reply and the resolve on the client' });
    const reopened = await api(`/docs/${created.id}/comments/${thread.id}/reopen`, { token: created.ownerToken, method: 'POST' });
    expect(reopened.status).toBe(200);
    expect(await reopened.json()).toMatchObject({ id: thread.id, resolved: false, detached: false, quote: 'brave new' });
    await waitFor(() => readThreads(watcher.doc)[0]?.resolved === false, { what: 'the reopen on the client' });
  });

  it('lists a thread a client wrote into the comments document, and keeps threads through a restart', async () => {
    const { created, text } = await documentWithText('The first line.\n\nThe second line.');
    const commenter = connect(commentsDocumentName(created.id), created.commentToken);
    await waitForSync(commenter);
    const anchor = anchorForQuote(text.doc.getXmlFragment(CONTENT_FIELD), 'second line')!;
    createThread(commenter.doc, { anchor, quote: 'second line', body: 'From the editor.', author: { name: 'Bo', color: '#d9480f' }, now: Date.UTC(2026, 0, 2) });
    await roundTrip(commenter);
    expect(await listThreads(created)).toMatchObject([
      { quote: 'second line', detached: false, createdAt: '2026-01-02T00:00:00.000Z', comments: [{ body: 'From the editor.', author: { name: 'Bo', color: '#d9480f' } }] },
    ]);
    destroyAll(providers.splice(0));
    await server.stop();
    server = await startServer(dataDir, { AUTH: 'on' });
    expect(await listThreads(created)).toMatchObject([{ quote: 'second line', detached: false, comments: [{ body: 'From the editor.' }] }]);
  });
});

describe('comment API: anchors', () => {
  it('lists threads in document order, and a thread whose text the content route deleted as detached with its last quote', async () => {
    const { created, text } = await documentWithText('Alpha one.\n\n- Beta two\n- Gamma three\n\nDelta four.');
    const delta = await postThread(created, 'Delta', 'd');
    const gamma = await postThread(created, 'Gamma three', 'g');
    const alpha = await postThread(created, 'Alpha', 'a');
    const twice = await postThread(created, 'one. Beta', 'spans a block boundary, found across it');
    expect(twice.quote).toBe('one.\nBeta');
    expect((await listThreads(created)).map((thread) => thread.id)).toEqual([alpha.id, twice.id, gamma.id, delta.id]);

    const replaced = await fetch(`http://127.0.0.1:${server.port}/docs/${created.id}/content?mode=replace`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${created.editToken}`, 'Content-Type': 'text/markdown' },
      body: 'Alpha one.\n\n- Beta two\n\nDelta four, and more.',
    });
    expect(replaced.status).toBe(200);
    await waitFor(() => !text.doc.getXmlFragment(CONTENT_FIELD).toString().includes('Gamma'), { what: 'the replaced text on the editor' });
    const threads = await listThreads(created, created.editToken);
    expect(threads.map((thread) => [thread.id, thread.quote, thread.detached])).toEqual([
      [alpha.id, 'Alpha', false],
      [twice.id, 'one.\nBeta', false],
      [delta.id, 'Delta', false],
      [gamma.id, 'Gamma three', true],
    ]);
  });
});

describe('comment API: refusals', () => {
  it('answers each refusal with its status and changes nothing', async () => {
    const { created } = await documentWithText('Some text here.');
    const path = `/docs/${created.id}/comments`;
    const ok = { quote: 'text', body: 'fine' };
    const status = async (response: Promise<Response>) => (await response).status;

    expect(await status(api(path, { json: ok }))).toBe(401);
    expect(await status(api(path))).toBe(401);
    expect(await status(api(path, { token: created.viewToken }))).toBe(403);
    const refused = await api(path, { token: created.viewToken, json: ok });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'comments need a comment, edit or owner link' });
    const other = await createDocument();
    expect(await status(api(path, { token: other.editToken, json: ok }))).toBe(403);
    expect(await status(api(path, { token: `${created.commentToken}x`, json: ok }))).toBe(403);

    const token = created.commentToken;
    expect(await status(api(path, { token, json: { quote: 'text', body: '   ' } }))).toBe(400);
    expect(await status(api(path, { token, json: { quote: 'text', body: 'x'.repeat(10_001) } }))).toBe(400);
    expect(await status(api(path, { token, json: { quote: 'text' } }))).toBe(400);
    expect(await status(api(path, { token, json: { quote: ' ', body: 'b' } }))).toBe(400);
    expect(await status(api(path, { token, json: { quote: 'text', body: 'b', author: { name: 'Ada', color: 'blue' } } }))).toBe(400);
    expect(await status(api(path, { token, json: { quote: 'text', body: 'b', author: 'Ada' } }))).toBe(400);
    expect(await status(api(path, { token, body: '{"quote": "text", ' }))).toBe(400);
    expect(await status(api(path, { token, json: ['quote', 'body'] }))).toBe(400);
    const oversize = await api(path, { token, json: { quote: 'text', body: 'x'.repeat(200 * 1024) } });
    expect(oversize.status).toBe(413);
    const missing = await api(path, { token, json: { quote: 'not in it', body: 'b' } });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toEqual({ error: 'the quote is not in the document' });
    expect(await status(api(`${path}/nope/replies`, { token, json: { body: 'b' } }))).toBe(404);
    expect(await status(api(`${path}/nope/resolve`, { token, method: 'POST' }))).toBe(404);
    expect(await status(api(`${path}/nope/reopen`, { token, method: 'POST' }))).toBe(404);
    expect(await status(api(path, { token, method: 'DELETE' }))).toBe(405);
    expect(await status(api(`${path}/nope/resolve`, { token }))).toBe(405);
    expect(await status(api(`/docs/${encodeURIComponent(commentsDocumentName(created.id))}/comments`, { token }))).toBe(404);
    expect(await listThreads(created)).toEqual([]);

    const thread = await postThread(created, 'text', 'the one that counts', token);
    expect(await status(api(`${path}/${thread.id}/replies`, { token, json: { body: '' } }))).toBe(400);
    expect(await status(api(`${path}/${thread.id}/replies`, { token: created.viewToken, json: { body: 'b' } }))).toBe(403);
    expect(await status(api(`${path}/${thread.id}/resolve`, { token: created.viewToken, method: 'POST' }))).toBe(403);
    expect(await listThreads(created)).toMatchObject([{ id: thread.id, resolved: false, comments: [{ body: 'the one that counts' }] }]);
  });

  it('takes a body of exactly 10,000 characters', async () => {
    const { created } = await documentWithText('Words.');
    const thread = await postThread(created, 'Words', 'y'.repeat(10_000));
    expect(thread.comments[0]!.body).toHaveLength(10_000);
  });
});
