import { stat } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo, type Socket as NetSocket } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { fetchShareLinks } from '../../lib/client/documents/share-links';
import { decodeMessage, type Message } from '../../lib/protocol/messages';
import { waitFor } from '../helpers/poll';
import {
  connectClient,
  destroyAll,
  freePort,
  storedText,
  textOf,
  waitForSync,
} from '../helpers/server-harness';
import { useServerPerTest } from '../helpers/server-per-test';

interface CreatedDocument {
  id: string;
  editToken: string;
  commentToken: string;
  viewToken: string;
}

const fixture = useServerPerTest();

async function start(env: Record<string, string> = {}): Promise<void> {
  await fixture.start({ AUTH: 'on', ...env });
}

async function postNewDocument(): Promise<CreatedDocument> {
  const response = await fetch(`http://127.0.0.1:${fixture.server.port}/docs`, { method: 'POST' });
  expect(response.status).toBe(201);
  return (await response.json()) as CreatedDocument;
}

function client(docId: string, token?: string): WebsocketProvider {
  const provider = connectClient(fixture.server.url, docId, new Y.Doc(), token === undefined ? {} : { token });
  fixture.providers.push(provider);
  return provider;
}

/** A raw socket: everything the server sends it, and how it was closed. */
async function rawConnect(docId: string, query: string): Promise<{ messages: Message[]; code: number; reason: string }> {
  const socket = new WebSocket(`${fixture.server.url}/${docId}${query}`);
  const messages: Message[] = [];
  socket.on('message', (data: Buffer) => messages.push(decodeMessage(new Uint8Array(data))));
  socket.on('error', () => undefined);
  const { code, reason } = await new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (closeCode, closeReason) => resolve({ code: closeCode, reason: closeReason.toString() })),
  );
  return { messages, code, reason };
}

