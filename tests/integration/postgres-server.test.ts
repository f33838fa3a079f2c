/**
 * The real sync server (the production bundle, as `npm run sync-server` runs it) with DATABASE_URL
 * set: PostgreSQL instead of LevelDB, a real PostgreSQL started by the test. Stock clients edit;
 * the server is killed and restarted; PostgreSQL itself goes away for a while and comes back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import { PostgresServer, type Database } from '../helpers/postgres';
import { waitFor } from '../helpers/poll';
import { connectClient, destroyAll, freePort, makeTempDir, removeDir, spawnServer, textOf, waitForSync, whenSaved, type ChildServer } from '../helpers/server-harness';

let postgres: PostgresServer;
let database: Database;
let dataDir: string;
const providers: WebsocketProvider[] = [];
const children: ChildServer[] = [];

beforeAll(async () => {
  postgres = await PostgresServer.start();
}, 60_000);

afterAll(async () => {
  await postgres?.destroy();
}, 60_000);

afterEach(async () => {
  destroyAll(providers.splice(0));
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
  await removeDir(dataDir);
});

async function server(port: number): Promise<ChildServer> {
  const child = await spawnServer(dataDir, port, { DATABASE_URL: database.connectionString, STORAGE_RETRY_MAX_MS: '200' });
  children.push(child);
  return child;
}

function client(child: ChildServer, docName: string): WebsocketProvider {
  const provider = connectClient(child.url, docName);
  providers.push(provider);
  return provider;
}

async function health(port: number): Promise<{ status: string; storage: { ok: boolean } }> {
  return (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string; storage: { ok: boolean } };
}

describe('the sync server on PostgreSQL', { timeout: 90_000 }, () => {
  it('keeps what clients typed across a kill -9, read back from PostgreSQL', async () => {
    database = await postgres.createDatabase();
    dataDir = await makeTempDir();
    const port = await freePort();
    const first = await server(port);
    expect(first.output()).toContain('"storage":"postgresql"');
    expect(((await health(port)).storage as { backend?: string }).backend).toBe('postgresql');
    const writer = client(first, 'notes');
    const witness = client(first, 'notes');
    await Promise.all([waitForSync(writer), waitForSync(witness)]);
    const text = writer.doc.getText('t');
    for (let i = 0; i < 1_000; i++) text.insert(text.length, `${i % 10}`);
    const expected = text.toString();
    await waitFor(() => textOf(witness) === expected, { what: 'the server to have the edits' });
    await whenSaved(writer); // in PostgreSQL: now kill -9 may come
    destroyAll(providers.splice(0));
    await first.kill('SIGKILL');

    const second = await server(port);
    const reader = client(second, 'notes');
    await waitForSync(reader);
    expect(textOf(reader)).toBe(expected);
    const rows = await postgres.admin(
      async (pgClient) => (await pgClient.query<{ count: string }>("SELECT count(*) FROM tandem_documents WHERE name = 'notes'")).rows[0]?.count,
      database.connectionString,
    );
    expect(rows).toBe('1');
  });

  it('reports storage degraded while PostgreSQL is down, keeps the edits, and writes them when it returns', async () => {
    database = await postgres.createDatabase();
    dataDir = await makeTempDir();
    const port = await freePort();
    const node = await server(port);
    const writer = client(node, 'outage');
    const witness = client(node, 'outage');
    await Promise.all([waitForSync(writer), waitForSync(witness)]);
    const text = writer.doc.getText('t');
    text.insert(0, 'before. ');

    await postgres.stop('fast');
    for (let i = 0; i < 200; i++) text.insert(text.length, 'd');
    await waitFor(async () => (await health(port)).status === 'degraded', { timeoutMs: 30_000, what: 'health to say degraded' });
    await waitFor(() => textOf(witness) === text.toString(), { what: 'edits still relayed while storage is down' });
    await postgres.resume();
    await waitFor(async () => (await health(port)).status === 'ok', { timeoutMs: 30_000, what: 'health to recover' });
    text.insert(text.length, ' after.');
    const expected = text.toString();
    await waitFor(() => textOf(witness) === expected, { what: 'the server to have the later edits' });
    destroyAll(providers.splice(0));
    expect(await node.kill('SIGTERM')).toBe(0);

    const restarted = await server(port);
    const reader = client(restarted, 'outage');
    await waitForSync(reader);
    expect(textOf(reader)).toBe(expected);
  });
});
