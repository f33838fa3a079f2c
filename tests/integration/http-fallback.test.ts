/**
 * The HTTP fallback transport against a real server on 127.0.0.1: the same protocol as the socket,
 * in batches over plain requests, next to stock WebSocket clients of the same document; and what
 * hostile requests get (a clear 4xx, and nothing changes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { CloseCode } from '../../lib/protocol/close-codes';
import { decodeFrameBatch, encodeFrameBatch } from '../../lib/protocol/frame-batch';
import { decodeMessage, encodeSaveRequest, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate, type Message } from '../../lib/protocol/messages';
import { waitFor } from '../helpers/poll';
import { connectClient, destroyAll, makeTempDir, removeDir, startServer, textOf, waitForSync, type InProcessServer } from '../helpers/server-harness';

const servers: InProcessServer[] = [];
const dirs: string[] = [];
const providers: WebsocketProvider[] = [];

afterEach(async () => {
  destroyAll(providers.splice(0));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  await Promise.all(dirs.splice(0).map(removeDir));
});

async function start(env: Record<string, string> = {}): Promise<InProcessServer> {
  const dir = await makeTempDir();
  dirs.push(dir);
  const server = await startServer(dir, env);
  servers.push(server);
  return server;
}

/** A fallback client by hand: opens a session, posts numbered batches, polls for frames. */
class PollClient {
  private nextBatch = 0;
  private after = -1;
  readonly received: Message[] = [];

  private constructor(
    readonly base: string,
    readonly docPath: string,
    readonly session: string,
  ) {}

  static async open(server: InProcessServer, doc: string, query = ''): Promise<PollClient> {
    const response = await fetch(`http://127.0.0.1:${server.port}/_poll/${encodeURIComponent(doc)}${query}`, { method: 'POST' });
    expect(response.status).toBe(200);
    const { session } = (await response.json()) as { session: string };
    return new PollClient(`http://127.0.0.1:${server.port}`, `/_poll/${encodeURIComponent(doc)}`, session);
  }

  url(extra = ''): string {
    return `${this.base}${this.docPath}/${this.session}${extra}`;
  }

  async post(frames: Uint8Array[], seq = this.nextBatch): Promise<Response> {
    const response = await fetch(this.url(`?seq=${seq}`), { method: 'POST', body: Buffer.from(encodeFrameBatch(seq, frames)) });
    if (response.status === 204 && seq === this.nextBatch) this.nextBatch++;
    return response;
  }

  /** One poll; returns its status (frames are decoded into `received`). */
  async poll(after = this.after): Promise<{ status: number; body: unknown }> {
    const response = await fetch(this.url(`?after=${after}`));
    if (response.status !== 200) return { status: response.status, body: await response.json() };
    const batch = decodeFrameBatch(new Uint8Array(await response.arrayBuffer()));
    batch.frames.forEach((frame) => this.received.push(decodeMessage(frame)));
    this.after = batch.seq + batch.frames.length - 1;
    return { status: 200, body: batch };
  }

  async pollUntil(check: () => boolean, what: string): Promise<void> {
    await waitFor(
      async () => {
        if (check()) return true;
        const { status } = await this.poll();
        if (status !== 200) throw new Error(`${what}: poll answered ${status}`);
        return check();
      },
      { what },
    );
  }
}

function textUpdate(text: string, doc = new Y.Doc()): Uint8Array {
  const t = doc.getText('t');
  const before = Y.encodeStateVector(doc);
  t.insert(t.length, text);
  return Y.encodeStateAsUpdate(doc, before);
}

