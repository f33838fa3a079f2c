import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WebsocketProvider } from 'y-websocket';
import { encodeAwarenessUpdate } from '../../lib/protocol/awareness';
import { encodeAwarenessMessage } from '../../lib/protocol/messages';
import { waitFor } from '../helpers/poll';
import {
  connectClient,
  destroyAll,
  makeTempDir,
  removeDir,
  startServer,
  waitForSync,
  type InProcessServer,
} from '../helpers/server-harness';

let dataDir: string;
let server: InProcessServer;
const providers: WebsocketProvider[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  destroyAll(providers.splice(0));
  for (const socket of sockets.splice(0)) socket.terminate();
  await server.stop();
  await removeDir(dataDir);
});

async function metricValue(name: string, label: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('liveness and backpressure over real sockets', () => {
  it('drops a client that stops answering pings and removes its presence', async () => {
    dataDir = await makeTempDir();
    server = await startServer(dataDir, { PING_INTERVAL_MS: '200' });
    const watcher = connectClient(server.url, 'ghosts');
    providers.push(watcher);
    await waitForSync(watcher);

    // A peer whose network vanished: it never answers a ping and never sends a close frame.
    const ghost = new WebSocket(`${server.url}/ghosts`, { autoPong: false });
    sockets.push(ghost);
    ghost.on('error', () => undefined);
    await new Promise((resolve) => ghost.once('message', resolve));
    ghost.send(encodeAwarenessMessage(encodeAwarenessUpdate([{ clientId: 999, clock: 1, state: '{"user":{"name":"Ghost"}}' }])));
    await waitFor(() => watcher.awareness.getStates().has(999), { what: 'ghost present' });

    const started = Date.now();
    await waitFor(() => !watcher.awareness.getStates().has(999), { what: 'ghost removed' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await metricValue('tandem_connection_closes_total', 'reason="ping_timeout"')).toBe(1);
    expect(watcher.wsconnected).toBe(true);
  });

  it('counts any frame as an answer: a client that keeps sending is kept without answering pings', async () => {
    dataDir = await makeTempDir();
    server = await startServer(dataDir, { PING_INTERVAL_MS: '200' });
    const talker = new WebSocket(`${server.url}/talkers`, { autoPong: false });
    sockets.push(talker);
    talker.on('error', () => undefined);
    let closedWith: number | null = null;
    talker.on('close', (code) => (closedWith = code));
    await new Promise((resolve) => talker.once('message', resolve));
    const presence = (clock: number): Uint8Array =>
      encodeAwarenessMessage(encodeAwarenessUpdate([{ clientId: 7, clock, state: '{"user":{"name":"Talker"}}' }]));
    let clock = 1;
    talker.send(presence(clock));
    // A renewal every half interval, as a person's presence renewals keep a stock client talking.
    const renewals = setInterval(() => talker.send(presence(++clock)), 100);
    try {
      await waitFor(() => clock >= 15 || closedWith !== null, { what: 'fifteen renewals (seven intervals), or a close' });
    } finally {
      clearInterval(renewals);
    }
    expect(closedWith).toBeNull();
    expect(await metricValue('tandem_connection_closes_total', 'reason="ping_timeout"')).toBe(0);
  });

  it('keeps a client whose answer to a ping arrived while the server was busy for several intervals', async () => {
    dataDir = await makeTempDir();
    server = await startServer(dataDir, { PING_INTERVAL_MS: '200' });
    const client = new WebSocket(`${server.url}/stalls`);
    sockets.push(client);
    client.on('error', () => undefined);
    let closedWith: number | null = null;
    client.on('close', (code) => (closedWith = code));
    await new Promise((resolve) => client.once('message', resolve));

    // ws answers the ping before it tells this listener, so the pong already waits in the server's
    // socket when this process (the server's too) stops for three intervals: a GC pause, a CPU-starved
    // machine. When the loop runs again, the interval is overdue before that pong has been read.
    client.once('ping', () => {
      const until = Date.now() + 700;
      while (Date.now() < until) {
        // busy: the event loop is blocked, as a server stalled by other work is
      }
    });
    let pings = 0;
    client.on('ping', () => pings++);
    await waitFor(() => pings >= 4 || closedWith !== null, { what: 'three pings after the stall, or a close' });
    expect(closedWith).toBeNull();
    expect(await metricValue('tandem_connection_closes_total', 'reason="ping_timeout"')).toBe(0);
  });

  it('disconnects a client that stops reading instead of buffering for it', async () => {
    dataDir = await makeTempDir();
    server = await startServer(dataDir, { SEND_BUFFER_LIMIT_BYTES: '65536', SLOW_CLIENT_TIMEOUT_MS: '200' });
    const writer = connectClient(server.url, 'flood');
    providers.push(writer);
    await waitForSync(writer);

    const stalled = new WebSocket(`${server.url}/flood`);
    sockets.push(stalled);
    stalled.on('error', () => undefined);
    await new Promise((resolve) => stalled.once('message', resolve));
    // Stop reading: the kernel buffers fill, then the server's send buffer grows.
    (stalled as unknown as { _socket: { pause(): void } })._socket.pause();

    const text = writer.doc.getText('t');
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400 && (await metricValue('tandem_connection_closes_total', 'reason="slow_consumer"')) === 0; i++) {
      text.insert(text.length, chunk);
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor(async () => (await metricValue('tandem_connection_closes_total', 'reason="slow_consumer"')) === 1, {
      what: 'slow consumer dropped',
    });
    expect(writer.wsconnected).toBe(true);
    const health = (await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).json()) as { connections: number };
    expect(health.connections).toBe(1);
  });
});
