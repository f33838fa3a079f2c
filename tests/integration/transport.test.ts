import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSystemScheduler } from '../../sync-server/scheduler';
import type { Socket } from '../../sync-server/connection/socket';
import { WebSocketTransport } from '../../sync-server/edge/transport';
import { waitFor } from '../helpers/poll';

let httpServer: Server | null = null;
let transport: WebSocketTransport<null> | null = null;

afterEach(async () => {
  transport?.close();
  await new Promise<void>((resolve) => (httpServer ? httpServer.close(() => resolve()) : resolve()));
  httpServer = null;
  transport = null;
});

/** A transport on 127.0.0.1 whose sockets the test drives directly. */
async function listen(): Promise<{ url: string; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  httpServer = createServer();
  transport = new WebSocketTransport<null>(httpServer, {
    maxPayload: 1024,
    pingIntervalMs: 60_000,
    scheduler: createSystemScheduler(),
    decideUpgrade: () => ({ accept: true, context: null }),
    accept: (socket) => {
      accepted.push(socket);
      return { onFrame: () => undefined, onTransportError: () => undefined, onPingTimeout: () => undefined, onClose: () => undefined };
    },
  });
  await new Promise<void>((resolve) => httpServer!.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/doc`, accepted };
}

describe('transport', () => {
  it('writes the frames of one turn together, and a close frame even when the socket is dropped in that turn', async () => {
    const { url, accepted } = await listen();
    const client = new WebSocket(url);
    const received: number[][] = [];
    let closeCode: number | null = null;
    client.on('message', (data: Buffer) => received.push([...data]));
    client.on('close', (code) => (closeCode = code));
    await waitFor(() => accepted.length === 1, { what: 'accepted' });
    const socket = accepted[0]!;

    // Sent in one turn: nothing leaves before its end, then everything does, in order.
    socket.send(Uint8Array.of(1));
    socket.send(Uint8Array.of(2));
    expect(socket.bufferedAmount).toBeGreaterThan(0);
    await waitFor(() => received.length === 2, { what: 'both frames' });
    expect(received).toEqual([[1], [2]]);

    // A shutdown closes and then drops every socket without waiting for the turn to end.
    socket.send(Uint8Array.of(3));
    socket.close(1012, 'server restarting');
    transport!.close();
    await waitFor(() => closeCode !== null, { what: 'the client to see the close' });
    expect(received.at(-1)).toEqual([3]);
    expect(closeCode).toBe(1012);
  });
});
