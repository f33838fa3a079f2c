/**
 * The HTTP fallback as the editor's own provider uses it, behind a real nginx (Debian's) that passes
 * plain HTTP and strips the WebSocket upgrade, as some corporate proxies do. Someone behind it and
 * someone connected directly edit together, see each other's presence, go offline and come back;
 * then the proxy lets upgrades through and the fallback client moves to a socket, nothing lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { TestFallbackMemory } from '../helpers/fallback-memory';
import { SyncProvider } from '../../lib/client/sync/sync-provider';
import type { WebSocketConstructor } from '../../lib/client/transport/websocket-transport';
import { FakePageEnvironment } from '../helpers/fake-page-environment';
import { Nginx, proxyLocation } from '../helpers/nginx';
import { waitFor } from '../helpers/poll';
import { connectClient, destroyAll, makeTempDir, removeDir, startServer, textOf, type InProcessServer } from '../helpers/server-harness';

let server: InProcessServer | null = null;
let proxy: Nginx | null = null;
const dirs: string[] = [];
const stock: WebsocketProvider[] = [];
const tandem: SyncProvider[] = [];

afterEach(async () => {
  destroyAll(stock.splice(0));
  for (const provider of tandem.splice(0)) provider.destroy();
  await proxy?.stop();
  proxy = null;
  await server?.stop();
  server = null;
  await Promise.all(dirs.splice(0).map(removeDir));
});



const textIn = (provider: SyncProvider) => provider.doc.getText('t').toString();
function type(doc: Y.Doc, text: string): void {
  const t = doc.getText('t');
  t.insert(t.length, text);
}

describe('HTTP fallback behind a proxy that blocks WebSockets', { timeout: 90_000 }, () => {
  it('edits with someone connected directly, presence both ways, offline and back, then moves to a socket with nothing lost', async () => {
    const dir = await makeTempDir();
    dirs.push(dir);
    server = await startServer(dir, { HTTP_FALLBACK_POLL_MS: '5000' });
    proxy = await Nginx.start(proxyLocation(server.port, { allowUpgrade: false }), { reloadable: true });

    const environment = new FakePageEnvironment();
    const memory = new TestFallbackMemory();
    const behind = new SyncProvider({
      baseUrl: `ws://127.0.0.1:${proxy.port}`,
      docName: 'memo',
      doc: new Y.Doc(),
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      environment,
      fallbackMemory: memory,
    });
    tandem.push(behind);
    const direct = connectClient(server.url, 'memo');
    stock.push(direct);

    const startedAt = Date.now();
    await waitFor(() => behind.getSnapshot().connection === 'connected', { what: 'the client behind the proxy to connect', timeoutMs: 15_000 });
    const fellBackAfterMs = Date.now() - startedAt;
    expect(behind.getSnapshot().carrier).toBe('http');
    expect(memory.until).toBeGreaterThan(Date.now());

    type(behind.doc, '[behind]');
    type(direct.doc, '[direct]');
    await waitFor(() => textIn(behind) === textOf(direct) && textOf(direct).includes('[behind]') && textOf(direct).includes('[direct]'), {
      what: 'both edits on both sides',
    });
    await waitFor(() => behind.getSnapshot().save === 'saved', { what: 'the save acknowledgement over HTTP' });

    behind.awareness.setLocalStateField('user', { name: 'Behind', color: '#1971c2' });
    direct.awareness.setLocalStateField('user', { name: 'Direct', color: '#d9480f' });
    const names = (states: Map<number, unknown>) => [...states.values()].map((state) => (state as { user?: { name?: string } }).user?.name);
    await waitFor(() => names(direct.awareness.getStates()).includes('Behind'), { what: 'the fallback client’s presence to reach the direct one' });
    await waitFor(() => names(behind.awareness.getStates()).includes('Direct'), { what: 'the direct client’s presence to reach the fallback one' });
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(metrics).toMatch(/tandem_connections_by_transport\{transport="http"\} 1/);

    // Offline: both keep typing; back online, the fallback reconnects and both converge.
    environment.goOffline();
    await waitFor(() => behind.getSnapshot().connection === 'offline', { what: 'offline' });
    type(behind.doc, '[offline edit]');
    type(direct.doc, '[meanwhile]');
    environment.goOnline();
    await waitFor(() => textIn(behind) === textOf(direct) && textOf(direct).includes('[offline edit]') && textIn(behind).includes('[meanwhile]'), {
      what: 'convergence after coming back',
    });

    // The proxy lets upgrades through now: the next background try of a socket succeeds.
    await proxy.reconfigure(proxyLocation(server.port, { allowUpgrade: true }));
    type(behind.doc, '[just before]');
    const reconfiguredAt = Date.now();
    await waitFor(() => behind.getSnapshot().carrier === 'websocket' && behind.getSnapshot().connection === 'connected', {
      what: 'the move to a socket',
      timeoutMs: 40_000,
    });
    const movedAfterMs = Date.now() - reconfiguredAt;
    type(behind.doc, '[on the socket]');
    const markers = ['[behind]', '[direct]', '[offline edit]', '[meanwhile]', '[just before]', '[on the socket]'];
    await waitFor(() => textIn(behind) === textOf(direct) && markers.every((marker) => textOf(direct).includes(marker)), {
      what: 'everything on both sides after the move',
    });
    for (const marker of markers) expect(textOf(direct).split(marker).length - 1, marker).toBe(1);
    expect(memory.until).toBe(0);
    await waitFor(() => names(direct.awareness.getStates()).includes('Behind'), { what: 'presence over the socket' });
    await waitFor(async () => /tandem_connections_by_transport\{transport="http"\} 0/.test(await (await fetch(`http://127.0.0.1:${server!.port}/metrics`)).text()), {
      what: 'the HTTP session to be gone',
      timeoutMs: 5_000,
    });
    console.info(`fell back after ${fellBackAfterMs} ms; moved to the socket ${movedAfterMs} ms after the proxy allowed it`);
  });

  it('behind the cluster’s nginx, a document’s fallback sessions always reach the same node', async () => {
    const nodes: InProcessServer[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const dir = await makeTempDir();
        dirs.push(dir);
        nodes.push(await startServer(dir, { HTTP_FALLBACK_POLL_MS: '200' }));
      }
      proxy = await Nginx.startCluster(nodes.map((node) => node.port));
      for (const doc of ['alpha', 'beta', 'notes/with a slash']) {
        const base = `http://127.0.0.1:${proxy.port}/_poll/${encodeURIComponent(doc)}`;
        const opened = await fetch(base, { method: 'POST' });
        expect(opened.status, doc).toBe(200);
        const { session } = (await opened.json()) as { session: string };
        // Round robin would send two of three of these to a node that never heard of the session.
        let after = -1;
        for (let i = 0; i < 6; i++) {
          const polled = await fetch(`${base}/${session}?after=${after}`);
          expect(polled.status, `${doc}, poll ${i}`).toBe(200);
          const bytes = new Uint8Array(await polled.arrayBuffer());
          const { decodeFrameBatch } = await import('../../lib/protocol/frame-batch');
          const batch = decodeFrameBatch(bytes);
          after = Math.max(after, batch.seq + batch.frames.length - 1);
        }
      }
    } finally {
      await proxy?.stop();
      proxy = null;
      await Promise.all(nodes.map((node) => node.stop()));
    }
  });
});