describe('share links', () => {
  it('POST /docs creates a document with an unguessable id and working edit and view links', async () => {
    await start();
    const created = await postNewDocument();
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{22}$/); // 16 random bytes = 128 bits, URL-safe
    expect(created.editToken).not.toBe(created.viewToken);
    const editor = client(created.id, created.editToken);
    await waitForSync(editor);
    editor.doc.getText('t').insert(0, 'shared');
    const viewer = client(created.id, created.viewToken);
    await waitFor(() => textOf(viewer) === 'shared', { what: 'viewer reads' });
    const health = (await (await fetch(`http://127.0.0.1:${fixture.server.port}/healthz`)).json()) as { auth: string };
    expect(health.auth).toBe('on');
  });

  it('refuses missing, forged, other-document and garbage tokens without sending any of the document', async () => {
    await start();
    const target = await postNewDocument();
    const other = await postNewDocument();
    const writer = client(target.id, target.editToken);
    await waitForSync(writer);
    writer.doc.getText('t').insert(0, 'secret content');
    await waitFor(async () => fixture.server.server.health().storage.pendingUpdates === 0);

    const forged = target.editToken.slice(0, 20) + (target.editToken[20] === 'A' ? 'B' : 'A') + target.editToken.slice(21);
    const attempts: Array<{ name: string; query: string; code: number }> = [
      { name: 'no token', query: '', code: 4401 },
      { name: 'empty token', query: '?token=', code: 4401 },
      { name: 'forged token', query: `?token=${forged}`, code: 4403 },
      { name: "another document's token", query: `?token=${other.editToken}`, code: 4403 },
      { name: 'garbage 300-character token', query: `?token=${'x'.repeat(300)}`, code: 4403 },
    ];
    for (const attempt of attempts) {
      const result = await rawConnect(target.id, attempt.query);
      expect(result.code, attempt.name).toBe(attempt.code);
      // One message only: permission denied. No state vector, no update, no presence.
      expect(result.messages.map((m) => m.type), attempt.name).toEqual(['permission-denied']);
    }
    const reader = client(target.id, target.editToken);
    await waitForSync(reader);
    expect(textOf(reader)).toBe('secret content');
  });

  it('a stock client with a bad token stops retrying (44xx is permanent)', async () => {
    await start();
    const created = await postNewDocument();
    const intruder = client(created.id, 'x'.repeat(54));
    let closes = 0;
    intruder.on('connection-close', () => closes++);
    await waitFor(() => closes >= 1, { what: 'refused' });
    // Proving an absence takes a wait: a retry the client does not make has no event. 1.5 s is
    // several of its backoff windows (maxBackoffTime 300 ms).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(closes).toBe(1);
    expect(intruder.synced).toBe(false);
  });

  it('a view token follows live edits but its own edits are refused, not broadcast and not stored', async () => {
    await start();
    const created = await postNewDocument();
    const editor = client(created.id, created.editToken);
    const viewer = client(created.id, created.viewToken);
    const bystander = client(created.id, created.editToken);
    await Promise.all([waitForSync(editor), waitForSync(viewer), waitForSync(bystander)]);
    viewer.awareness.setLocalStateField('user', { name: 'Viewer' });
    await waitFor(() => [...editor.awareness.getStates().values()].some((s) => s.user?.name === 'Viewer'), {
      what: 'viewer appears in presence',
    });

    editor.doc.getText('t').insert(0, 'from the editor');
    await waitFor(() => textOf(viewer) === 'from the editor', { what: 'viewer follows live' });
    viewer.doc.getText('t').insert(0, 'VANDALISM ');
    editor.doc.getText('t').insert(textOf(editor).length, '!');
    await waitFor(() => textOf(bystander) === 'from the editor!');
    expect(textOf(editor)).toBe('from the editor!');

    destroyAll(fixture.providers.splice(0));
    await fixture.server.stop();
    expect(await storedText(fixture.dataDir, created.id)).toBe('from the editor!');
    await start();
  });

  it('share links: an editor gets the edit, comment and view links, a viewer only the view link, a stranger nothing', async () => {
    await start();
    const created = await postNewDocument();
    const links = (token: string | null) =>
      fetch(`http://127.0.0.1:${fixture.server.port}/docs/${created.id}/links`, {
        method: 'POST',
        headers: token === null ? {} : { Authorization: `Bearer ${token}` },
      });
    const asEditor = await links(created.editToken);
    expect(asEditor.status).toBe(200);
    // Superset of today's answer: POST /docs adds the owner's token, which is never handed on.
    expect(await asEditor.json()).toEqual({ id: created.id, editToken: created.editToken, commentToken: created.commentToken, viewToken: created.viewToken });
    const asViewer = await links(created.viewToken);
    expect(await asViewer.json()).toEqual({ id: created.id, viewToken: created.viewToken });
    expect((await links('x'.repeat(54))).status).toBe(401); // not a genuine token: unauthenticated
    expect((await links(null)).status).toBe(401);
  });

  it('rate-limits document creation per client address', async () => {
    await start({ DOC_CREATE_BURST: '3', DOC_CREATE_PER_MINUTE: '1' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await fetch(`http://127.0.0.1:${fixture.server.port}/docs`, { method: 'POST' })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
  });

  it('generates the secret once into DATA_DIR (mode 0600), reuses it, and rotating it revokes links', async () => {
    await start();
    const created = await postNewDocument();
    const secretFile = path.join(fixture.dataDir, 'auth-secret');
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    await fixture.server.stop();

    await start();
    const again = client(created.id, created.editToken);
    await waitForSync(again);
    destroyAll(fixture.providers.splice(0));
    await fixture.server.stop();

    await start({ AUTH_SECRET: 'a-brand-new-secret-after-rotation' });
    const revoked = await rawConnect(created.id, `?token=${created.editToken}`);
    expect(revoked.code).toBe(4403);
  });

  it('AUTH=off opens every path to everyone, as the reference server does', async () => {
    await start({ AUTH: 'off' });
    const anyone = client('any-name-at-all');
    await waitForSync(anyone);
    anyone.doc.getText('t').insert(0, 'open');
    const other = client('any-name-at-all');
    await waitFor(() => textOf(other) === 'open');
  });
});

describe('the client asking for share links', () => {
  it('gets both links for an edit token and only the view link for a view token', async () => {
    await start();
    const created = await postNewDocument();
    const base = `http://127.0.0.1:${fixture.server.port}`;
    const forEditor = await fetchShareLinks(base, 'http://app.test', created.id, created.editToken);
    expect(forEditor.editLink).toMatch(new RegExp(`^http://app.test/d/${created.id}#token=`));
    expect(forEditor.viewLink).toMatch(new RegExp(`^http://app.test/d/${created.id}#token=`));
    const forViewer = await fetchShareLinks(base, 'http://app.test', created.id, created.viewToken);
    expect(forViewer.editLink).toBeNull();
    expect(forViewer.viewLink).toBe(forEditor.viewLink);
    await expect(fetchShareLinks(base, 'http://app.test', 'other-document', created.editToken)).rejects.toThrow('This link does not allow sharing.');
  });

  it('says so, instead of waiting forever, when the server is down or does not answer', async () => {
    await start();
    const down = await freePort();
    await expect(fetchShareLinks(`http://127.0.0.1:${down}`, 'http://app.test', 'd', 't')).rejects.toThrow('cannot be reached');
    // A server that accepts the connection and never answers.
    const held: NetSocket[] = [];
    const silent = createNetServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      await expect(
        fetchShareLinks(`http://127.0.0.1:${silentPort}`, 'http://app.test', 'd', 't', { timeoutMs: 300 }),
      ).rejects.toThrow('did not answer within');
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });
});
