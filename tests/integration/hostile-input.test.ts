import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { encodeAwarenessUpdate } from '../../lib/protocol/awareness';
import { encodeAwarenessMessage, encodeSyncUpdate } from '../../lib/protocol/messages';
import { waitFor } from '../helpers/poll';
import {
  connectClient,
  destroyAll,
  makeTempDir,
  removeDir,
  startServer,
  textOf,
  waitForSync,
  type InProcessServer,
} from '../helpers/server-harness';

const MAX_MESSAGE_BYTES = 256 * 1024;

let dataDir: string;
let server: InProcessServer;
let alice: WebsocketProvider;
let bob: WebsocketProvider;

beforeAll(async () => {
  dataDir = await makeTempDir();
  server = await startServer(dataDir, {
    MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    MAX_AWARENESS_STATE_BYTES: '1024',
  });
  alice = connectClient(server.url, 'target');
  bob = connectClient(server.url, 'target');
  await Promise.all([waitForSync(alice), waitForSync(bob)]);
  alice.doc.getText('t').insert(0, 'intact');
  await waitFor(() => textOf(bob) === 'intact');
});

afterAll(async () => {
  destroyAll([alice, bob]);
  await server.stop();
  await removeDir(dataDir);
});

/** Opens a raw socket to the document, sends `frame` once the server has greeted it, and reports the close. */
async function sendHostile(frame: Uint8Array | string): Promise<{ code: number; reason: string }> {
  const socket = new WebSocket(`${server.url}/target`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('message', () => resolve());
    socket.once('close', () => reject(new Error('closed before the greeting')));
  });
  socket.send(frame);
  return closed;
}

function garbageUpdate(): Uint8Array {
  return encodeSyncUpdate(Uint8Array.of(1, 1, 200, 1, 0, 0x0b, 9, 9, 9));
}

function hugeAwarenessState(): Uint8Array {
  const state = JSON.stringify({ user: { name: 'x'.repeat(4000) } });
  return encodeAwarenessMessage(encodeAwarenessUpdate([{ clientId: 7, clock: 1, state }]));
}

const hostileFrames: Array<{ name: string; frame: () => Uint8Array | string; code: number }> = [
  { name: 'text frame', frame: () => 'hello', code: 1003 },
  { name: 'empty binary frame', frame: () => new Uint8Array(0), code: 1002 },
  { name: 'bad varint (never terminates)', frame: () => Uint8Array.of(0xff, 0xff, 0xff, 0xff), code: 1002 },
  { name: 'unknown message type', frame: () => Uint8Array.of(77, 1, 2), code: 1002 },
  { name: 'unknown sync step', frame: () => Uint8Array.of(0, 5, 0), code: 1002 },
  { name: 'truncated payload', frame: () => Uint8Array.of(0, 2, 100, 1, 2, 3), code: 1002 },
  { name: 'trailing bytes', frame: () => Uint8Array.of(3, 0, 0), code: 1002 },
  { name: 'garbage update', frame: garbageUpdate, code: 1007 },
  { name: 'garbage state vector', frame: () => Uint8Array.of(0, 0, 3, 9, 1, 1), code: 1007 },
  { name: 'awareness with invalid JSON', frame: () => Uint8Array.of(1, 6, 1, 7, 1, 2, 0x7b, 0x22), code: 1007 },
  { name: 'awareness state over the size limit', frame: hugeAwarenessState, code: 1009 },
  { name: 'frame over MAX_MESSAGE_BYTES', frame: () => new Uint8Array(MAX_MESSAGE_BYTES + 1), code: 1009 },
  { name: 'server-to-client message sent by a client', frame: () => Uint8Array.of(2, 0, 1, 0x78), code: 1002 },
];

describe('hostile frames over real sockets', () => {
  for (const hostile of hostileFrames) {
    it(`${hostile.name} → close ${hostile.code}; server, document and other clients unaffected`, async () => {
      const result = await sendHostile(hostile.frame());
      expect(result.code).toBe(hostile.code);

      const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(health.status).toBe(200);
      expect(alice.wsconnected && bob.wsconnected).toBe(true);
      const marker = `.${hostile.code}`;
      alice.doc.getText('t').insert(textOf(alice).length, marker);
      await waitFor(() => textOf(bob) === textOf(alice), { what: 'others still in sync' });
      expect(textOf(bob).startsWith('intact')).toBe(true);
    });
  }

  it('a fresh reader sees exactly what the honest clients wrote', async () => {
    const reader = connectClient(server.url, 'target', new Y.Doc());
    try {
      await waitForSync(reader);
      await waitFor(() => textOf(reader) === textOf(alice), { what: 'reader content' });
    } finally {
      reader.destroy();
    }
  });

  it('rejects an upgrade without a document name with HTTP 400', async () => {
    const socket = new WebSocket(`${server.url}/`);
    const status = await new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('error', () => undefined);
    });
    expect(status).toBe(400);
  });
});
