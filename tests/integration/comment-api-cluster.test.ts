/**
 * The comment routes in cluster mode (real redis-server and PostgreSQL, two production-bundle nodes):
 * a comment posted through one node is written into that node's comments room, which replicates like
 * any edit, so a client of the comments document on the other node sees it, and the other node's
 * routes list it against its own copy of the text.
 */
import { describe, expect, it } from 'vitest';
import { readThreads } from '../../lib/comments/comment-store';
import { commentsDocumentName } from '../../lib/comments/comments-document';
import { parseContent, writeDocument } from '../../lib/editor/document-import';
import { CONTENT_FIELD } from '../../lib/editor/schema';
import { useClusterFixture } from '../helpers/cluster-fixture';
import { waitFor } from '../helpers/poll';
import { roundTrip, waitForSync } from '../helpers/server-harness';

const cluster = useClusterFixture();
const { startNode, client } = cluster;

describe('comment API in cluster mode', { timeout: 120_000 }, () => {
  it('a comment posted through one node reaches a client of the comments document on another, and the other node lists it', async () => {
    const database = await cluster.postgres.createDatabase();
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
