/** The single node's compaction policy, through the persistence queue it is given to (memory store, manual clock). */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { localCompaction } from '../../sync-server/document/compaction-policy';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { persistenceOver, storedText, type } from '../helpers/persistence-node';
import { ControllableStore } from '../helpers/store-wrappers';

describe('local compaction', () => {
  it('writes the document as its snapshot once the log reaches the threshold', async () => {
    const store = new ControllableStore(new MemoryDocumentStore());
    const node = persistenceOver(store, localCompaction(5));
    const { doc } = await node.open('doc');
    await type(node, doc, 'abcd');
    expect(store.compactCalls).toBe(0);
    expect((await store.load('doc')).log).toHaveLength(4);
    await type(node, doc, 'e');
    expect(store.compactCalls).toBe(1);
    const stored = await store.load('doc');
    expect(stored.log).toHaveLength(0);
    expect(await storedText(store, 'doc')).toBe('abcde');
  });

  it('compacts a long log found at load at once', async () => {
    const memory = new MemoryDocumentStore();
    const writer = new Y.Doc();
    for (const character of 'abcdef') {
      const before = Y.encodeStateVector(writer);
      writer.getText('t').insert(writer.getText('t').length, character);
      await memory.append([{ docName: 'doc', update: Y.encodeStateAsUpdate(writer, before) }]);
    }
    const store = new ControllableStore(memory);
    const node = persistenceOver(store, localCompaction(5));
    await node.open('doc');
    await node.scheduler.settle();
    expect(store.compactCalls).toBe(1);
    expect(await store.load('doc')).toMatchObject({ log: [] });
    expect(await storedText(store, 'doc')).toBe('abcdef');
  });

  it('compacts before an unload below the threshold, and writes nothing when nothing is logged', async () => {
    const store = new ControllableStore(new MemoryDocumentStore());
    const node = persistenceOver(store, localCompaction(1000));
    const { doc, storage } = await node.open('doc');
    doc.getText('t').insert(0, 'unsaved');
    await storage.flushAndCompact();
    expect(store.compactCalls).toBe(1);
    expect(await store.load('doc')).toMatchObject({ log: [] });
    expect(await storedText(store, 'doc')).toBe('unsaved');

    const idle = await node.open('idle');
    await idle.storage.flushAndCompact();
    expect(store.compactCalls).toBe(1);
    expect(await store.load('idle')).toEqual({ snapshot: null, log: [] });
  });

  it('writes the document as its snapshot once the log holds the threshold in bytes, however few its entries', async () => {
    const store = new ControllableStore(new MemoryDocumentStore());
    const node = persistenceOver(store, localCompaction(1000, 1000));
    const { doc } = await node.open('doc');
    await type(node, doc, 'a');
    expect(store.compactCalls).toBe(0);
    // One pasted passage: one update bigger than the byte threshold.
    doc.getText('t').insert(1, 'x'.repeat(2000));
    await node.scheduler.settle();
    expect(store.compactCalls).toBe(1);
    expect(await store.load('doc')).toMatchObject({ log: [] });
    expect(await storedText(store, 'doc')).toBe(`a${'x'.repeat(2000)}`);
  });

  it('compacts a log found at load that is long in bytes', async () => {
    const memory = new MemoryDocumentStore();
    const writer = new Y.Doc();
    writer.getText('t').insert(0, 'y'.repeat(3000));
    await memory.append([{ docName: 'doc', update: Y.encodeStateAsUpdate(writer) }]);
    const store = new ControllableStore(memory);
    const node = persistenceOver(store, localCompaction(1000, 1000));
    await node.open('doc');
    await node.scheduler.settle();
    expect(store.compactCalls).toBe(1);
    expect(await store.load('doc')).toMatchObject({ log: [] });
  });

  it('folds a log worth folding before the server stops, and leaves a short one', async () => {
    const store = new ControllableStore(new MemoryDocumentStore());
    const node = persistenceOver(store, localCompaction(1000, 100_000, 1000));
    const big = await node.open('big');
    big.doc.getText('t').insert(0, 'z'.repeat(1500));
    const small = await node.open('small');
    await type(node, small.doc, 'ab');
    await Promise.all([big.storage.beforeShutdown(), small.storage.beforeShutdown()]);
    expect(store.compactCalls).toBe(1);
    expect(await store.load('big')).toMatchObject({ log: [] });
    expect((await store.load('small')).log).toHaveLength(2);
    expect(await storedText(store, 'big')).toBe('z'.repeat(1500));
  });
});
