/**
 * The cluster's failure test at full size, as people would meet it: three nodes (production bundle,
 * real Redis and PostgreSQL) behind the nginx configuration `npm run cluster` writes, and 30 stock
 * y-websocket clients on 10 documents connected through the proxy, typing. One node is killed with
 * SIGKILL mid-typing. Its clients reconnect through the proxy to the living nodes on their own, and
 * every keystroke of every client ends up, exactly once, in every copy and in PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { converged } from '../helpers/convergence';
import { Nginx } from '../helpers/nginx';
import { waitFor } from '../helpers/poll';
import { PostgresServer, type Database } from '../helpers/postgres';
import { RedisServer } from '../helpers/redis';
import { connectClient, destroyAll, freePort, makeTempDir, removeDir, spawnServer, textOf, waitForSync, type ChildServer } from '../helpers/server-harness';

const DOCUMENTS = 10;
const CLIENTS_PER_DOCUMENT = 3;
const KEYSTROKE_INTERVAL_MS = 150;
const TYPING_MS = 6_000;
const KILL_AFTER_MS = 2_500;

let postgres: PostgresServer;
let redis: RedisServer;
let database: Database;
let proxy: Nginx | null = null;
const nodes: ChildServer[] = [];
const providers: WebsocketProvider[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  [postgres, redis] = await Promise.all([PostgresServer.start(), RedisServer.start()]);
  database = await postgres.createDatabase();
}, 60_000);

afterAll(async () => {
  destroyAll(providers.splice(0));
  await proxy?.stop();
  await Promise.all(nodes.splice(0).map((node) => node.kill('SIGKILL')));
  await Promise.all(dirs.splice(0).map(removeDir));
  await Promise.all([postgres?.destroy(), redis?.destroy()]);
}, 60_000);

async function startNode(): Promise<ChildServer> {
  const dir = await makeTempDir();
  dirs.push(dir);
  const node = await spawnServer(dir, await freePort(), {
    REDIS_URL: redis.url,
    DATABASE_URL: database.connectionString,
    TRUST_PROXY: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  nodes.push(node);
  return node;
}

async function connectionsOn(node: ChildServer): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
  const line = metrics.split('\n').find((row) => row.startsWith('tandem_connections '));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('cluster failover at full size', { timeout: 180_000 }, () => {
  it('3 nodes, 30 clients through the proxy on 10 documents: a node killed mid-typing loses no keystroke', async () => {
    const cluster = [await startNode(), await startNode(), await startNode()];
    proxy = await Nginx.startCluster(cluster.map((node) => node.port));
    const url = `ws://127.0.0.1:${proxy.port}`;

    const clients = Array.from({ length: DOCUMENTS * CLIENTS_PER_DOCUMENT }, (_, i) => {
      const provider = connectClient(url, `doc-${i % DOCUMENTS}`, new Y.Doc());
      providers.push(provider);
      return provider;
    });
    await Promise.all(clients.map((provider) => waitForSync(provider)));
    // nginx's round robin spread them: every node serves some, so the one killed has clients to move.
    const spread = await Promise.all(cluster.map(connectionsOn));
    expect(spread.reduce((sum, count) => sum + count, 0)).toBe(clients.length);
    expect(Math.min(...spread)).toBeGreaterThan(0);

    const victim = cluster[1]!;
    const dropped = new Set<WebsocketProvider>();
    for (const provider of clients) provider.on('status', ({ status }: { status: string }) => status === 'disconnected' && dropped.add(provider));

    // Everyone types a numbered keystroke at a time; the node dies in the middle of it.
    const typed = clients.map(() => [] as string[]);
    const started = Date.now();
    let killed = false;
    for (let round = 0; Date.now() - started < TYPING_MS; round++) {
      clients.forEach((provider, i) => {
        const mark = `<${i}.${round}>`;
        const text = provider.doc.getText('t');
        text.insert(text.length, mark);
        typed[i]!.push(mark);
      });
      if (!killed && Date.now() - started >= KILL_AFTER_MS) {
        killed = true;
        await victim.kill('SIGKILL');
      }
      await new Promise((resolve) => setTimeout(resolve, KEYSTROKE_INTERVAL_MS));
    }
    expect(killed).toBe(true);
    expect(dropped.size).toBe(spread[1]);

    // The dropped clients are back, through the proxy, on living nodes.
    await waitFor(() => clients.every((provider) => provider.wsconnected && provider.synced), { timeoutMs: 30_000, what: 'every client reconnected' });
    const living = cluster.filter((node) => node !== victim);
    expect((await Promise.all(living.map(connectionsOn))).reduce((sum, count) => sum + count, 0)).toBe(clients.length);

    const texts = new Map<string, string>();
    for (let d = 0; d < DOCUMENTS; d++) {
      const ofDoc = clients.filter((_, i) => i % DOCUMENTS === d);
      const marks = clients.flatMap((_, i) => (i % DOCUMENTS === d ? typed[i]! : []));
      const text = await converged(ofDoc, marks, `doc-${d} to converge`, 60_000);
      for (const mark of marks) expect(text.split(mark).length - 1, mark).toBe(1);
      texts.set(`doc-${d}`, text);
    }

    // Everything is in PostgreSQL: the living nodes stop the way a supervisor stops them, and a
    // fresh node reads every document back.
    destroyAll(providers.splice(0));
    await Promise.all(living.map((node) => node.kill('SIGTERM')));
    const fresh = await startNode();
    for (const [docName, text] of texts) {
      const reader = connectClient(fresh.url, docName, new Y.Doc());
      providers.push(reader);
      await waitForSync(reader);
      expect(textOf(reader), docName).toBe(text);
    }
  });
});
