/**
 * Share-link revocations between nodes (cluster/link-revocations.ts) through a real Redis: what one
 * node announces reaches the others, garbage on the channel is ignored, delivery resumes after
 * Redis restarts, and a stopped node leaves no connection or timer behind. Then the same through
 * cluster mode's entry point, as the server sees it (ClusterMode).
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterMode } from '../../sync-server/cluster-mode';
import { startClusterNode } from '../../sync-server/cluster/cluster-node';
import { LinkRevocations } from '../../sync-server/cluster/link-revocations';
import { LINK_REVOCATIONS_CHANNEL } from '../../sync-server/cluster/redis-keys';
import { PostgresDocumentStore } from '../../sync-server/storage/postgres-store';
import { waitFor } from '../helpers/poll';
import { PostgresServer } from '../helpers/postgres';
import { RedisServer } from '../helpers/redis';

/** The bound: connections opened with a revoked link close within 2 s on every node. */
const DELIVERY_MS = 2_000;
const LINK_A = 'AAECAwQFBgcICQoLDA0ODw';
const LINK_B = 'EBESExQVFhcYGRobHB0eHw';

interface Heard {
  readonly docName: string;
  readonly linkId: string;
}

interface TestNode {
  readonly revocations: LinkRevocations;
  readonly heard: Heard[];
  readonly logs: Array<{ level: number; msg: string; reason?: string }>;
}

let redis: RedisServer;
const started: LinkRevocations[] = [];
const rawConnections: Redis[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
}, 30_000);

afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.stop()));
  for (const connection of rawConnections.splice(0)) connection.disconnect();
});

afterAll(async () => {
  await redis?.destroy();
});

async function node(nodeId: string): Promise<TestNode> {
  const logs: TestNode['logs'] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const revocations = new LinkRevocations(redis.url, { nodeId, logger });
  const heard: Heard[] = [];
  revocations.onRevoked((docName, linkId) => heard.push({ docName, linkId }));
  started.push(revocations);
  await revocations.start();
  return { revocations, heard, logs };
}

/** Resources of the kinds a Redis connection holds: its socket, its reconnect and connect timers. */
function connectionResources(): { sockets: number; timers: number } {
  const resources = process.getActiveResourcesInfo();
  return { sockets: resources.filter((kind) => kind === 'TCPSocketWrap').length, timers: resources.filter((kind) => kind === 'Timeout').length };
}

