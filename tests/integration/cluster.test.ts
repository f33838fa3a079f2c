/**
 * Cluster mode with real parts: Debian's redis-server and PostgreSQL started by the tests, and the
 * production bundle of the sync server as separate processes, several at once (`REDIS_URL` and
 * `DATABASE_URL` set). Stock y-websocket clients on different nodes edit the same documents.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { decodeMessage, encodePing, encodeSaveRequest, type Message } from '../../lib/protocol/messages';
import { useClusterFixture } from '../helpers/cluster-fixture';
import { converged, typeAtEnd } from '../helpers/convergence';
import { waitFor } from '../helpers/poll';
import type { Database } from '../helpers/postgres';
import { RedisServer } from '../helpers/redis';
import { destroyAll, textOf, waitForSync, type ChildServer } from '../helpers/server-harness';

const cluster = useClusterFixture();
const { nodes, providers, client } = cluster;
let database: Database;

function startNode(env: Record<string, string> = {}): Promise<ChildServer> {
  return cluster.startNode(database.connectionString, env);
}

const type = typeAtEnd;

describe('cluster mode', { timeout: 120_000 }, () => {
  it('three nodes serve one document: edits and presence reach clients on every node', async () => {
    database = await cluster.postgres.createDatabase();
    const [a, b, c] = [await startNode(), await startNode(), await startNode()];
    const health = (await (await fetch(`http://127.0.0.1:${a.port}/healthz`)).json()) as { status: string; cluster?: { redis: { connected: boolean } } };
    expect(health.status).toBe('ok');
    expect(health.cluster?.redis.connected).toBe(true);

    const clients = [client(a, 'shared'), client(b, 'shared'), client(c, 'shared')];
    await Promise.all(clients.map((provider) => waitForSync(provider)));
    clients.forEach((provider, i) => type(provider, `[from node ${i}]`));
    await converged(clients, ['[from node 0]', '[from node 1]', '[from node 2]'], 'all three nodes to converge');

    clients[0]!.awareness.setLocalStateField('user', { name: 'Ada', color: '#d9480f' });
    await waitFor(
      () => [...clients[2]!.awareness.getStates().values()].some((state) => (state as { user?: { name?: string } }).user?.name === 'Ada'),
      { what: 'presence from node 0 to reach a client of node 2' },
    );

    // A client that connects later to another node gets everything, from PostgreSQL and the stream.
    const late = client(c, 'shared');
    await waitForSync(late);
    await converged([...clients, late], ['[from node 0]', '[from node 1]', '[from node 2]'], 'a late joiner');

    // Every node confirmed what it relayed: no receiver stored another node's update as an orphan.
    // A receiver holds each relayed update until its node confirms it, or stores it itself once it
    // gives up waiting; when none holds any, each was one or the other.
    const metricOf = async (node: ChildServer, name: string) => {
      const metrics = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    };
    await waitFor(
      async () => (await Promise.all([a, b, c].map((node) => metricOf(node, 'tandem_cluster_unconfirmed_updates')))).every((held) => held === 0),
      { what: 'every relayed update confirmed or given up on' },
    );
    for (const node of [a, b, c]) expect(node.output()).not.toContain('never confirmed');
    for (const node of [a, b, c]) expect(await metricOf(node, 'tandem_cluster_orphans_stored')).toBe(0);
    const metrics = await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    expect(value('tandem_cluster_redis_connected')).toBe(1);
    expect(value('tandem_cluster_entries_received')).toBeGreaterThan(0);
    expect(value('tandem_cluster_orphans_stored')).toBe(0);
    expect(metrics).toContain('tandem_storage_backend_info{backend="postgresql"} 1');
  });

  it('survives kill -9 of a node: its clients move to another node and nothing the cluster had is lost', async () => {
    database = await cluster.postgres.createDatabase();
    const [a, b, c] = [await startNode(), await startNode(), await startNode()];
    const docs = ['alpha', 'beta'];
    const byNode = new Map<ChildServer, WebsocketProvider[]>([
      [a, []],
      [b, []],
      [c, []],
    ]);
    for (const node of [a, b, c]) for (const doc of docs) byNode.get(node)!.push(client(node, doc));
    await Promise.all([...byNode.values()].flat().map((provider) => waitForSync(provider)));
    const all = [...byNode.values()].flat();
    all.forEach((provider, i) => type(provider, `<${i} before>`));
    for (const doc of docs) {
      const ofDoc = all.filter((provider) => provider.roomname === doc);
      await converged(ofDoc, ofDoc.map((_, i) => `<${all.indexOf(ofDoc[i]!)} before>`), `${doc} before the crash`);
    }

    await b.kill('SIGKILL');
    // The clients of the dead node come back on a living one (as a proxy would send them), with their documents.
    for (const provider of byNode.get(b)!) {
      provider.destroy();
      const moved = client(a, provider.roomname, provider.doc);
      byNode.get(a)!.push(moved);
    }
    const living = providers.filter((provider) => !byNode.get(b)!.includes(provider));
    await Promise.all(living.map((provider) => waitFor(() => provider.synced, { what: 'reconnected' })));
    living.forEach((provider, i) => type(provider, `<${i} after>`));
    for (const doc of docs) {
      const ofDoc = living.filter((provider) => provider.roomname === doc);
      const markers = all.filter((provider) => provider.roomname === doc).map((provider) => `<${all.indexOf(provider)} before>`);
      markers.push(...ofDoc.map((provider) => `<${living.indexOf(provider)} after>`));
      const text = await converged(ofDoc, markers, `${doc} after the crash`);

      // And it is all in PostgreSQL: a fresh node reads it back.
      const fresh = await startNode();
      const reader = client(fresh, doc);
      await waitForSync(reader);
      await waitFor(() => textOf(reader) === text, { what: `a fresh node to serve ${doc}` });
    }
  });
});

describe('cluster mode: version history', { timeout: 120_000 }, () => {
  interface ListedVersion {
    id: number;
    kind: string;
    name: string | null;
    authors: Array<{ name: string }>;
  }
  const versionsOn = async (node: ChildServer, doc: string): Promise<ListedVersion[]> => {
    const response = await fetch(`http://127.0.0.1:${node.port}/docs/${doc}/versions`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { versions: ListedVersion[] }).versions;
  };
  const post = async (node: ChildServer, path: string, body: unknown) => {
    const response = await fetch(`http://127.0.0.1:${node.port}${path}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { id?: number; after?: { id: number } } };
  };

  it('one version per pause whoever’s node records it, crediting people on every node; named versions never collide', async () => {
    database = await cluster.postgres.createDatabase();
    const history = { HISTORY_IDLE_MS: '600', HISTORY_MAX_INTERVAL_MS: '60000' };
    const [a, b, c] = [await startNode(history), await startNode(history), await startNode(history)];
    const ada = client(a, 'chronicle');
    const grace = client(b, 'chronicle');
    const watcher = client(c, 'chronicle');
    await Promise.all([ada, grace, watcher].map((provider) => waitForSync(provider)));
    ada.awareness.setLocalStateField('user', { name: 'Ada', color: '#d9480f' });
    grace.awareness.setLocalStateField('user', { name: 'Grace', color: '#1971c2' });
    await waitFor(() => watcher.awareness.getStates().size >= 3, { what: 'presence on every node' });
    type(ada, 'first draft by Ada. ');
    type(grace, 'Grace adds a line.');
    await converged([ada, grace, watcher], ['first draft by Ada. ', 'Grace adds a line.'], 'the draft');

    // Every node saw both edits and the same pause; exactly one of them records the version.
    await waitFor(async () => (await versionsOn(c, 'chronicle')).length > 0, { what: 'a version after the pause', timeoutMs: 15_000 });
    // No second recording: a node that leaves the version to another says nothing, so this waits
    // two more pauses' worth.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const [first, ...more] = await versionsOn(a, 'chronicle');
    expect(more).toEqual([]);
    expect(first!.kind).toBe('auto');
    expect(first!.authors.map((author) => author.name).sort()).toEqual(['Ada', 'Grace']);
    for (const node of [b, c]) expect(await versionsOn(node, 'chronicle')).toEqual([first]);

    // Named at the same moment on two nodes: two versions, two ids, on every node's list.
    const [onA, onB] = await Promise.all([
      post(a, '/docs/chronicle/versions', { name: 'named on A' }),
      post(b, '/docs/chronicle/versions', { name: 'named on B' }),
    ]);
    expect([onA.status, onB.status]).toEqual([201, 201]);
    expect(new Set([first!.id, onA.body.id, onB.body.id]).size).toBe(3);
    for (const node of [a, b, c]) {
      expect((await versionsOn(node, 'chronicle')).map((version) => version.name ?? version.kind).sort()).toEqual(['auto', 'named on A', 'named on B']);
    }

  });

  it('the version recorded when the last person leaves credits everyone, on this node and on others, presence withdrawn first', async () => {
    database = await cluster.postgres.createDatabase();
    const history = { HISTORY_IDLE_MS: '600000', HISTORY_MAX_INTERVAL_MS: '600000' };
    const [a, b] = [await startNode(history), await startNode(history)];
    const ada = client(a, 'farewell');
    const grace = client(b, 'farewell');
    await Promise.all([ada, grace].map((provider) => waitForSync(provider)));
    ada.awareness.setLocalStateField('user', { name: 'Ada', color: '#d9480f' });
    grace.awareness.setLocalStateField('user', { name: 'Grace', color: '#1971c2' });
    await waitFor(() => ada.awareness.getStates().size === 2 && grace.awareness.getStates().size === 2, { what: 'presence across nodes' });
    type(ada, 'Ada writes. ');
    type(grace, 'Grace answers.');
    await converged([ada, grace], ['Ada writes. ', 'Grace answers.'], 'both edits');

    // Each goes as apps make them go: presence withdrawn, then the socket closed. Grace's node
    // records: Ada through the author tag relayed with her edits, Grace from what it kept of her.
    ada.awareness.setLocalState(null);
    ada.destroy();
    await waitFor(() => grace.awareness.getStates().size === 1, { what: 'Ada gone from Grace’s presence' });
    grace.awareness.setLocalState(null);
    grace.destroy();
    const versions = await waitFor(async () => {
      const listed = await versionsOn(a, 'farewell');
      return listed.length > 0 ? listed : null;
    }, { what: 'the version recorded when the last person left', timeoutMs: 15_000 });
    expect(versions?.map((version) => version.kind)).toEqual(['auto']);
    expect(versions?.[0]?.authors.map((author) => author.name).sort()).toEqual(['Ada', 'Grace']);
  });

  it('a restore through one node brings the old text back on every node, and every node lists it', async () => {
    database = await cluster.postgres.createDatabase();
    const [a, b, c] = [await startNode(), await startNode(), await startNode()];
    const doc = 'restored';
    const append = async (node: ChildServer, markdown: string) => {
      const response = await fetch(`http://127.0.0.1:${node.port}/docs/${doc}/content?mode=append`, {
        method: 'POST',
        headers: { 'content-type': 'text/markdown' },
        body: markdown,
      });
      expect(response.status).toBe(200);
    };
    const textOn = async (node: ChildServer) => (await fetch(`http://127.0.0.1:${node.port}/docs/${doc}?format=text`)).text();
    // Held open on every node by a client, so each node keeps its own copy live.
    const holders = [a, b, c].map((node) => client(node, doc));
    await Promise.all(holders.map((provider) => waitForSync(provider)));

    await append(a, 'Kept paragraph.');
    await waitFor(async () => (await textOn(b)).includes('Kept paragraph.'), { what: 'the first paragraph on B' });
    const named = await post(b, `/docs/${doc}/versions`, { name: 'good', author: { name: 'Ada' } });
    expect(named.status).toBe(201);
    await append(c, 'A mistake.');
    await waitFor(async () => (await textOn(a)).includes('A mistake.'), { what: 'the mistake on A' });

    const restored = await post(a, `/docs/${doc}/versions/${named.body.id}/restore`, { author: { name: 'Grace' } });
    expect(restored.status).toBe(200);
    for (const node of [a, b, c]) {
      await waitFor(async () => !(await textOn(node)).includes('mistake'), { what: `the restore to reach node ${node.port}` });
      expect((await textOn(node)).trim()).toBe('Kept paragraph.');
      expect((await versionsOn(node, doc)).map((version) => version.name ?? version.kind)).toEqual(['restore', 'before-restore', 'good']);
    }
  });
});

describe('cluster mode: a bad entry', { timeout: 120_000 }, () => {
  it('one document’s broken stream entries stall neither that document nor any other on the node', async () => {
    database = await cluster.postgres.createDatabase();
    const [a, b] = [await startNode(), await startNode()];
    const docs = ['broken', 'healthy'];
    const pairs = docs.map((doc) => [client(a, doc), client(b, doc)] as const);
    await Promise.all(pairs.flat().map((provider) => waitForSync(provider)));
    // Garbage into the broken document's stream, as a faulty or hostile writer to Redis would add it.
    const { Redis } = await import('ioredis');
    const raw = new Redis(cluster.redis.url);
    try {
      const key = `tandem:{broken}:stream`;
      await raw.xadd(key, '*', 'n', 'intruder', 'k', 'u', 'd', Buffer.from([1, 2, 3, 255]));
      await raw.xadd(key, '*', 'n', 'intruder', 'k', 'p', 'd', Buffer.from([9, 9]));
      await raw.xadd(key, '*', 'n', 'intruder', 'k', 's', 'd', Buffer.from([255, 255]));
      await raw.xadd(key, '*', 'only', 'junk');
    } finally {
      raw.disconnect();
    }
    for (const [left, right] of pairs) {
      type(left, `[${left.roomname} from a]`);
      type(right, `[${right.roomname} from b]`);
    }
    for (const [left, right] of pairs) {
      await converged([left, right], [`[${left.roomname} from a]`, `[${left.roomname} from b]`], `${left.roomname} after the garbage`);
    }
    const health = (await (await fetch(`http://127.0.0.1:${a.port}/healthz`)).json()) as { status: string };
    expect(health.status).toBe('ok');
  });
});

describe('cluster mode: a node that died before storing', { timeout: 120_000 }, () => {
  it('what a node received from a node that never stored it is stored by its compaction', async () => {
    database = await cluster.postgres.createDatabase();
    const survivor = await startNode({ DOC_UNLOAD_GRACE_MS: '200' });
    const reader = client(survivor, 'orphaned');
    await waitForSync(reader);
    // A node that relayed an edit and died before its PostgreSQL write: the edit is in the stream only.
    const ghost = new Y.Doc();
    ghost.getText('t').insert(0, 'only in the stream');
    const { Redis } = await import('ioredis');
    const raw = new Redis(cluster.redis.url);
    try {
      await raw.xadd('tandem:{orphaned}:stream', '*', 'n', 'dead-node', 'k', 'u', 'd', Buffer.from(Y.encodeStateAsUpdate(ghost)));
    } finally {
      raw.disconnect();
    }
    await waitFor(() => textOf(reader) === 'only in the stream', { what: 'the survivor to relay it' });
    destroyAll(providers.splice(0)); // the last client leaves: the survivor unloads, compacting first
    const stored = async () => {
      const result = await cluster.postgres.admin(
        (pg) => pg.query<{ snapshot: Buffer | null }>("SELECT snapshot FROM tandem_documents WHERE name = 'orphaned'"),
        database.connectionString,
      );
      const snapshot = result.rows[0]?.snapshot;
      if (!snapshot) return '';
      const doc = new Y.Doc();
      Y.applyUpdate(doc, new Uint8Array(snapshot));
      return doc.getText('t').toString();
    };
    await waitFor(async () => (await stored()) === 'only in the stream', { what: 'the edit to reach PostgreSQL', timeoutMs: 20_000 });
  });
});

describe('cluster mode: relayed but never stored', { timeout: 120_000 }, () => {
  it('stores, while the document stays open, what a node relayed and never said it stored; not what it confirmed', async () => {
    database = await cluster.postgres.createDatabase();
    const survivor = await startNode();
    const reader = client(survivor, 'unconfirmed');
    await waitForSync(reader);
    // A Tandem client on the survivor asks for a save once it has seen the relayed text.
    const received: Message[] = [];
    const tandem = new WebSocket(`${survivor.url}/unconfirmed`);
    tandem.on('message', (data: Buffer) => received.push(decodeMessage(new Uint8Array(data))));
    await new Promise((resolve) => tandem.once('open', resolve));
    const { Redis } = await import('ioredis');
    const raw = new Redis(cluster.redis.url);
    const relayed = (text: string) => {
      const doc = new Y.Doc();
      doc.getText('t').insert(0, text);
      return Buffer.from(Y.encodeStateAsUpdate(doc));
    };
    try {
      // Node "stored" relays one update and confirms it; node "dead" relays one and never does.
      await raw.xadd('tandem:{unconfirmed}:stream', '*', 'n', 'stored', 'k', 'u', 'd', relayed('[confirmed]'), 'o', '1', 'q', '1');
      await raw.xadd('tandem:{unconfirmed}:stream', '*', 'n', 'stored', 'k', 'c', 'd', Buffer.alloc(0), 'o', '1', 'c', '1');
      await raw.xadd('tandem:{unconfirmed}:stream', '*', 'n', 'dead', 'k', 'u', 'd', relayed('[orphan]'), 'o', '1', 'q', '1');
    } finally {
      raw.disconnect();
    }
    await waitFor(() => textOf(reader).includes('[orphan]') && textOf(reader).includes('[confirmed]'), { what: 'both relayed' });
    tandem.send(encodeSaveRequest(1));
    const storedTexts = async () => {
      const { rows } = await cluster.postgres.admin(
        (pg) => pg.query<{ bytes: Buffer }>("SELECT bytes FROM tandem_log WHERE doc = 'unconfirmed' ORDER BY seq"),
        database.connectionString,
      );
      return rows.map((row) => {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, new Uint8Array(row.bytes));
        return doc.getText('t').toString();
      });
    };
    // "Saved" covers what the client saw from other nodes: it comes once the orphan is stored here.
    await waitFor(() => received.some((message) => message.type === 'saved'), { what: 'the save acknowledgement', timeoutMs: 10_000 });
    expect(await storedTexts()).toEqual(['[orphan]']);
    expect(survivor.output()).toContain('never confirmed');
    const metrics = await (await fetch(`http://127.0.0.1:${survivor.port}/metrics`)).text();
    expect(metrics).toMatch(/^tandem_cluster_orphans_stored 1$/m);
    tandem.close();
  });
});

describe('cluster mode: compaction', { timeout: 120_000 }, () => {
  it('compacts under the lease from what every node stored, and a fresh node reads it all', async () => {
    database = await cluster.postgres.createDatabase();
    const start = () => startNode({ COMPACT_AFTER_UPDATES: '20' });
    const [a, b] = [await start(), await start()];
    const left = client(a, 'compacted');
    const right = client(b, 'compacted');
    await Promise.all([waitForSync(left), waitForSync(right)]);
    for (let i = 0; i < 100; i++) {
      type(left, `a${i};`);
      type(right, `b${i};`);
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const text = await converged([left, right], ['a99;', 'b99;'], 'both nodes');
    const logRows = () =>
      cluster.postgres.admin(async (pg) => {
        const { rows } = await pg.query<{ rows: string; fence: string }>(
          "SELECT (SELECT count(*) FROM tandem_log WHERE doc = 'compacted') AS rows, fence FROM tandem_documents WHERE name = 'compacted'",
        );
        return { rows: Number(rows[0]?.rows ?? -1), fence: Number(rows[0]?.fence ?? 0) };
      }, database.connectionString);
    // 200 updates appended; compactions keep the log short, and took fencing tokens.
    await waitFor(async () => (await logRows()).fence > 0, { what: 'a compaction under the lease' });
    expect((await logRows()).rows).toBeLessThan(200);
    destroyAll(providers.splice(0));
    const fresh = await start();
    const reader = client(fresh, 'compacted');
    await waitForSync(reader);
    expect(textOf(reader)).toBe(text);
  });
});

describe('cluster mode: Redis and PostgreSQL go away', { timeout: 120_000 }, () => {
  for (const persistent of [false, true]) {
    it(`Redis restarted ${persistent ? 'with its data (AOF)' : 'without its data'}: nodes reconnect, catch up, nothing lost or doubled`, async () => {
      const ownRedis = await RedisServer.start({ persistent });
      try {
        database = await cluster.postgres.createDatabase();
        const start = () => startNode({ REDIS_URL: ownRedis.url, LOG_LEVEL: 'fatal' });
        const [a, b] = [await start(), await start()];
        const left = client(a, 'doc');
        const right = client(b, 'doc');
        await Promise.all([waitForSync(left), waitForSync(right)]);
        type(left, '[a1]');
        type(right, '[b1]');
        await converged([left, right], ['[a1]', '[b1]'], 'before the restart');

        await ownRedis.stop('SIGTERM');
        await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${a.port}/healthz`)).json()) as { status: string }).status === 'degraded', {
          what: 'health to say degraded while Redis is down',
        });
        type(left, '[a2 while Redis is down]');
        type(right, '[b2 while Redis is down]');
        await ownRedis.resume();
        type(left, '[a3]');
        const text = await converged([left, right], ['[a1]', '[b1]', '[a2 while Redis is down]', '[b2 while Redis is down]', '[a3]'], 'after the restart');
        // Applied once each: Yjs would show a doubled insert as doubled text.
        for (const marker of ['[a1]', '[b1]', '[a2 while Redis is down]', '[b2 while Redis is down]', '[a3]']) {
          expect(text.split(marker).length - 1, marker).toBe(1);
        }
        await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${b.port}/healthz`)).json()) as { status: string }).status === 'ok', {
          what: 'health to recover',
        });
      } finally {
        destroyAll(providers.splice(0));
        await Promise.all(nodes.splice(0).map((node) => node.kill('SIGKILL')));
        await ownRedis.destroy();
      }
    });
  }

  it('tells its Tandem clients when a node is cut off from Redis, and when it is back; stock clients are never told', async () => {
    const ownRedis = await RedisServer.start();
    try {
      database = await cluster.postgres.createDatabase();
      const node = await startNode({ REDIS_URL: ownRedis.url, LOG_LEVEL: 'fatal' });
      const received: Message[] = [];
      const socket = new WebSocket(`${node.url}/doc`);
      socket.on('message', (data: Buffer) => received.push(decodeMessage(new Uint8Array(data))));
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(encodePing(1)); // speaks the extension from now on
      const stock = client(node, 'doc');
      await waitForSync(stock);
      const stockReceived: number[] = [];
      stock.ws?.addEventListener('message', (event: { data: unknown }) => stockReceived.push(new Uint8Array(event.data as ArrayBuffer)[0] ?? -1));
      const sharing = () => received.filter((m) => m.type === 'sharing-state');
      await ownRedis.stop('SIGTERM');
      await waitFor(() => sharing().length === 1, { what: 'the cut-off notice' });
      expect(sharing()).toEqual([{ type: 'sharing-state', ok: false }]);
      await ownRedis.resume();
      await waitFor(() => sharing().length === 2, { what: 'the back-again notice' });
      expect(sharing()[1]).toEqual({ type: 'sharing-state', ok: true });
      expect(stockReceived).not.toContain(100);
      socket.close();
    } finally {
      destroyAll(providers.splice(0));
      await Promise.all(nodes.splice(0).map((node) => node.kill('SIGKILL')));
      await ownRedis.destroy();
    }
  });

  it('PostgreSQL stopped for a while: edits still flow between nodes, are kept, and are stored once it is back', async () => {
    database = await cluster.postgres.createDatabase();
    const [a, b] = [await startNode(), await startNode()];
    const left = client(a, 'doc');
    const right = client(b, 'doc');
    await Promise.all([waitForSync(left), waitForSync(right)]);
    type(left, '[before]');
    await converged([left, right], ['[before]'], 'before the outage');
    await cluster.postgres.stop('fast');
    try {
      type(left, '[during a]');
      type(right, '[during b]');
      await converged([left, right], ['[during a]', '[during b]'], 'relayed while PostgreSQL is down');
      await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${a.port}/healthz`)).json()) as { status: string }).status === 'degraded', {
        timeoutMs: 30_000,
        what: 'health to say degraded while PostgreSQL is down',
      });
    } finally {
      await cluster.postgres.resume();
    }
    const text = await converged([left, right], ['[before]', '[during a]', '[during b]'], 'after the outage');
    await Promise.all(
      [a, b].map((node) =>
        waitFor(async () => ((await (await fetch(`http://127.0.0.1:${node.port}/healthz`)).json()) as { status: string }).status === 'ok', {
          timeoutMs: 30_000,
          what: 'health to recover',
        }),
      ),
    );
    destroyAll(providers.splice(0));
    await Promise.all(nodes.splice(0).map((node) => node.kill('SIGTERM')));
    const fresh = await startNode();
    const reader = client(fresh, 'doc');
    await waitForSync(reader);
    expect(textOf(reader)).toBe(text);
  });
});
