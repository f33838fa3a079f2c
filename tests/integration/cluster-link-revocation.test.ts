/**
 * Revoking a share link in cluster mode, through real processes: three nodes of the production
 * bundle over Debian's redis-server and PostgreSQL, stock y-websocket clients. The DELETE reaches
 * one node; the connections opened with that link sit on another, and must close there with 4403
 * within 2 s, while a connection of another link on the same node keeps editing.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { CloseCode } from '../../lib/protocol/close-codes';
import { LINK_REVOKED_REASON } from '../../lib/protocol/close-reasons';
import { useClusterFixture } from '../helpers/cluster-fixture';
import { converged, typeAtEnd } from '../helpers/convergence';
import { waitFor } from '../helpers/poll';
import { textOf, waitForSync, whenSaved, type ChildServer } from '../helpers/server-harness';

const SECRET = 'cluster-link-revocation-test-secret-0123456789';

const cluster = useClusterFixture();

function startNode(databaseUrl: string): Promise<ChildServer> {
  return cluster.startNode(databaseUrl, { AUTH: 'on', AUTH_SECRET: SECRET });
}

function client(node: ChildServer, docId: string, token: string): WebsocketProvider {
  return cluster.client(node, docId, new Y.Doc(), { token });
}

function closesOf(provider: WebsocketProvider): Array<{ code: number; reason: string; at: number }> {
  const closes: Array<{ code: number; reason: string; at: number }> = [];
  provider.on('connection-close', (event: CloseEvent | null) => {
    if (event !== null) closes.push({ code: event.code, reason: event.reason, at: Date.now() });
  });
  return closes;
}

async function json<T>(response: Response, status: number): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(status);
  return (await response.json()) as T;
}

describe('cluster mode: revoking a share link', { timeout: 120_000 }, () => {
  it('closes the link’s connections on another node within 2 s; another link on that node keeps editing', async () => {
    const database = await cluster.postgres.createDatabase();
    const [a, b, c] = [await startNode(database.connectionString), await startNode(database.connectionString), await startNode(database.connectionString)];

    const doc = await json<{ id: string; ownerToken: string }>(await fetch(`http://127.0.0.1:${a.port}/docs`, { method: 'POST' }), 201);
    const createLink = async (name: string) =>
      json<{ id: string; token: string }>(
        await fetch(`http://127.0.0.1:${a.port}/docs/${doc.id}/links`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${doc.ownerToken}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ role: 'edit', name }),
        }),
        201,
      );
    const [danaLink, eveLink] = [await createLink('Dana'), await createLink('Eve')];

    // Dana and Eve on node C through their own links, the owner on node A.
    const owner = client(a, doc.id, doc.ownerToken);
    const dana = client(c, doc.id, danaLink.token);
    const eve = client(c, doc.id, eveLink.token);
    const danaCloses = closesOf(dana);
    const eveCloses = closesOf(eve);
    await Promise.all([owner, dana, eve].map((provider) => waitForSync(provider)));
    typeAtEnd(dana, '[dana before]');
    typeAtEnd(eve, '[eve before]');
    await Promise.all([whenSaved(dana), whenSaved(eve)]);
    await converged([owner, dana, eve], ['[dana before]', '[eve before]'], 'the three clients before the revocation');

    // The DELETE goes to node B, which holds none of the connections.
    const deleted = await fetch(`http://127.0.0.1:${b.port}/docs/${doc.id}/links/${danaLink.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${doc.ownerToken}` },
    });
    expect(deleted.status).toBe(204);
    const revokedAt = Date.now();
    await waitFor(() => danaCloses.length > 0, { timeoutMs: 5_000, intervalMs: 10, what: 'Dana’s connection on node C to close' });
    const closed = danaCloses[0]!;
    console.log(`[figure] revoked on node B, Dana's connection on node C closed ${closed.at - revokedAt} ms later`);
    expect(closed).toMatchObject({ code: CloseCode.Forbidden, reason: LINK_REVOKED_REASON });
    expect(closed.at - revokedAt).toBeLessThan(2_000);

    // Eve, on the same node through another link, is untouched and keeps editing with the owner.
    typeAtEnd(eve, '[eve after]');
    await whenSaved(eve);
    await waitFor(() => textOf(owner).includes('[eve after]'), { what: 'Eve’s edit after the revocation to reach the owner' });
    expect(eveCloses).toEqual([]);
    // What Dana sent before the revocation stays.
    expect(textOf(owner)).toContain('[dana before]');

    // From now on the token is refused on every node, including one that never saw the DELETE.
    for (const node of [a, c]) {
      const late = client(node, doc.id, danaLink.token);
      const lateCloses = closesOf(late);
      await waitFor(() => lateCloses.length > 0, { what: `the revoked token to be refused on port ${node.port}` });
      expect(lateCloses[0]).toMatchObject({ code: CloseCode.Forbidden });
      late.destroy();
    }
  });
});