describe('link revocations between nodes', () => {
  it('delivers a revocation one node announces to the others within 2 s, and to itself once', async () => {
    const [a, b, c] = await Promise.all([node('aaaa'), node('bbbb'), node('cccc')]);
    a.revocations.announce('doc-1', LINK_A);
    await waitFor(() => b.heard.length > 0 && c.heard.length > 0, { timeoutMs: DELIVERY_MS, what: 'the revocation on b and c' });
    expect(b.heard).toEqual([{ docName: 'doc-1', linkId: LINK_A }]);
    expect(c.heard).toEqual([{ docName: 'doc-1', linkId: LINK_A }]);
    // b's answer reaches a after a's own message came back from Redis (one channel, in order):
    // by then a has heard its own revocation exactly once.
    b.revocations.announce('doc/2 ✓', LINK_B);
    await waitFor(() => a.heard.length >= 2, { timeoutMs: DELIVERY_MS, what: "b's revocation on a" });
    expect(a.heard).toEqual([
      { docName: 'doc-1', linkId: LINK_A },
      { docName: 'doc/2 ✓', linkId: LINK_B },
    ]);
    expect(a.revocations.connected && b.revocations.connected).toBe(true);
  });

  it("hears its own announcement without Redis, at the end of the caller's turn", async () => {
    const a = await node('aaaa');
    await redis.stop('SIGKILL');
    try {
      await waitFor(() => !a.revocations.connected, { what: 'a to see Redis gone' });
      a.revocations.announce('doc-1', LINK_A);
      expect(a.heard).toEqual([]);
      await waitFor(() => a.heard.length === 1, { what: 'the local delivery' });
      expect(a.heard).toEqual([{ docName: 'doc-1', linkId: LINK_A }]);
    } finally {
      await redis.resume();
    }
    // The publish waited for Redis; its echo is not heard a second time.
    await waitFor(() => a.revocations.connected, { what: 'a to reconnect' });
    const b = await node('bbbb');
    b.revocations.announce('doc-2', LINK_B);
    await waitFor(() => a.heard.length === 2, { timeoutMs: DELIVERY_MS, what: "b's revocation on a" });
    expect(a.heard.map((heard) => heard.docName)).toEqual(['doc-1', 'doc-2']);
  });

  it('refuses to announce what is not a revocation, and announces nothing', async () => {
    const [a, b] = await Promise.all([node('aaaa'), node('bbbb')]);
    expect(() => a.revocations.announce('', LINK_A)).toThrow(/document/);
    expect(() => a.revocations.announce('doc', 'not-a-link-id')).toThrow(/link id/);
    a.revocations.announce('doc-ok', LINK_A);
    await waitFor(() => b.heard.length > 0, { timeoutMs: DELIVERY_MS, what: 'the valid revocation' });
    expect(b.heard).toEqual([{ docName: 'doc-ok', linkId: LINK_A }]);
    expect(a.heard).toEqual([{ docName: 'doc-ok', linkId: LINK_A }]);
  });

  it('ignores malformed messages on the channel with a logged reason, and goes on delivering', async () => {
    const b = await node('bbbb');
    const raw = new Redis(redis.url);
    rawConnections.push(raw);
    const garbage: Array<string | Buffer> = [
      'revoke everything',
      Buffer.from([0xff, 0xfe, 0x00]),
      '{"n":"x1","d":"doc","l":"short"}',
      '{"n":"x1","d":"a\\u0000b","l":"AAECAwQFBgcICQoLDA0ODw"}',
      '[1,2,3]',
      'null',
      `{"n":"x1","d":"doc","l":"AAECAwQFBgcICQoLDA0ODw","pad":"${'x'.repeat(100_000)}"}`,
    ];
    for (const message of garbage) await raw.publish(LINK_REVOCATIONS_CHANNEL, message);
    await raw.publish(LINK_REVOCATIONS_CHANNEL, '{"n":"x1","d":"after","l":"AAECAwQFBgcICQoLDA0ODw","later":true}');
    await waitFor(() => b.heard.length > 0, { timeoutMs: DELIVERY_MS, what: 'the valid message after the garbage' });
    expect(b.heard).toEqual([{ docName: 'after', linkId: LINK_A }]);
    const ignored = b.logs.filter((line) => line.msg === 'ignored a malformed link revocation');
    expect(ignored).toHaveLength(garbage.length);
    expect(ignored.every((line) => typeof line.reason === 'string' && line.reason.length > 0)).toBe(true);
    expect(b.revocations.connected).toBe(true);
  });

  it('keeps delivering to the other listeners when one throws', async () => {
    const [a, b] = await Promise.all([node('aaaa'), node('bbbb')]);
    const after: Heard[] = [];
    b.revocations.onRevoked(() => {
      throw new Error('listener failed');
    });
    b.revocations.onRevoked((docName, linkId) => after.push({ docName, linkId }));
    a.revocations.announce('doc-1', LINK_A);
    await waitFor(() => after.length > 0, { timeoutMs: DELIVERY_MS, what: 'the listener after the failing one' });
    expect(b.heard).toHaveLength(1);
    expect(b.logs.some((line) => line.msg === 'a link revocation listener failed')).toBe(true);
  });

  it('delivers again once Redis is back after a restart', async () => {
    const [a, b] = await Promise.all([node('aaaa'), node('bbbb')]);
    await redis.stop('SIGKILL');
    await waitFor(() => !a.revocations.connected && !b.revocations.connected, { what: 'both nodes to see Redis gone' });
    await redis.resume();
    // Subscribed again, not merely connected: `connected` waits for the subscription's answer.
    await waitFor(() => a.revocations.connected && b.revocations.connected, { what: 'both nodes to subscribe again' });
    a.revocations.announce('doc-after-restart', LINK_A);
    await waitFor(() => b.heard.length > 0, { timeoutMs: DELIVERY_MS, what: 'the revocation after the restart' });
    expect(b.heard).toEqual([{ docName: 'doc-after-restart', linkId: LINK_A }]);
    expect(b.logs.some((line) => line.level >= 40 && line.msg.includes('unreachable'))).toBe(true);
  });

  it('stops cleanly, with Redis up or away: no socket or timer left, and nothing heard after', async () => {
    const before = connectionResources();
    const [a, b] = await Promise.all([node('aaaa'), node('bbbb')]);
    await a.revocations.stop();
    a.revocations.announce('doc-1', LINK_A); // ignored once stopped
    b.revocations.announce('doc-2', LINK_B);
    await waitFor(() => b.heard.length > 0, { timeoutMs: DELIVERY_MS, what: "b's own revocation" });
    // b is now cut off and retrying: its stop must end the reconnect timer too.
    await redis.stop('SIGKILL');
    try {
      await waitFor(() => !b.revocations.connected, { what: 'b to see Redis gone' });
      await b.revocations.stop();
      await waitFor(
        () => {
          const now = connectionResources();
          return now.sockets <= before.sockets && now.timers <= before.timers;
        },
        { what: 'the connections and their timers to be gone' },
      );
    } finally {
      await redis.resume();
    }
    expect(a.heard).toEqual([]);
    expect(b.heard).toEqual([{ docName: 'doc-2', linkId: LINK_B }]);
  });
});

