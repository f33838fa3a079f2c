/**
 * The comment routes in cluster mode (real redis-server and PostgreSQL, two production-bundle nodes):
 * a comment posted through one node is written into that node's comments room, which replicates like
 * any edit, so a client of the comments document on the other node sees it, and the other node's
 * routes list it against its own copy of the text.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { readThreads } from '../../lib/comments/comment-store';
import { commentsDocumentName } from '../../lib/comments/comments-document';
import { parseContent, writeDocument } from '../../lib/editor/document-import';
import { CONTENT_FIELD } from '../../lib/editor/schema';
import { PostgresServer } from '../helpers/postgres';
import { waitFor } from '../helpers/poll';
import { RedisServer } from '../helpers/redis';
import { connectClient, destroyAll, freePort, makeTempDir, removeDir, roundTrip, spawnServer, waitForSync, type ChildServer } from '../helpers/server-harness';

let postgres: PostgresServer;
let redis: RedisServer;
const dirs: string[] = [];
const providers: WebsocketProvider[] = [];
const nodes: ChildServer[] = [];

beforeAll(async () => {
  [postgres, redis] = await Promise.all([PostgresServer.start(), RedisServer.start()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([postgres?.destroy(), redis?.destroy()]);
}, 60_000);

afterEach(async () => {
  destroyAll(providers.splice(0));
  await Promise.all(nodes.splice(0).map((node) => node.kill('SIGKILL')));
  await Promise.all(dirs.splice(0).map(removeDir));
});

async function startNode(databaseUrl: string): Promise<ChildServer> {
  const dir = await makeTempDir();
  dirs.push(dir);
  const node = await spawnServer(dir, await freePort(), { REDIS_URL: redis.url, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
  nodes.push(node);
  return node;
}

function client(node: ChildServer, docName: string): WebsocketProvider {
  const provider = connectClient(node.url, docName, new Y.Doc());
  providers.push(provider);
  return provider;
}

describe('comment API in cluster mode', { timeout: 120_000 }, () => {
  it('a comment posted through one node reaches a client of the comments document on another, and the other node lists it', async () => {
    const database = await postgres.createDatabase();
    const [a, b] = [await startNode(database.connectionString), await startNode(database.connectionString)];
    const writer = client(a, 'cluster-comments');
    const reader = client(b, 'cluster-comments');
    const watcher = client(b, commentsDocumentName('cluster-comments'));
    await Promise.all([writer, reader, watcher].map((provider) => waitForSync(provider)));
    writeDocument(writer.doc, { title: '', content: parseContent('Shared words on two nodes.', 'markdown') }, 'local');
    await roundTrip(writer);
    await waitFor(() => reader.doc.getXmlFragment(CONTENT_FIELD).toString().includes('two nodes'), { what: 'the text on node b' });

    const posted = await fetch(`http://127.0.0.1:${a.port}/docs/cluster-comments/comments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ quote: 'two nodes', body: 'Through node a.' }),
    });
    expect(posted.status).toBe(201);
    const thread = (await posted.json()) as { id: string };
    await waitFor(() => readThreads(watcher.doc).some((stored) => stored.id === thread.id), { what: 'the thread on a client of node b' });

    const listed = await fetch(`http://127.0.0.1:${b.port}/docs/cluster-comments/comments`);
    expect(await listed.json()).toMatchObject({ threads: [{ id: thread.id, quote: 'two nodes', detached: false, comments: [{ body: 'Through node a.' }] }] });
  });
});
