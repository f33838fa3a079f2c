import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { LevelDbDocumentStore } from '../../sync-server/storage/leveldb-store';
import { waitFor } from '../helpers/poll';
import {
  connectClient,
  destroyAll,
  freePort,
  makeTempDir,
  removeDir,
  spawnServer,
  startServer,
  storedText,
  textOf,
  waitForSync,
  whenSaved,
  type ChildServer,
} from '../helpers/server-harness';

let dataDir: string;
const providers: WebsocketProvider[] = [];
const children: ChildServer[] = [];

function client(url: string, docName: string): WebsocketProvider {
  const provider = connectClient(url, docName);
  providers.push(provider);
  return provider;
}

beforeEach(async () => {
  dataDir = await makeTempDir();
});

afterEach(async () => {
  destroyAll(providers.splice(0));
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
  await removeDir(dataDir);
});

describe('persistence across restarts', () => {
  it('a cold 1 MB document arrives complete with the first sync', async () => {
    const seed = new Y.Doc();
    const text = seed.getText('t');
    let state = 7;
    const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
    // ~20,000 mixed inserts and deletes, as a long editing history produces.
    for (let i = 0; i < 20_000; i++) {
      if (text.length > 100 && random() < 0.25) text.delete(Math.floor(random() * (text.length - 10)), 5);
      else text.insert(Math.floor(random() * text.length), 'lorem ipsum dolor sit amet '.slice(0, 5 + Math.floor(random() * 60)));
    }
    const expected = text.toString();
    const store = await LevelDbDocumentStore.open(path.join(dataDir, 'documents'));
    await store.append([{ docName: 'big', update: Y.encodeStateAsUpdate(seed) }]);
    await store.close();
    expect(Y.encodeStateAsUpdate(seed).byteLength).toBeGreaterThan(500_000);

    const server = await startServer(dataDir);
    const reader = client(server.url, 'big');
    let textAtSync: string | null = null;
    reader.once('sync', () => {
      textAtSync = textOf(reader);
    });
    await waitForSync(reader, 20_000);
    // The content is there the moment the client reports synced, not delivered as a later update.
    expect(textAtSync).toBe(expected);
    destroyAll(providers.splice(0));
    await server.stop();
  });

  it('a restart keeps everything', async () => {
    const first = await startServer(dataDir);
    const writer = client(first.url, 'notes');
    await waitForSync(writer);
    writer.doc.getText('t').insert(0, 'survives a restart');
    writer.doc.getMap('meta').set('title', 'Notes');
    const witness = client(first.url, 'notes');
    await waitFor(() => textOf(witness) === 'survives a restart' && witness.doc.getMap('meta').get('title') === 'Notes', {
      what: 'the server has the edits',
    });
    destroyAll(providers.splice(0));
    await first.stop();

    const second = await startServer(dataDir);
    const reader = client(second.url, 'notes');
    await waitForSync(reader);
    expect(textOf(reader)).toBe('survives a restart');
    expect(reader.doc.getMap('meta').get('title')).toBe('Notes');
    destroyAll(providers.splice(0));
    await second.stop();
  });

  it('a graceful stop right after a 4,000-edit burst keeps every edit', async () => {
    const server = await startServer(dataDir);
    const writer = client(server.url, 'burst');
    await waitForSync(writer);
    const text = writer.doc.getText('t');
    for (let i = 0; i < 4000; i++) text.insert(text.length, String(i % 10));
    const expected = text.toString();
    // Stop as soon as the server has received the burst, without waiting for it to be written.
    await waitFor(() => server.server.metrics.messagesReceived.get().then((m) => {
      const updates = m.values.find((v) => v.labels.type === 'sync-update');
      return (updates?.value ?? 0) >= 4000;
    }), { what: 'burst received' });
    await server.stop();
    expect(await storedText(dataDir, 'burst')).toBe(expected);
  });

  it('kill -9 loses nothing the server acknowledged as saved', async () => {
    const port = await freePort();
    const child = await spawnServer(dataDir, port);
    children.push(child);
    const writer = client(child.url, 'crash');
    await waitForSync(writer);
    const text = writer.doc.getText('t');
    for (let i = 0; i < 500; i++) text.insert(text.length, 'x');
    text.insert(text.length, ' end');
    const expected = text.toString();
    // Killed the moment the server says the edits are on disk (the save extension), not a guessed
    // time after sending them: on a loaded machine the sending alone can take half a second.
    await whenSaved(writer);
    destroyAll(providers.splice(0));
    await child.kill('SIGKILL');
    expect(await storedText(dataDir, 'crash')).toBe(expected);
  });

  it('kill -9 loses nothing a stock client never asked to save, once the server has received it', async () => {
    const port = await freePort();
    const child = await spawnServer(dataDir, port);
    children.push(child);
    const writer = client(child.url, 'unasked');
    await waitForSync(writer);
    const text = writer.doc.getText('t');
    for (let i = 0; i < 500; i++) text.insert(text.length, 'y');
    text.insert(text.length, ' end');
    const expected = text.toString();
    // Once the server has the edits (it relayed them to a second client), it writes them by itself
    // within a moment: its queue of received updates not yet on disk empties without anyone asking.
    const witness = client(child.url, 'unasked');
    await waitFor(() => textOf(witness) === expected, { what: 'the server to relay the edits' });
    await waitFor(
      async () => /^tandem_storage_pending_updates 0$/m.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
      { what: 'the received edits to be written', timeoutMs: 5_000, intervalMs: 10 },
    );
    destroyAll(providers.splice(0));
    await child.kill('SIGKILL');
    expect(await storedText(dataDir, 'unasked')).toBe(expected);
  });

  it('clients reconnect after a crash and merge what was typed while the server was down', async () => {
    const port = await freePort();
    const crashed = await spawnServer(dataDir, port);
    children.push(crashed);
    const alice = client(crashed.url, 'down');
    const bob = client(crashed.url, 'down');
    await Promise.all([waitForSync(alice), waitForSync(bob)]);
    alice.doc.getText('t').insert(0, 'before crash.');
    await waitFor(() => textOf(bob) === 'before crash.');
    await crashed.kill('SIGKILL');
    await waitFor(() => !alice.wsconnected && !bob.wsconnected, { what: 'clients notice the crash' });
    alice.doc.getText('t').insert(textOf(alice).length, ' alice while down.');
    bob.doc.getText('t').insert(0, 'bob while down. ');

    const restarted = await spawnServer(dataDir, port);
    children.push(restarted);
    await waitFor(
      () => textOf(alice) === textOf(bob) && textOf(alice).includes('alice while down') && textOf(alice).includes('bob while down'),
      { timeoutMs: 20_000, what: 'both reconnected and merged' },
    );
    const reader = client(restarted.url, 'down');
    await waitForSync(reader);
    await waitFor(() => textOf(reader) === textOf(alice), { what: 'a fresh reader sees everything' });
  });

  it('SIGTERM flushes, closes clients with 1012 and exits 0', async () => {
    const port = await freePort();
    const child = await spawnServer(dataDir, port);
    children.push(child);
    const writer = client(child.url, 'term');
    await waitForSync(writer);
    const closeCodes: number[] = [];
    writer.on('connection-close', (event: { code: number } | null) => {
      if (event) closeCodes.push(event.code);
    });
    const text = writer.doc.getText('t');
    for (let i = 0; i < 1000; i++) text.insert(text.length, 'y');
    const expected = text.toString();
    const witness = client(child.url, 'term');
    await waitFor(() => textOf(witness) === expected, { what: 'the server received the edits' });
    writer.shouldConnect = false;
    const exitCode = await child.kill('SIGTERM');
    expect(exitCode).toBe(0);
    expect(closeCodes).toContain(1012);
    expect(await storedText(dataDir, 'term')).toBe(expected);
  });
});
