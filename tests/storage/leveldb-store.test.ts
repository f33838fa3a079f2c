import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError, type DocumentStore } from '../../sync-server/storage/document-store';
import { LevelDbDocumentStore, type LevelDbStoreOptions } from '../../sync-server/storage/leveldb-store';
import { runDocumentStoreContract, type OpenedDocumentStore } from './document-store.contract';

interface TemporaryLevelDb extends OpenedDocumentStore {
  readonly directory: string;
  readonly reopen: () => Promise<LevelDbDocumentStore>;
}

/** A store in a fresh temporary directory; cleanup closes every store opened on it and removes it. */
async function openTemporaryStore(options?: LevelDbStoreOptions): Promise<TemporaryLevelDb> {
  const directory = await mkdtemp(join(tmpdir(), 'tandem-leveldb-store-'));
  const openStores: DocumentStore[] = [];
  const reopen = async (): Promise<LevelDbDocumentStore> => {
    const store = await LevelDbDocumentStore.open(directory, options);
    openStores.push(store);
    return store;
  };
  const cleanup = async (): Promise<void> => {
    for (const store of openStores) await store.close();
    await rm(directory, { recursive: true, force: true });
  };
  return { directory, store: await reopen(), reopen, cleanup };
}

/** Every key in the database, read with classic-level directly rather than through the store. */
async function rawKeys(directory: string): Promise<string[]> {
  const db = new ClassicLevel<string, Uint8Array>(directory, { keyEncoding: 'utf8', valueEncoding: 'view' });
  try {
    return await db.keys().all();
  } finally {
    await db.close();
  }
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

runDocumentStoreContract('LevelDbDocumentStore', () => openTemporaryStore());

describe('LevelDbDocumentStore on disk', () => {
  let temporary: TemporaryLevelDb;

  beforeEach(async () => {
    temporary = await openTemporaryStore();
  });

  afterEach(async () => {
    await temporary.cleanup();
  });

  it('uses the documented key layout', async () => {
    await temporary.store.append([
      { docName: 'a/b', update: bytes(1) },
      { docName: 'a/b', update: bytes(2) },
    ]);
    await temporary.store.compact('notes', bytes(3));
    await temporary.store.createLink('a/b', { id: 'AAAAAAAAAAAAAAAAAAAAAA', name: '', role: 'view', createdAt: 1, expiresAt: null, revokedAt: null });
    await temporary.store.close();

    expect(await rawKeys(temporary.directory)).toEqual([
      'doc/a%2Fb/log/000000000000',
      'doc/a%2Fb/log/000000000001',
      'doc/notes/snapshot',
      'share-link/a%2Fb/AAAAAAAAAAAAAAAAAAAAAA',
    ]);
  });

  it('leaves no stale log keys after a compaction and a reopen', async () => {
    const { store } = temporary;
    await store.append(Array.from({ length: 50 }, (_, index) => ({ docName: 'doc', update: bytes(index) })));
    await store.append([{ docName: 'doc/other', update: bytes(1) }]);
    await store.compact('doc', bytes(42));
    await store.close();

    expect(await rawKeys(temporary.directory)).toEqual(['doc/doc%2Fother/log/000000000000', 'doc/doc/snapshot']);

    const reopened = await temporary.reopen();
    expect(await reopened.load('doc')).toEqual({ snapshot: bytes(42), log: [] });
    await reopened.append([{ docName: 'doc', update: bytes(43) }]);
    expect(await reopened.load('doc')).toEqual({ snapshot: bytes(42), log: [bytes(43)] });
    expect(await reopened.load('doc/other')).toEqual({ snapshot: null, log: [bytes(1)] });
  });

  it('recovers writes from the write-ahead log after a plain close and reopen', async () => {
    // Nothing is flushed or compacted on purpose: small writes live only in LevelDB's log file
    // until the reopen replays it, which is what a restart after a crash relies on.
    const { store } = temporary;
    await store.append([{ docName: 'doc', update: bytes(1) }]);
    await store.compact('doc', bytes(2));
    await store.append([{ docName: 'doc', update: bytes(3) }]);
    await store.close();

    const reopened = await temporary.reopen();
    expect(await reopened.load('doc')).toEqual({ snapshot: bytes(2), log: [bytes(3)] });
  });

  it('writes and reads back with fsync enabled', async () => {
    const synced = await openTemporaryStore({ sync: true });
    try {
      await synced.store.append([{ docName: 'doc', update: bytes(1) }]);
      await synced.store.compact('doc', bytes(2));
      await synced.store.append([{ docName: 'doc', update: bytes(3) }]);
      await synced.store.close();

      const reopened = await synced.reopen();
      expect(await reopened.load('doc')).toEqual({ snapshot: bytes(2), log: [bytes(3)] });
    } finally {
      await synced.cleanup();
    }
  });

  it('refuses a second store on a directory that is in use, with the LevelDB cause attached', async () => {
    const failure = await LevelDbDocumentStore.open(temporary.directory).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StorageError);
    expect((failure as StorageError).message).toContain(temporary.directory);
    expect((failure as StorageError).cause).toBeInstanceOf(Error);
  });

  it('reports a share link stored malformed as a StorageError', async () => {
    await temporary.store.close();
    const db = new ClassicLevel<string, string>(temporary.directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.put('share-link/doc/AAAAAAAAAAAAAAAAAAAAAA', '{"id":"AAAAAAAAAAAAAAAAAAAAAA","role":"admin"}');
    await db.close();

    const reopened = await temporary.reopen();
    await expect(reopened.listLinks('doc')).rejects.toMatchObject({ name: 'StorageError', cause: { message: expect.stringMatching(/^Malformed share link/) } });
    await expect(reopened.getLink('doc', 'AAAAAAAAAAAAAAAAAAAAAA')).rejects.toBeInstanceOf(StorageError);
  });

  it('names the operation and the document when it fails', async () => {
    await temporary.store.close();

    await expect(temporary.store.load('notes/1')).rejects.toThrow('load of document "notes/1"');
    await expect(
      temporary.store.append([
        { docName: 'a', update: bytes(1) },
        { docName: 'b', update: bytes(2) },
      ]),
    ).rejects.toThrow('append of documents "a", "b"');
  });
});
