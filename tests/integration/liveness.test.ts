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
