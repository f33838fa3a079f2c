/**
 * The cluster seam of a revocation (ClusterMode.announceLinkRevoked / onLinkRevoked): two real
 * servers on one shared store, joined by an in-process stand-in for the relay that carries only
 * revocations. A link revoked through one node closes its connections on the other, within 2 s.
 */
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { commentsDocumentName } from '../../lib/comments/comments-document';
import { CloseCode } from '../../lib/protocol/close-codes';
import type { ClusterMode } from '../../sync-server/cluster-mode';
import { loadConfig } from '../../sync-server/config';
import { localCompaction } from '../../sync-server/document/compaction-policy';
import { SINGLE_SERVER } from '../../sync-server/room/room-replication';
import { SyncServer } from '../../sync-server/server';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { waitFor } from '../helpers/poll';
import { connectClient, destroyAll, waitForSync } from '../helpers/server-harness';

const secret = new TextEncoder().encode('fixture-secret-0123456789');
const servers: SyncServer[] = [];
const providers: WebsocketProvider[] = [];

afterEach(async () => {
  destroyAll(providers.splice(0));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** What stands in for Redis here: every node's revocation listeners, called for each announcement but the announcer's. */
class RevocationBus {
  private readonly listeners = new Map<string, (docName: string, linkId: string) => void>();
  announced: Array<{ from: string; docName: string; linkId: string }> = [];

  node(nodeId: string, store: MemoryDocumentStore): ClusterMode {
    return {
      nodeId,
      replication: () => SINGLE_SERVER,
      store,
      compaction: localCompaction,
      health: () => ({
        connected: true,
        linkRevocationsConnected: true,
        lastError: null,
        documents: 0,
        entriesSent: 0,
        entriesReceived: 0,
        unconfirmedUpdates: 0,
        orphansStored: 0,
        gapsDetected: 0,
        digestMismatches: 0,
        catchUps: 0,
      }),
      onConnectedChange: () => undefined,
      announceLinkRevoked: (docName, linkId) => {
        this.announced.push({ from: nodeId, docName, linkId });
        for (const [other, listener] of this.listeners) if (other !== nodeId) listener(docName, linkId);
      },
      onLinkRevoked: (listener) => {
        this.listeners.set(nodeId, listener);
      },
      stop: async () => undefined,
    };
  }
}

async function startNode(bus: RevocationBus, nodeId: string, store: MemoryDocumentStore): Promise<{ server: SyncServer; port: number }> {
  const config = loadConfig({ SYNC_HOST: '127.0.0.1', SYNC_PORT: '0', DATA_DIR: path.join('/tmp', 'unused'), AUTH: 'on', HISTORY: 'off' });
  const server = new SyncServer(config, { store, secret, logger: pino({ level: 'silent' }), cluster: bus.node(nodeId, store) });
  servers.push(server);
  return { server, port: await server.listen() };
}

describe('a revocation through the cluster seam', () => {
  it('is announced by the node that revoked it and closes the link’s connections on the other node only', async () => {
    const store = new MemoryDocumentStore();
    const bus = new RevocationBus();
    const a = await startNode(bus, 'a', store);
    const b = await startNode(bus, 'b', store);
    const created = (await (await fetch(`http://127.0.0.1:${a.port}/docs`, { method: 'POST' })).json()) as { id: string; ownerToken: string; editToken: string };
    const made = await fetch(`http://127.0.0.1:${a.port}/docs/${created.id}/links`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${created.ownerToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ role: 'edit', name: 'On node b' }),
    });
    const guest = (await made.json()) as { id: string; token: string };
    const onB = connectClient(`ws://127.0.0.1:${b.port}`, created.id, new Y.Doc(), { token: guest.token });
    // The same link's connection to the document's comments: watched under the text's link.
    const commentsOnB = connectClient(`ws://127.0.0.1:${b.port}`, commentsDocumentName(created.id), new Y.Doc(), { token: guest.token });
    const keptOnB = connectClient(`ws://127.0.0.1:${b.port}`, created.id, new Y.Doc(), { token: created.editToken });
    providers.push(onB, commentsOnB, keptOnB);
    const closes: Array<{ code: number; reason: string }> = [];
    const commentCloses: Array<{ code: number; reason: string }> = [];
    onB.on('connection-close', (event: CloseEvent | null) => event !== null && closes.push({ code: event.code, reason: event.reason }));
    commentsOnB.on('connection-close', (event: CloseEvent | null) => event !== null && commentCloses.push({ code: event.code, reason: event.reason }));
    await Promise.all([waitForSync(onB), waitForSync(commentsOnB), waitForSync(keptOnB)]);

    const revoked = await fetch(`http://127.0.0.1:${a.port}/docs/${created.id}/links/${guest.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${created.ownerToken}` },
    });
    expect(revoked.status).toBe(204);
    expect(bus.announced).toEqual([{ from: 'a', docName: created.id, linkId: guest.id }]);
    await waitFor(() => closes.length > 0 && commentCloses.length > 0, { timeoutMs: 2_000, what: 'node b to close the revoked link' });
    expect(closes[0]).toEqual({ code: CloseCode.Forbidden, reason: 'this link was revoked' });
    expect(commentCloses[0]).toEqual({ code: CloseCode.Forbidden, reason: 'this link was revoked' });
    expect(keptOnB.wsconnected).toBe(true);
  });
});
