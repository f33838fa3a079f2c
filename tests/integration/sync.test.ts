import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { waitFor } from '../helpers/poll';
import { connectClient, textOf, waitForSync } from '../helpers/server-harness';
import { useServerPerTest } from '../helpers/server-per-test';

const fixture = useServerPerTest({});

function client(docName: string, doc?: Y.Doc): WebsocketProvider {
  const provider = connectClient(fixture.server.url, docName, doc);
  fixture.providers.push(provider);
  return provider;
}

describe('stock y-websocket clients against the sync server', () => {
  it('two clients converge', async () => {
    const alice = client('shared');
    const bob = client('shared');
    await Promise.all([waitForSync(alice), waitForSync(bob)]);
    alice.doc.getText('t').insert(0, 'Hello ');
    bob.doc.getText('t').insert(0, 'World');
    await waitFor(() => textOf(alice) === textOf(bob) && textOf(alice).length === 11, { what: 'convergence' });
  });

  it('a late joiner receives everything', async () => {
    const alice = client('late');
    await waitForSync(alice);
    for (let i = 0; i < 100; i++) alice.doc.getText('t').insert(i, String(i % 10));
    const expected = textOf(alice);
    const bob = client('late');
    await waitForSync(bob);
    await waitFor(() => textOf(bob) === expected, { what: 'late joiner content' });
  });

  it('keeps documents isolated, including names with reserved characters', async () => {
    // y-websocket puts the room name into the URL as it is; percent-encoding it is the caller's job.
    const names = ['a', 'a/b', 'a%2Fb', 'ünï code'].map(encodeURIComponent);
    const writers = names.map((name) => client(name));
    await Promise.all(writers.map((w) => waitForSync(w)));
    writers.forEach((writer, i) => writer.doc.getText('t').insert(0, `doc ${i}`));
    const readers = names.map((name) => client(name));
    await Promise.all(readers.map((r) => waitForSync(r)));
    for (let i = 0; i < names.length; i++) {
      await waitFor(() => textOf(readers[i]!) === `doc ${i}`, { what: `content of ${names[i]}` });
    }
  });

  it('syncs 40 documents at once', async () => {
    const pairs = Array.from({ length: 40 }, (_, i) => [client(`many-${i}`), client(`many-${i}`)] as const);
    await Promise.all(pairs.flat().map((p) => waitForSync(p, 20_000)));
    pairs.forEach(([writer], i) => writer.doc.getText('t').insert(0, `text ${i}`));
    await waitFor(() => pairs.every(([, reader], i) => textOf(reader) === `text ${i}`), {
      timeoutMs: 20_000,
      what: '40 documents converged',
    });
  });

  it('merges edits made offline on both sides', async () => {
    const alice = client('offline');
    const bob = client('offline');
    await Promise.all([waitForSync(alice), waitForSync(bob)]);
    alice.doc.getText('t').insert(0, 'base');
    await waitFor(() => textOf(bob) === 'base');
    alice.disconnect();
    bob.disconnect();
    alice.doc.getText('t').insert(4, ' alice');
    bob.doc.getText('t').insert(0, 'bob ');
    alice.connect();
    bob.connect();
    await waitFor(() => textOf(alice) === textOf(bob) && textOf(alice).includes('alice') && textOf(alice).includes('bob'), {
      what: 'offline edits merged',
    });
  });

  it('shows presence and removes it at once when a client vanishes without closing', async () => {
    const alice = client('presence');
    const bob = client('presence');
    await Promise.all([waitForSync(alice), waitForSync(bob)]);
    alice.awareness.setLocalStateField('user', { name: 'Alice' });
    await waitFor(() => bob.awareness.getStates().get(alice.doc.clientID)?.user?.name === 'Alice', {
      what: 'Alice visible to Bob',
    });
    // An abrupt drop: no close frame, as when a laptop loses its network.
    const socket = alice.ws as unknown as { terminate(): void };
    alice.shouldConnect = false;
    socket.terminate();
    const started = Date.now();
    await waitFor(() => !bob.awareness.getStates().has(alice.doc.clientID), { what: 'Alice removed' });
    // Far sooner than the 30 s awareness timeout clients would otherwise fall back to.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
