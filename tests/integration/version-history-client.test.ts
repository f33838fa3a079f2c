/**
 * The browser's version history client against a real sync server: the same calls the History
 * panel makes, and the errors it shows for each way they can fail.
 */
import { createServer as createNetServer, type AddressInfo, type Socket as NetSocket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VersionHistoryClient, VersionHistoryError } from '../../lib/client/history/version-history-api';
import { freePort, makeTempDir, removeDir, startServer, type InProcessServer } from '../helpers/server-harness';

let dataDir: string;
let server: InProcessServer | null = null;

beforeEach(async () => {
  dataDir = await makeTempDir('tandem-history-client-');
});

afterEach(async () => {
  await server?.stop();
  server = null;
  await removeDir(dataDir);
});

async function newDocument(env: Record<string, string> = {}) {
  server = await startServer(dataDir, { AUTH: 'on', ...env });
  const base = `http://127.0.0.1:${server.port}`;
  const created = (await (await fetch(`${base}/docs`, { method: 'POST' })).json()) as { id: string; editToken: string; viewToken: string };
  const write = (markdown: string) =>
    fetch(`${base}/docs/${created.id}/content?mode=replace`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${created.editToken}`, 'Content-Type': 'text/markdown' },
      body: markdown,
    });
  const client = (token: string | null) => new VersionHistoryClient({ httpBase: base, docId: created.id, token });
  return { base, created, write, client };
}

async function problemOf(promise: Promise<unknown>): Promise<{ problem: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof VersionHistoryError) return { problem: error.problem, message: error.message };
    throw error;
  }
  throw new Error('expected a VersionHistoryError');
}

describe('the version history client', () => {
  it('names, lists, reads and restores versions with an edit token', async () => {
    const { write, created, client } = await newDocument();
    const history = client(created.editToken);
    expect(await history.list()).toEqual([]);
    await write('Original words.');
    const named = await history.name('First draft');
    expect(named).toMatchObject({ kind: 'named', name: 'First draft', restoredFrom: null });
    await write('Replaced.');
    const content = await history.content(named.id);
    expect(content.content.content?.[0]?.content?.[0]?.text).toBe('Original words.');
    const { before, restored } = await history.restore(named.id);
    expect(before.kind).toBe('before-restore');
    expect(restored).toMatchObject({ kind: 'restore', restoredFrom: named.id });
    expect((await history.list()).map((v) => v.id)).toEqual([restored.id, before.id, named.id]);
  });

  it('says what went wrong: a view link, a missing version, history off, no server, a silent server', async () => {
    const { created, client } = await newDocument();
    expect(await problemOf(client(created.viewToken).list())).toEqual({ problem: 'forbidden', message: expect.stringContaining('needs an edit link') });
    expect(await problemOf(client(null).list())).toMatchObject({ problem: 'forbidden' });
    expect(await problemOf(client(created.editToken).content(99))).toEqual({ problem: 'not-found', message: 'The server no longer has version 99.' });
    expect(await problemOf(client(created.editToken).name(''))).toMatchObject({ problem: 'rejected', message: 'a version needs a name' });
    await server?.stop();
    server = null;

    const off = await newDocument({ HISTORY: 'off' });
    expect(await problemOf(off.client(off.created.editToken).list())).toEqual({ problem: 'not-found', message: 'Version history is turned off on this server.' });

    const down = await freePort();
    const unreachable = new VersionHistoryClient({ httpBase: `http://127.0.0.1:${down}`, docId: 'd', token: 't' });
    expect(await problemOf(unreachable.list())).toMatchObject({ problem: 'unreachable' });

    const held: NetSocket[] = [];
    const silent = createNetServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const waiting = new VersionHistoryClient({ httpBase: `http://127.0.0.1:${port}`, docId: 'd', token: 't', timeoutMs: 200 });
      expect(await problemOf(waiting.list())).toEqual({ problem: 'timeout', message: 'The sync server did not answer within 0 s.' });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
