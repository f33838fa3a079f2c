/**
 * The behaviour every DocumentStore must have. Each implementation's test file calls
 * runDocumentStoreContract with a function that opens a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import * as Y from 'yjs';
import {
  StorageError,
  type DocumentStore,
  type StoredDocument,
  type StoredVersion,
  type VersionMeta,
} from '../../sync-server/storage/document-store';
import { runShareLinkContract, type ContractStore } from './share-link-store.contract';

export interface OpenedDocumentStore {
  readonly store: ContractStore;
  /** Opens another store over the same data. The suite closes `store` before calling it. */
  readonly reopen?: () => Promise<ContractStore>;
  /** Closes every store opened for the test and removes its data. */
  readonly cleanup: () => Promise<void>;
}

const EMPTY: StoredDocument = { snapshot: null, log: [] };

/** Names chosen to collide under naive key schemes: separators, escapes, prefixes, odd characters. */
const CONFUSABLE_NAMES = [
  'a',
  'a/b',
  'a%2Fb',
  'a%252Fb',
  'a/',
  '/a',
  'ab',
  'a b',
  'a/snapshot',
  'a/log/000000000000',
  'doc',
  'doc/a',
  '%',
  '%%',
  '%2F',
  ' ',
  '',
  'ü',
  'u\u0308',
  'こんにちは',
  '😀',
  'x'.repeat(999),
  'x'.repeat(1_000),
];

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/** A document rebuilt from what a store returned, the way the sync server rebuilds it. */
function rebuild(stored: StoredDocument): Y.Doc {
  const doc = new Y.Doc();
  if (stored.snapshot !== null) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.log) Y.applyUpdate(doc, update);
  return doc;
}

function meta(overrides: Partial<VersionMeta> = {}): VersionMeta {
  return {
    createdAt: 1_700_000_000_000,
    kind: 'auto',
    name: null,
    authors: [{ name: 'Ada', color: '#d9480f' }],
    restoredFrom: null,
    encoding: 'full',
    ...overrides,
  };
}

function version(id: number, update: Uint8Array, overrides: Partial<VersionMeta> = {}): StoredVersion {
  return { id, meta: meta(overrides), update };
}

/** Records every update a Y.Doc emits, as the sync server receives them from clients. */
function recordUpdates(doc: Y.Doc): Uint8Array[] {
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return updates;
}

