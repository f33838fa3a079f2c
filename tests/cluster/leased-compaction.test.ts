/**
 * Cluster mode's compaction policy without Redis: two nodes' persistence over one shared store (the
 * memory store, fenced as PostgreSQL is) and leases held in this process.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { leasedCompaction } from '../../sync-server/cluster/leased-compaction';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { MemoryLeaseTable } from '../helpers/memory-lease';
import { persistenceOver, storedText, type } from '../helpers/persistence-node';
import { waitFor } from '../helpers/poll';

const logger = pino({ level: 'silent' });

function cluster(afterUpdates: number) {
  const store = new MemoryDocumentStore();
  const leases = new MemoryLeaseTable();
  const node = (name: string) => persistenceOver(store, leasedCompaction(store, leases.lease(name), afterUpdates, logger));
  return { store, leases, node };
}

describe('leased compaction', () => {
  it("compacts from what every node stored once this node's own appends pass the threshold, then releases the lease", async () => {
    const { store, leases, node } = cluster(5);
    const a = node('a');
    const b = node('b');
    const atA = await a.open('doc');
    const atB = await b.open('doc');
    await type(b, atB.doc, 'xy');
    await type(a, atA.doc, 'abcd');
    expect((await store.load('doc')).log).toHaveLength(6);
    await type(a, atA.doc, 'e');
    await waitFor(async () => (await store.load('doc')).log.length === 0, { what: 'a compaction' });
    const text = await storedText(store, 'doc');
    expect(text).toHaveLength(7);
    expect(text).toContain('abcde');
    expect(text).toContain('xy');
    expect(leases.holderOf('doc')).toBeNull();
  });

  it('joins what this node holds and nobody stored (relayed from a node that died) into the snapshot at the unload', async () => {
    const { store, node } = cluster(1000);
    const a = node('a');
    const { doc, storage } = await a.open('doc');
    const dead = new Y.Doc();
    dead.getText('t').insert(0, 'kept');
    // Applied as storage's origin: the queue does not write it, as with an update another node relayed.
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(dead), 'storage');
    await type(a, doc, '!');
    await storage.flushAndCompact();
    expect(await store.load('doc')).toMatchObject({ log: [] });
    expect(await storedText(store, 'doc')).toBe('kept!');
  });

  it('leaves a long log found at load to the nodes that appended it, and compacts nothing while another node holds the lease', async () => {
    const { store, leases, node } = cluster(3);
    const c = leases.lease('c'); // a third node, compacting
    const b = node('b');
    const atB = await b.open('doc');
    expect(await c.acquire('doc')).toBe(1);
    await type(b, atB.doc, 'abcd');
    await b.scheduler.settle();
    expect((await store.load('doc')).log).toHaveLength(4);
    await c.release('doc');

    const a = node('a');
    const atA = await a.open('doc');
    await a.scheduler.settle();
    expect((await store.load('doc')).log).toHaveLength(4);

    expect(await c.acquire('doc')).toBe(2);
    await type(a, atA.doc, 'e');
    await a.scheduler.settle();
    expect((await store.load('doc')).log).toHaveLength(5);

    await c.release('doc');
    await atA.storage.flushAndCompact();
    expect(await store.load('doc')).toMatchObject({ log: [] });
    expect(await storedText(store, 'doc')).toBe('abcde');
  });

  it('writes nothing under a token older than the last compaction carried', async () => {
    const store = new MemoryDocumentStore();
    await store.append([{ docName: 'doc', update: new Uint8Array([1]) }]);
    const merge = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
    expect(await store.compactFromStored('doc', 2, merge)).toBe('compacted');
    await store.append([{ docName: 'doc', update: new Uint8Array([2]) }]);
    expect(await store.compactFromStored('doc', 1, merge)).toBe('fenced-out');
    expect(await store.compactFromStored('doc', 2, merge)).toBe('fenced-out');
    expect(await store.load('doc')).toEqual({ snapshot: new Uint8Array([1]), log: [new Uint8Array([2])] });
    expect(await store.compactFromStored('doc', 3, merge)).toBe('compacted');
    expect(await store.load('doc')).toEqual({ snapshot: new Uint8Array([1, 2]), log: [] });
  });
});
