/**
 * A node that falls behind its documents' streams catches up (cluster/document-relay.ts). Streams are
 * trimmed to about 1,000 entries, so a node frozen (SIGSTOP: a GC pause, a starved core) or cut off
 * from Redis while the others make more edits than that would otherwise go on with a document that
 * lacks them, silently. Real processes: three production bundles, Debian's redis-server and
 * PostgreSQL, stock y-websocket clients, one stream entry per edit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import { useClusterFixture } from '../helpers/cluster-fixture';
import { converged } from '../helpers/convergence';
import { waitFor } from '../helpers/poll';
import type { Database } from '../helpers/postgres';
import { textOf, waitForSync, type ChildServer } from '../helpers/server-harness';
import { TcpProxy } from '../helpers/tcp-proxy';

const cluster = useClusterFixture();
const { client } = cluster;
let database: Database;
const proxies: TcpProxy[] = [];

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

async function startNode(redisUrl = cluster.redis.url, options: { degradedIsUp?: boolean } = {}): Promise<ChildServer> {
  // A node that cannot reach Redis answers /healthz with 503 "degraded": up, but not whole.
  const answers = async (port: number) => [200, 503].includes((await fetch(`http://127.0.0.1:${port}/healthz`)).status);
  return cluster.startNode(database.connectionString, { REDIS_URL: redisUrl }, options.degradedIsUp ? { healthy: answers } : {});
}

/**
 * `count` edits of one character each, spread over the writers: every edit is its own message to
 * its node and its own stream entry. Yields between small bursts so the nodes keep up.
 */
async function manySmallEdits(writers: readonly WebsocketProvider[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const writer = writers[i % writers.length]!;
    const text = writer.doc.getText('t');
    text.insert(text.length, String.fromCharCode(97 + (i % 26)));
    if (i % 40 === 39) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function allEditsArrived(writers: readonly WebsocketProvider[]): Promise<void> {
  await waitFor(() => writers.every((writer) => textOf(writer).length >= 4_000 + '[start]'.length), {
    what: 'the 4,000 edits to reach every writer on A and B',
    timeoutMs: 60_000,
  }).catch((error: unknown) => {
    throw new Error(`${String(error)} (lengths: ${writers.map((writer) => textOf(writer).length).join(', ')})`);
  });
}

async function metric(node: ChildServer, name: string): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
}

/** Three nodes, two clients on each, all synced on one document. */
async function threeNodes(docName: string, redisForC?: string) {
  database = await cluster.postgres.createDatabase();
  const [a, b, c] = [await startNode(), await startNode(), await startNode(redisForC)];
  const [a1, a2, b1, b2, c1, c2] = [a, a, b, b, c, c].map((node) => client(node, docName));
  const all = [a1!, a2!, b1!, b2!, c1!, c2!];
  await Promise.all(all.map((provider) => waitForSync(provider)));
  return { a, b, c, writers: [a1!, a2!, b1!, b2!], behind: [c1!, c2!], all };
}

describe('cluster mode: a node that falls behind catches up', { timeout: 120_000 }, () => {
  it('frozen with SIGSTOP while the others make 4,000 edits, it converges soon after SIGCONT', async () => {
    const { c, writers, behind, all } = await threeNodes('frozen');
    writers[0]!.doc.getText('t').insert(0, '[start]');
    await converged(all, ['[start]'], 'everyone before the freeze');

    c.process.kill('SIGSTOP');
    try {
      // What C's own clients type meanwhile waits in C's socket buffers; it must reach the others too.
      behind[0]!.doc.getText('t').insert(0, '[typed on C while it was frozen]');
      await manySmallEdits(writers, 4_000);
      await allEditsArrived(writers);
    } finally {
      c.process.kill('SIGCONT');
    }
    const resumed = performance.now();
    const text = await converged(all, ['[start]', '[typed on C while it was frozen]'], 'C to catch up after SIGCONT', 20_000);
    const seconds = (performance.now() - resumed) / 1000;
    console.log(`freeze: converged ${seconds.toFixed(2)} s after SIGCONT (${text.length} characters)`);
    expect(text.length).toBe(4_000 + '[start][typed on C while it was frozen]'.length);
    // How soon is measured, not asserted (docs/cluster.md: under 2 s on an idle machine); a shared
    // machine's load decides the figure in a test. The converged() deadline above is the test's bound.

    // A client new to C gets the whole document, not the stale one C had.
    const late = client(c, 'frozen');
    await waitForSync(late);
    await waitFor(() => textOf(late) === text, { what: 'a new client of C to get everything' });
    // (A and B may have fallen behind too, in the burst: on two shared cores that is common.)
    expect(await metric(c, 'tandem_cluster_gaps_detected')).toBeGreaterThan(0);
  });

  it('cut off from Redis while the others make 4,000 edits, it converges soon after the link is back', async () => {
    database = await cluster.postgres.createDatabase();
    const proxy = await TcpProxy.start(cluster.redis.port);
    proxies.push(proxy);
    const { c, writers, behind, all } = await threeNodes('cut-off', `redis://127.0.0.1:${proxy.port}`);
    writers[0]!.doc.getText('t').insert(0, '[start]');
    await converged(all, ['[start]'], 'everyone before the cut');

    proxy.cut();
    await waitFor(async () => (await metric(c, 'tandem_cluster_redis_connected')) === 0, { what: 'C to see Redis gone' });
    behind[0]!.doc.getText('t').insert(0, '[typed on C while it was cut off]');
    await manySmallEdits(writers, 4_000);
    await allEditsArrived(writers);
    proxy.restore();
    const restored = performance.now();
    await waitFor(async () => (await metric(c, 'tandem_cluster_redis_connected')) === 1, { what: 'C to reach Redis again' });
    const reconnected = performance.now();
    const text = await converged(all, ['[start]', '[typed on C while it was cut off]'], 'C to catch up after the link is back', 20_000);
    const done = performance.now();
    console.log(
      `redis link cut: reconnected ${((reconnected - restored) / 1000).toFixed(2)} s after the link was back, converged ${((done - reconnected) / 1000).toFixed(2)} s after that`,
    );
    expect(text.length).toBe(4_000 + '[start][typed on C while it was cut off]'.length);
  });
});

describe('cluster mode: a node that starts while Redis is away', { timeout: 120_000 }, () => {
  it('comes up, serves its clients, and joins the others once Redis is reachable', async () => {
    database = await cluster.postgres.createDatabase();
    const proxy = await TcpProxy.start(cluster.redis.port);
    proxies.push(proxy);
    const a = await startNode();
    proxy.cut();
    const late = await startNode(`redis://127.0.0.1:${proxy.port}`, { degradedIsUp: true });
    expect(await metric(late, 'tandem_cluster_redis_connected')).toBe(0);
    const [onA, onLate] = [client(a, 'joined'), client(late, 'joined')];
    await Promise.all([waitForSync(onA), waitForSync(onLate)]);
    onA.doc.getText('t').insert(0, '[A] ');
    onLate.doc.getText('t').insert(0, '[late node, before Redis] ');
    proxy.restore();
    await converged([onA, onLate], ['[A] ', '[late node, before Redis] '], 'the late node to join once Redis is back');
    expect(late.process.exitCode).toBeNull();
    expect(late.output()).not.toMatch(/"level":60/); // nothing fatal
  });
});