describe('HTTP fallback transport', () => {
  it('syncs with socket clients of the same document, both ways, and acknowledges saves', async () => {
    const server = await start({ HTTP_FALLBACK_POLL_MS: '500' });
    const socket = connectClient(server.url, 'shared');
    providers.push(socket);
    await waitForSync(socket);
    socket.doc.getText('t').insert(0, 'from the socket. ');

    const poll = await PollClient.open(server, 'shared');
    const doc = new Y.Doc();
    // The server's greeting: its state vector, then what it has for an empty one.
    await poll.post([encodeSyncStep1(Y.encodeStateVector(doc))]);
    await poll.pollUntil(() => poll.received.some((message) => message.type === 'sync-step-2'), 'the server state');
    for (const message of poll.received) if (message.type === 'sync-step-2') Y.applyUpdate(doc, message.update);
    expect(doc.getText('t').toString()).toBe('from the socket. ');

    await poll.post([encodeSyncUpdate(textUpdate('from HTTP.', doc)), encodeSaveRequest(7)]);
    await waitFor(() => textOf(socket) === 'from the socket. from HTTP.', { what: 'the socket client to see the HTTP edit' });
    await poll.pollUntil(() => poll.received.some((message) => message.type === 'saved' && message.requestId === 7), 'the save acknowledgement');

    socket.doc.getText('t').insert(0, '>');
    await poll.pollUntil(() => poll.received.some((message) => message.type === 'sync-update'), 'the socket edit');
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(metrics).toMatch(/tandem_connections_by_transport\{transport="http"\} 1/);
    expect(metrics).toMatch(/tandem_connections_by_transport\{transport="websocket"\} 1/);
  });

  it('loses nothing when a response is lost: frames stay until acknowledged, a repeated batch is applied once', async () => {
    const server = await start({ HTTP_FALLBACK_POLL_MS: '300' });
    const poll = await PollClient.open(server, 'resend');
    const first = (await poll.poll(-1)).body as { seq: number; frames: Uint8Array[] };
    expect(first.frames.length).toBeGreaterThan(0);
    // The same question again (its answer was lost): the same frames again.
    expect(((await poll.poll(-1)).body as { frames: Uint8Array[] }).frames).toEqual(first.frames);

    const update = encodeSyncUpdate(textUpdate('once'));
    expect((await poll.post([update], 0)).status).toBe(204);
    const again = await poll.post([update], 0); // its answer was lost: the client repeats it
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: 'batch 0 already received', expected: 1 });
    const reader = connectClient(server.url, 'resend');
    providers.push(reader);
    await waitForSync(reader);
    expect(textOf(reader)).toBe('once');
  });

  it('answers hostile requests with a clear 4xx and changes nothing', async () => {
    const server = await start({ HTTP_FALLBACK_POLL_MS: '300', MAX_MESSAGE_BYTES: '4096' });
    const poll = await PollClient.open(server, 'target');
    const other = await PollClient.open(server, 'other');
    const base = `http://127.0.0.1:${server.port}`;
    const cases: Array<[string, RequestInit, number, RegExp]> = [
      [`/_poll/target/not-a-session?after=-1`, {}, 404, /unknown session/],
      // Another document's session is unknown under this document's path.
      [`/_poll/target/${other.session}?after=-1`, {}, 404, /unknown session/],
      [`/_poll/target/${poll.session}?after=abc`, {}, 400, /after is/],
      [`/_poll/target/${poll.session}?after=99`, {}, 400, /never sent/],
      [`/_poll/target/${poll.session}?seq=0`, { method: 'POST', body: Buffer.from([0, 9, 1]) }, 400, /runs past the end/],
      [`/_poll/target/${poll.session}?seq=0`, { method: 'POST', body: Buffer.from(encodeFrameBatch(1, [])) }, 400, /the URL says 0/],
      [`/_poll/target/${poll.session}?seq=5`, { method: 'POST', body: Buffer.from(encodeFrameBatch(5, [encodeSyncUpdate(textUpdate('skipped'))])) }, 409, /out of order/],
      [`/_poll/target/${poll.session}?seq=0`, { method: 'PUT' }, 405, /not allowed/],
      [`/_poll/target`, { method: 'GET' }, 405, /POST/],
      [`/_poll/%00bad`, { method: 'POST' }, 400, /document name/],
    ];
    for (const [path, init, status, message] of cases) {
      const response = await fetch(`${base}${path}`, init);
      expect(response.status, `${init.method ?? 'GET'} ${path}`).toBe(status);
      expect(((await response.json()) as { error: string }).error, path).toMatch(message);
    }
    // None of it touched the document, and both sessions still work.
    expect((await poll.post([encodeSyncUpdate(textUpdate('fine'))])).status).toBe(204);
    const reader = connectClient(server.url, 'target');
    providers.push(reader);
    await waitForSync(reader);
    expect(textOf(reader)).toBe('fine');
    expect((await other.poll()).status).toBe(200);

    // An oversized body ends that session as an oversized frame ends a socket: 1009.
    const big = await fetch(poll.url('?seq=1'), { method: 'POST', body: Buffer.alloc(8192) });
    expect(big.status).toBe(413);
    // Frames sent before the close are read first, then the close itself.
    let closed = await poll.poll();
    for (let i = 0; i < 10 && closed.status === 200; i++) closed = await poll.poll();
    expect(closed.status).toBe(410);
    expect(closed.body).toMatchObject({ code: CloseCode.MessageTooBig });
    expect((await poll.poll()).status).toBe(404); // and then it is gone
    expect((await other.poll()).status).toBe(200);
  });

  it('closes a session whose frame is malformed, as a socket, and the document and others carry on', async () => {
    const server = await start({ HTTP_FALLBACK_POLL_MS: '300' });
    const reader = connectClient(server.url, 'doc');
    providers.push(reader);
    await waitForSync(reader);
    const poll = await PollClient.open(server, 'doc');
    expect((await poll.post([encodeSyncUpdate(Uint8Array.of(0xff, 0xff, 0xff))])).status).toBe(204);
    await waitFor(async () => (await poll.poll()).status === 410, { what: 'the session to close' });
    reader.doc.getText('t').insert(0, 'still here');
    const second = await PollClient.open(server, 'doc');
    await second.post([encodeSyncStep1(new Uint8Array([0]))]);
    await second.pollUntil(
      () => second.received.some((message) => message.type === 'sync-step-2' && textOfUpdate(message.update) === 'still here'),
      'the document to carry on',
    );
  });

  it('enforces share links exactly as the socket does: no token, no session; a view link reads only', async () => {
    const server = await start({ AUTH: 'on' });
    const refused = await fetch(`http://127.0.0.1:${server.port}/_poll/secret`, { method: 'POST' });
    // Admitted only to be told why, as a refused socket is: the permission message, then 4401.
    expect(refused.status).toBe(200);
    const { id, editToken, viewToken } = server.server.access.newDocument();
    const anonymous = await PollClient.open(server, id);
    await waitFor(async () => (await anonymous.poll()).status === 410, { what: 'the refusal' });
    expect(anonymous.received.map((message) => message.type)).toEqual(['permission-denied']);

    const editor = connectClient(server.url, id, new Y.Doc(), { token: editToken });
    providers.push(editor);
    await waitForSync(editor);
    editor.doc.getText('t').insert(0, 'by the editor');
    const viewer = await PollClient.open(server, id, `?token=${viewToken}`);
    await viewer.post([encodeSyncUpdate(textUpdate('by the viewer'))]);
    await viewer.pollUntil(() => viewer.received.some((message) => message.type === 'permission-denied'), 'the read-only notice');
    await viewer.post([encodeSyncStep1(new Uint8Array([0]))]);
    await viewer.pollUntil(() => viewer.received.some((message) => message.type === 'sync-step-2'), 'the content');
    const state = viewer.received.filter((message) => message.type === 'sync-step-2').at(-1)!;
    expect(textOfUpdate((state as { update: Uint8Array }).update)).toBe('by the editor');
    expect(textOf(editor)).toBe('by the editor');
  });

  it('drops a session nobody polls any more, as a socket that stopped answering pings', async () => {
    const server = await start({ HTTP_FALLBACK_POLL_MS: '200', HTTP_FALLBACK_IDLE_MS: '400' });
    const poll = await PollClient.open(server, 'idle');
    expect((await poll.poll()).status).toBe(200);
    expect(server.server.health().connections).toBe(1);
    await waitFor(() => server.server.health().connections === 0, { what: 'the idle session to go' });
    expect((await poll.poll()).status).toBe(404);
  });
});

function textOfUpdate(update: Uint8Array): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc.getText('t').toString();
}