export function runDocumentStoreContract(name: string, openStore: () => Promise<OpenedDocumentStore>): void {
  describe(`${name} (DocumentStore contract)`, () => {
    let opened: OpenedDocumentStore;
    let store: ContractStore;

    beforeEach(async () => {
      opened = await openStore();
      store = opened.store;
    });

    afterEach(async () => {
      await opened.cleanup();
    });

    /** Closes the store and opens it again, or skips the test for stores that cannot reopen. */
    async function closeAndReopen(context: TestContext): Promise<ContractStore> {
      const reopen = opened.reopen;
      if (reopen === undefined) context.skip(`${name} keeps nothing across close`);
      await store.close();
      store = await reopen();
      return store;
    }

    runShareLinkContract({ store: () => store, closeAndReopen });

    it('loads an unknown document as empty', async () => {
      expect(await store.load('never-written')).toEqual(EMPTY);
      expect(await store.listDocuments()).toEqual([]);
    });

    it('round-trips appended bytes exactly and in order', async () => {
      const large = Uint8Array.from({ length: 64 * 1024 }, (_, index) => (index * 31) % 256);
      const updates = [bytes(0), bytes(255, 0, 128), new Uint8Array(0), large, text('hello ✓')];
      await store.append(updates.map((update) => ({ docName: 'doc', update })));

      expect(await store.load('doc')).toEqual({ snapshot: null, log: updates });
    });

    it('keeps append order over many calls and many entries', async () => {
      const expected: Uint8Array[] = [];
      const firstCall = Array.from({ length: 40 }, (_, index) => bytes(1, index));
      expected.push(...firstCall);
      await store.append(firstCall.map((update) => ({ docName: 'doc', update })));
      // Enough entries to cross several digit boundaries of any counter encoding (0xf, 0xff, 99, 255).
      for (let index = 0; index < 280; index += 1) {
        const update = bytes(2, index >> 8, index & 0xff);
        expected.push(update);
        await store.append([{ docName: 'doc', update }]);
      }

      expect((await store.load('doc')).log).toEqual(expected);
    });

    it('keeps call order for concurrent appends to one document', async () => {
      await store.append([{ docName: 'doc', update: bytes(0) }]);
      // The first call also touches documents the store has not seen yet, so a store that prepares
      // each call on its own (say, by reading per-document state) would be ready for the later calls first.
      const others = Array.from({ length: 30 }, (_, index) => ({ docName: `other-${index}`, update: bytes(index) }));
      const updates = Array.from({ length: 20 }, (_, index) => bytes(index + 1));
      await Promise.all(
        updates.map((update, index) => store.append([{ docName: 'doc', update }, ...(index === 0 ? others : [])])),
      );

      expect((await store.load('doc')).log).toEqual([bytes(0), ...updates]);
    });

    it('appends to several documents in one call, keeping order per document', async () => {
      await store.append([
        { docName: 'a', update: bytes(1) },
        { docName: 'b', update: bytes(2) },
        { docName: 'a', update: bytes(3) },
        { docName: 'c', update: bytes(4) },
        { docName: 'b', update: bytes(5) },
        { docName: 'a', update: bytes(6) },
      ]);

      expect(await store.load('a')).toEqual({ snapshot: null, log: [bytes(1), bytes(3), bytes(6)] });
      expect(await store.load('b')).toEqual({ snapshot: null, log: [bytes(2), bytes(5)] });
      expect(await store.load('c')).toEqual({ snapshot: null, log: [bytes(4)] });
    });

    it('treats an empty append as a no-op', async () => {
      await store.append([]);

      expect(await store.listDocuments()).toEqual([]);
    });

    it('keeps documents with confusable names apart', async () => {
      await store.append(CONFUSABLE_NAMES.map((docName) => ({ docName, update: text(`log of ${docName}`) })));

      for (const docName of CONFUSABLE_NAMES) {
        expect(await store.load(docName)).toEqual({ snapshot: null, log: [text(`log of ${docName}`)] });
      }
      expect(await store.listDocuments()).toEqual([...CONFUSABLE_NAMES].sort());
    });

    it('compacts and deletes one document without touching documents with confusable names', async () => {
      await store.append(CONFUSABLE_NAMES.map((docName) => ({ docName, update: text(`log of ${docName}`) })));
      const compacted = CONFUSABLE_NAMES.filter((_, index) => index % 3 === 0);
      const deleted = CONFUSABLE_NAMES.filter((_, index) => index % 3 === 1);
      for (const docName of compacted) await store.compact(docName, text(`snapshot of ${docName}`));
      for (const docName of deleted) await store.delete(docName);

      for (const docName of CONFUSABLE_NAMES) {
        const expected: StoredDocument = compacted.includes(docName)
          ? { snapshot: text(`snapshot of ${docName}`), log: [] }
          : deleted.includes(docName)
            ? EMPTY
            : { snapshot: null, log: [text(`log of ${docName}`)] };
        expect(await store.load(docName), `document ${JSON.stringify(docName)}`).toEqual(expected);
      }
      const remaining = CONFUSABLE_NAMES.filter((docName) => !deleted.includes(docName));
      expect(await store.listDocuments()).toEqual(remaining.sort());
    });

    it('replaces the log by the snapshot on compact', async () => {
      await store.append([1, 2, 3].map((value) => ({ docName: 'doc', update: bytes(value) })));
      await store.compact('doc', bytes(9, 9));

      expect(await store.load('doc')).toEqual({ snapshot: bytes(9, 9), log: [] });
    });

    it('puts appends made after a compaction after the snapshot', async () => {
      await store.append([{ docName: 'doc', update: bytes(1) }]);
      await store.compact('doc', bytes(9));
      await store.append([
        { docName: 'doc', update: bytes(2) },
        { docName: 'doc', update: bytes(3) },
      ]);
      await store.append([{ docName: 'doc', update: bytes(4) }]);

      expect(await store.load('doc')).toEqual({ snapshot: bytes(9), log: [bytes(2), bytes(3), bytes(4)] });
    });

    it('compacts a document without a log and replaces an earlier snapshot', async () => {
      await store.compact('doc', bytes(1));
      expect(await store.load('doc')).toEqual({ snapshot: bytes(1), log: [] });

      await store.append([{ docName: 'doc', update: bytes(2) }]);
      await store.compact('doc', bytes(3));
      expect(await store.load('doc')).toEqual({ snapshot: bytes(3), log: [] });
    });

    it('deletes a document entirely', async () => {
      await store.append([{ docName: 'doc', update: bytes(1) }]);
      await store.compact('doc', bytes(2));
      await store.append([{ docName: 'doc', update: bytes(3) }]);
      await store.delete('doc');

      expect(await store.load('doc')).toEqual(EMPTY);
      expect(await store.listDocuments()).toEqual([]);

      await store.append([{ docName: 'doc', update: bytes(4) }]);
      expect(await store.load('doc')).toEqual({ snapshot: null, log: [bytes(4)] });
    });

    it('deletes an unknown document without complaint', async () => {
      await store.delete('never-written');

      expect(await store.listDocuments()).toEqual([]);
    });

    it('lists every stored document once, sorted', async () => {
      await store.append([
        { docName: 'b', update: bytes(1) },
        { docName: 'a', update: bytes(2) },
        { docName: 'b', update: bytes(3) },
        { docName: 'c/d', update: bytes(4) },
      ]);
      await store.compact('snapshot-only', bytes(5));
      await store.compact('a', bytes(6));
      await store.append([{ docName: 'a', update: bytes(7) }]);

      expect(await store.listDocuments()).toEqual(['a', 'b', 'c/d', 'snapshot-only']);
    });

    it('copies bytes in and out, so callers cannot change stored data', async () => {
      const update = bytes(1, 2, 3);
      const snapshot = bytes(4, 5, 6);
      await store.compact('doc', snapshot);
      await store.append([{ docName: 'doc', update }]);
      update.fill(0);
      snapshot.fill(0);

      const first = await store.load('doc');
      first.snapshot?.fill(7);
      for (const entry of first.log) entry.fill(7);

      expect(await store.load('doc')).toEqual({ snapshot: bytes(4, 5, 6), log: [bytes(1, 2, 3)] });
    });

    it('returns arrays that own their memory rather than views into shared buffers', async () => {
      await store.compact('doc', bytes(1, 2));
      await store.append([3, 4, 5].map((value) => ({ docName: 'doc', update: bytes(value) })));

      const { snapshot, log } = await store.load('doc');
      for (const array of [snapshot, ...log]) {
        expect(array).toBeInstanceOf(Uint8Array);
        expect(array?.byteOffset).toBe(0);
        expect(array?.buffer.byteLength).toBe(array?.byteLength);
      }
    });

    it('stores real Yjs updates that rebuild the document, before and after compaction', async () => {
      const source = new Y.Doc();
      const updates = recordUpdates(source);
      source.getText('body').insert(0, 'Hello world');
      source.getText('body').insert(5, ',');
      source.getMap('meta').set('title', 'Greeting');
      source.getText('body').delete(0, 1);
      source.getText('body').insert(0, 'J');
      await store.append(updates.splice(0).map((update) => ({ docName: 'yjs', update })));

      const rebuilt = rebuild(await store.load('yjs'));
      expect(rebuilt.getText('body').toString()).toBe('Jello, world');
      expect(rebuilt.getMap('meta').toJSON()).toEqual({ title: 'Greeting' });

      await store.compact('yjs', Y.encodeStateAsUpdate(rebuilt));
      source.getText('body').insert(source.getText('body').length, '!');
      source.getMap('meta').set('edited', true);
      await store.append(updates.splice(0).map((update) => ({ docName: 'yjs', update })));

      const stored = await store.load('yjs');
      expect(stored.snapshot).not.toBeNull();
      expect(stored.log).toHaveLength(2);
      const afterCompaction = rebuild(stored);
      expect(afterCompaction.getText('body').toString()).toBe('Jello, world!');
      expect(afterCompaction.getMap('meta').toJSON()).toEqual({ title: 'Greeting', edited: true });
      expect(Y.encodeStateVector(afterCompaction)).toEqual(Y.encodeStateVector(source));
    });

    it('stores versions apart from the document: listed without bytes, loaded by id, in id order', async () => {
      await store.append([{ docName: 'doc', update: bytes(1) }]);
      await store.writeVersions('doc', { put: [version(2, bytes(20), { kind: 'named', name: 'Draft ✓' }), version(1, bytes(10))], remove: [] });
      expect(await store.listVersions('doc')).toEqual([
        { id: 1, meta: meta() },
        { id: 2, meta: meta({ kind: 'named', name: 'Draft ✓' }) },
      ]);
      expect(await store.loadVersions('doc', [2, 1, 7])).toEqual([version(1, bytes(10)), version(2, bytes(20), { kind: 'named', name: 'Draft ✓' })]);
      // Loading and compacting the document neither reads nor touches its versions.
      expect(await store.load('doc')).toEqual({ snapshot: null, log: [bytes(1)] });
      await store.compact('doc', bytes(5));
      expect((await store.listVersions('doc')).map((v) => v.id)).toEqual([1, 2]);
      expect(await store.listDocuments()).toEqual(['doc']);
    });

    it('adds, replaces and removes versions in one write, per document', async () => {
      for (const docName of CONFUSABLE_NAMES.slice(0, 6)) {
        await store.writeVersions(docName, { put: [version(1, text(docName)), version(2, bytes(2)), version(3, bytes(3))], remove: [] });
      }
      await store.writeVersions('a', { put: [version(3, bytes(33), { encoding: 'delta' }), version(4, bytes(4))], remove: [1, 2, 99] });
      expect(await store.loadVersions('a', [1, 2, 3, 4])).toEqual([version(3, bytes(33), { encoding: 'delta' }), version(4, bytes(4))]);
      for (const docName of CONFUSABLE_NAMES.slice(1, 6)) {
        expect(await store.loadVersions(docName, [1]), docName).toEqual([version(1, text(docName))]);
      }
      expect(await store.listVersions('never-written')).toEqual([]);
    });

    it('copies version bytes in and out, and deleting a document deletes its versions', async () => {
      const update = bytes(1, 2, 3);
      await store.writeVersions('doc', { put: [version(1, update)], remove: [] });
      update[0] = 9;
      const [loaded] = await store.loadVersions('doc', [1]);
      expect(loaded?.update).toEqual(bytes(1, 2, 3));
      loaded!.update[1] = 9;
      expect((await store.loadVersions('doc', [1]))[0]?.update).toEqual(bytes(1, 2, 3));
      await store.writeVersions('other', { put: [version(1, bytes(7))], remove: [] });
      await store.delete('doc');
      expect(await store.listVersions('doc')).toEqual([]);
      expect(await store.listVersions('other')).toHaveLength(1);
    });

    it('keeps versions across close and reopen', async (context) => {
      await store.writeVersions('doc', { put: [version(1, bytes(1)), version(2, bytes(2), { kind: 'restore', restoredFrom: 1 })], remove: [] });
      const reopened = await closeAndReopen(context);
      expect(await reopened.loadVersions('doc', [1, 2])).toEqual([version(1, bytes(1)), version(2, bytes(2), { kind: 'restore', restoredFrom: 1 })]);
    });

    it('rejects every operation after close with a StorageError', async () => {
      await store.append([{ docName: 'doc', update: bytes(1) }]);
      await store.close();

      await expect(store.load('doc')).rejects.toBeInstanceOf(StorageError);
      await expect(store.append([{ docName: 'doc', update: bytes(2) }])).rejects.toBeInstanceOf(StorageError);
      await expect(store.append([])).rejects.toBeInstanceOf(StorageError);
      await expect(store.compact('doc', bytes(3))).rejects.toBeInstanceOf(StorageError);
      await expect(store.delete('doc')).rejects.toBeInstanceOf(StorageError);
      await expect(store.listDocuments()).rejects.toBeInstanceOf(StorageError);
      await expect(store.listVersions('doc')).rejects.toBeInstanceOf(StorageError);
      await expect(store.loadVersions('doc', [1])).rejects.toBeInstanceOf(StorageError);
      await expect(store.writeVersions('doc', { put: [], remove: [1] })).rejects.toBeInstanceOf(StorageError);
      await expect(store.close()).resolves.toBeUndefined();
    });

    it('keeps every document across close and reopen', async (context) => {
      await store.append([
        { docName: 'logged', update: bytes(1) },
        { docName: 'compacted', update: bytes(2) },
        { docName: 'logged', update: bytes(3) },
      ]);
      await store.compact('compacted', bytes(4));
      await store.append([{ docName: 'compacted', update: bytes(5) }]);
      await store.compact('snapshot-only', bytes(6));

      const reopened = await closeAndReopen(context);

      expect(await reopened.load('logged')).toEqual({ snapshot: null, log: [bytes(1), bytes(3)] });
      expect(await reopened.load('compacted')).toEqual({ snapshot: bytes(4), log: [bytes(5)] });
      expect(await reopened.load('snapshot-only')).toEqual({ snapshot: bytes(6), log: [] });
      expect(await reopened.listDocuments()).toEqual(['compacted', 'logged', 'snapshot-only']);
    });

    it('puts appends made after reopening after the earlier ones', async (context) => {
      const earlier = Array.from({ length: 20 }, (_, index) => bytes(index));
      for (const docName of ['appended-first', 'loaded-first', 'compacted']) {
        await store.append(earlier.map((update) => ({ docName, update })));
      }
      await store.compact('compacted', bytes(99));

      const reopened = await closeAndReopen(context);
      expect((await reopened.load('loaded-first')).log).toEqual(earlier);
      await reopened.append([
        { docName: 'appended-first', update: bytes(100) },
        { docName: 'loaded-first', update: bytes(100) },
        { docName: 'compacted', update: bytes(100) },
      ]);
      await reopened.append([{ docName: 'appended-first', update: bytes(101) }]);

      expect((await reopened.load('appended-first')).log).toEqual([...earlier, bytes(100), bytes(101)]);
      expect((await reopened.load('loaded-first')).log).toEqual([...earlier, bytes(100)]);
      expect(await reopened.load('compacted')).toEqual({ snapshot: bytes(99), log: [bytes(100)] });
    });
  });
}