describe('link revocations through ClusterMode', () => {
  let postgres: PostgresServer;
  const stores: PostgresDocumentStore[] = [];
  const clusters: ClusterMode[] = [];

  beforeAll(async () => {
    postgres = await PostgresServer.start();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()));
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await postgres?.destroy();
  }, 60_000);

  async function clusterNode(connectionString: string): Promise<{ cluster: ClusterMode; heard: Heard[] }> {
    const store = await PostgresDocumentStore.open({ connectionString });
    stores.push(store);
    const cluster = await startClusterNode(redis.url, store, pino({ level: 'silent' }));
    clusters.push(cluster);
    const heard: Heard[] = [];
    cluster.onLinkRevoked((docName, linkId) => heard.push({ docName, linkId }));
    return { cluster, heard };
  }

  it("reaches the other node's listener, reports the channel in health, and stops with the node", async () => {
    const { connectionString } = await postgres.createDatabase();
    const [a, b] = [await clusterNode(connectionString), await clusterNode(connectionString)];
    await waitFor(() => a.cluster.health().linkRevocationsConnected && b.cluster.health().linkRevocationsConnected, {
      what: 'both nodes subscribed',
    });
    a.cluster.announceLinkRevoked('doc-1', LINK_A);
    await waitFor(() => b.heard.length > 0 && a.heard.length > 0, { timeoutMs: DELIVERY_MS, what: 'the revocation on both nodes' });
    expect(b.heard).toEqual([{ docName: 'doc-1', linkId: LINK_A }]);
    expect(a.heard).toEqual([{ docName: 'doc-1', linkId: LINK_A }]);
    expect(() => a.cluster.announceLinkRevoked('doc-1', 'nope')).toThrow(/link id/);

    await redis.stop('SIGKILL');
    try {
      await waitFor(() => !b.cluster.health().linkRevocationsConnected, { what: 'health to show the channel down' });
    } finally {
      await redis.resume();
    }
    await waitFor(() => b.cluster.health().linkRevocationsConnected, { what: 'health to show the channel back' });

    await a.cluster.stop();
    clusters.splice(clusters.indexOf(a.cluster), 1);
    expect(a.cluster.health().linkRevocationsConnected).toBe(false);
  });
});
