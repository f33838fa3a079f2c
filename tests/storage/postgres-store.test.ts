/**
 * The PostgreSQL store against a real server (Debian's postgresql, started by tests/helpers/postgres),
 * one fresh schema per test (the store's tables are unqualified, so it is as good as a fresh
 * database, and a hundred times quicker to make): the contract suite, then what only a shared SQL server adds — several
 * processes on one database, connections that die, a server that goes away and comes back.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { StorageError } from '../../sync-server/storage/document-store';
import { VersionsFencedOut } from '../../sync-server/storage/shared-document-store';
import { PostgresDocumentStore } from '../../sync-server/storage/postgres-store';
import { ShareLinkRejected, type ShareLinkRecord } from '../../sync-server/storage/share-link-store';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/poll';
import { PostgresServer, type Database, type Schema } from '../helpers/postgres';
import { runDocumentStoreContract, type OpenedDocumentStore } from './document-store.contract';

let server: PostgresServer;
let database: Database;

beforeAll(async () => {
  server = await PostgresServer.start();
  database = await server.createDatabase();
});

afterAll(async () => {
  await server?.destroy();
});

interface TemporarySchema extends OpenedDocumentStore {
  readonly schema: Schema;
  readonly store: PostgresDocumentStore;
  /** Another store on the same database: another process of the cluster, or the same one restarted. */
  readonly reopen: () => Promise<PostgresDocumentStore>;
}

/** A store on a fresh schema; cleanup closes every store opened on it and drops it. */
async function openTemporaryStore(): Promise<TemporarySchema> {
  const schema = await server.createSchema(database.name);
  const { connectionString } = schema;
  const openStores: PostgresDocumentStore[] = [];
  const reopen = async (): Promise<PostgresDocumentStore> => {
    const store = await PostgresDocumentStore.open({ connectionString });
    openStores.push(store);
    return store;
  };
  const cleanup = async (): Promise<void> => {
    for (const store of openStores) await store.close();
    await server.dropSchema(schema);
  };
  return { schema, store: await reopen(), reopen, cleanup };
}

const LINK: ShareLinkRecord = { id: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'Ada\u0000', role: 'edit', createdAt: 5, expiresAt: null, revokedAt: null };

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/**
 * The stores' connections that are waiting for a lock, as PostgreSQL reports them. Only the running
 * test's stores are open: a file's tests run one at a time, and each closes its stores at the end.
 */
async function backendsWaitingForLocks(admin: pg.Client): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'tandem-sync-server' AND wait_event_type = 'Lock'
      ORDER BY pid`,
  );
  return rows.map((row) => row.pid);
}

runDocumentStoreContract('PostgresDocumentStore', () => openTemporaryStore());

describe('PostgresDocumentStore on a real server', () => {
  let temporary: TemporarySchema;

  beforeEach(async () => {
    temporary = await openTemporaryStore();
  });

  afterEach(async () => {
    await temporary.cleanup();
  });

  function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    return server.admin(work, temporary.schema.connectionString);
  }

  it('uses the documented schema', async () => {
    await temporary.store.append([
      { docName: 'a/b', update: bytes(1) },
      { docName: 'a/b', update: bytes(2) },
    ]);
    await temporary.store.compact('notes', bytes(3));
    await temporary.store.createLink('a/b', LINK);
    await temporary.store.writeVersions('a/b', { put: [{ id: 7, meta: { createdAt: 1, kind: 'auto', name: null, authors: [], restoredFrom: null, encoding: 'full' }, update: bytes(4) }], remove: [] });

    await admin(async (client) => {
      const documents = await client.query('SELECT name, snapshot, next_seq::int FROM tandem_documents ORDER BY name');
      expect((await client.query('SELECT fence::int FROM tandem_documents')).rows.every((row: { fence: number }) => row.fence === 0)).toBe(true);
      expect(documents.rows).toEqual([
        { name: 'a/b', snapshot: null, next_seq: 2 },
        { name: 'notes', snapshot: Buffer.from([3]), next_seq: 0 },
      ]);
      const log = await client.query('SELECT doc, seq::int, bytes FROM tandem_log ORDER BY doc, seq');
      expect(log.rows).toEqual([
        { doc: 'a/b', seq: 0, bytes: Buffer.from([1]) },
        { doc: 'a/b', seq: 1, bytes: Buffer.from([2]) },
      ]);
      const versions = await client.query('SELECT doc, id::int, meta->>$1 AS kind FROM tandem_versions', ['kind']);
      expect(versions.rows).toEqual([{ doc: 'a/b', id: 7, kind: 'auto' }]);
      const versionBytes = await client.query('SELECT doc, id::int, bytes FROM tandem_version_bytes');
      expect(versionBytes.rows).toEqual([{ doc: 'a/b', id: 7, bytes: Buffer.from([4]) }]);
      const links = await client.query('SELECT doc, id, name::text, role, created_at::int, expires_at, revoked_at FROM tandem_share_links');
      expect(links.rows).toEqual([{ doc: 'a/b', id: LINK.id, name: '"Ada\\u0000"', role: 'edit', created_at: 5, expires_at: null, revoked_at: null }]);
    });
  });

  it('reports a share link row edited into a malformed one as a StorageError, not a refused input', async () => {
    await temporary.store.createLink('doc', LINK);
    await admin((client) => client.query(`UPDATE tandem_share_links SET role = 'admin'`));

    const listed = temporary.store.listLinks('doc');
    await expect(listed).rejects.toBeInstanceOf(StorageError);
    await expect(listed).rejects.not.toBeInstanceOf(ShareLinkRejected);
    await expect(listed).rejects.toThrow(/Malformed share link/);
  });

  it('adds the share link table when it opens a database made before share links', async () => {
    await temporary.store.append([{ docName: 'doc', update: bytes(1) }]);
    await admin((client) => client.query('DROP TABLE tandem_share_links'));

    const reopened = await temporary.reopen();
    await reopened.createLink('doc', LINK);
    expect(await reopened.listLinks('doc')).toEqual([LINK]);
    expect(await reopened.load('doc')).toEqual({ snapshot: null, log: [bytes(1)] });
  });

  it('compacts from what is stored, whichever store appended it, and refuses a stale fencing token', async () => {
    const other = await temporary.reopen(); // another node of the cluster
    const merge = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
    await temporary.store.append([{ docName: 'doc', update: bytes(1) }]);
    await other.append([{ docName: 'doc', update: bytes(2) }]);
    expect(await temporary.store.compactFromStored('doc', 5, merge)).toBe('compacted');
    expect(await other.load('doc')).toEqual({ snapshot: bytes(1, 2), log: [] });

    await other.append([{ docName: 'doc', update: bytes(3) }]);
    // A node that stalled past its lease comes back with an older token: nothing is written.
    expect(await other.compactFromStored('doc', 4, merge)).toBe('fenced-out');
    expect(await other.compactFromStored('doc', 5, merge)).toBe('fenced-out');
    expect(await temporary.store.load('doc')).toEqual({ snapshot: bytes(1, 2), log: [bytes(3)] });
    expect(await other.compactFromStored('doc', 6, merge)).toBe('compacted');
    expect(await temporary.store.load('doc')).toEqual({ snapshot: bytes(1, 2, 3), log: [] });
    expect(await temporary.store.compactFromStored('never-stored', 7, merge)).toBe('nothing-to-do');
  });

  it('writes versions under a historian token only when no newer token has written', async () => {
    const other = await temporary.reopen(); // another node of the cluster
    const version = (id: number, byte: number) => ({
      id,
      meta: { createdAt: id, kind: 'auto' as const, name: null, authors: [], restoredFrom: null, encoding: 'full' as const },
      update: bytes(byte),
    });
    await temporary.store.writeVersionsFenced('fenced', { put: [version(1, 1)], remove: [] }, 3);
    await other.writeVersionsFenced('fenced', { put: [version(2, 2)], remove: [] }, 4);
    // The same holder writes several times under one token (a restore writes two versions).
    await other.writeVersionsFenced('fenced', { put: [version(3, 3)], remove: [] }, 4);
    // A node that stalled past its lease comes back with an older token: nothing is written.
    await expect(temporary.store.writeVersionsFenced('fenced', { put: [version(3, 9)], remove: [1] }, 3)).rejects.toBeInstanceOf(VersionsFencedOut);
    expect((await other.listVersions('fenced')).map((v) => v.id)).toEqual([1, 2, 3]);
    expect((await other.loadVersions('fenced', [3]))[0]!.update).toEqual(bytes(3));
    // A version write alone makes the document's row; its content still comes from the first compaction.
    const merge = () => bytes(7, 7, 7);
    expect(await other.compactFromStored('fenced', 1, merge)).toBe('compacted');
    expect(await other.load('fenced')).toEqual({ snapshot: bytes(7, 7, 7), log: [] });
  });

  it('creates the tables once when several stores open an empty schema at the same time', async () => {
    const fresh = await server.createSchema(database.name);
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresDocumentStore.open({ connectionString: fresh.connectionString })));
    try {
      await stores[0]!.append([{ docName: 'doc', update: bytes(1) }]);
      expect(await stores[3]!.load('doc')).toEqual({ snapshot: null, log: [bytes(1)] });
    } finally {
      for (const store of stores) await store.close();
      await server.dropSchema(fresh);
    }
  });

  it('keeps each of two stores’ order and loses nothing when both append to one document at once', async () => {
    // Two stores on one database are two cluster nodes: each appends 2 entries per call to 'doc'
    // (and now and then to other documents), 150 calls at once, all of them racing the other node.
    const stores = [temporary.store, await temporary.reopen()];
    const calls = 150;
    await Promise.all(
      stores.flatMap((store, node) =>
        Array.from({ length: calls }, (_, call) =>
          store.append([
            { docName: 'doc', update: bytes(node, call >> 8, call & 0xff, 0) },
            ...(call % 7 === 0 ? [{ docName: `other-${call % 3}`, update: bytes(node, call) }] : []),
            { docName: 'doc', update: bytes(node, call >> 8, call & 0xff, 1) },
          ]),
        ),
      ),
    );

    const { log } = await stores[1]!.load('doc');
    expect(log).toHaveLength(2 * 2 * calls);
    for (const node of [0, 1]) {
      const expected = Array.from({ length: calls }, (_, call) => [bytes(node, call >> 8, call & 0xff, 0), bytes(node, call >> 8, call & 0xff, 1)]).flat();
      expect(log.filter((update) => update[0] === node)).toEqual(expected);
    }
    // One call's entries are numbered together, under one lock: nothing of the other node comes between.
    for (let index = 0; index < log.length; index += 2) expect(log[index + 1]?.slice(0, 3)).toEqual(log[index]?.slice(0, 3));
  });

  it('puts what one node appended after what another had already committed', async () => {
    const stores = [temporary.store, await temporary.reopen()];
    const expected: Uint8Array[] = [];
    for (let turn = 0; turn < 20; turn += 1) {
      const update = bytes(turn % 2, turn);
      await stores[turn % 2]!.append([{ docName: 'doc', update }]);
      expected.push(update);
    }

    expect((await stores[0]!.load('doc')).log).toEqual(expected);
  });

  it('lands an append that arrives during a compaction after the new snapshot instead of deleting it', async () => {
    const [compacting, appending] = [temporary.store, await temporary.reopen()];
    await compacting.append([1, 2, 3].map((value) => ({ docName: 'doc', update: bytes(value) })));

    await admin(async (blocker) => {
      // Hold the compaction between taking the document's lock and deleting the old log …
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE tandem_log IN SHARE MODE');
      const compaction = compacting.compact('doc', bytes(9));
      await waitFor(() => backendsWaitingForLocks(blocker).then((pids) => pids.length === 1), { what: 'the compaction to wait for the log table' });
      // … while the other node appends: it must wait for the compaction's lock on the document.
      const append = appending.append([{ docName: 'doc', update: bytes(4) }]);
      await waitFor(() => backendsWaitingForLocks(blocker).then((pids) => pids.length === 2), { what: 'the append to wait for the document' });
      await blocker.query('COMMIT');
      await Promise.all([compaction, append]);
    });

    expect(await compacting.load('doc')).toEqual({ snapshot: bytes(9), log: [bytes(4)] });
  });

  it('fails an append whose connection dies mid-transaction with a StorageError, writes nothing of it, and goes on', async () => {
    const { store } = temporary;
    await store.append([
      { docName: 'a', update: bytes(1) },
      { docName: 'b', update: bytes(1) },
    ]);

    await admin(async (blocker) => {
      // The append takes its document locks and counters, then waits at its first log insert …
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE tandem_log IN SHARE MODE');
      const append = store.append([
        { docName: 'a', update: bytes(2) },
        { docName: 'b', update: bytes(2) },
        { docName: 'c', update: bytes(2) },
      ]);
      const failure = append.catch((error: unknown) => error);
      const backend = await waitFor(() => backendsWaitingForLocks(blocker).then((pids) => (pids.length === 1 ? pids[0] : undefined)), {
        what: 'the append to wait for the log table',
      });
      // … where its connection is killed, as a crashed PostgreSQL backend or a cut network would.
      await blocker.query('SELECT pg_terminate_backend($1)', [backend]);
      const error = await failure;
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toContain('append of documents "a", "b", "c" failed');
      await blocker.query('COMMIT');

      const counters = await blocker.query('SELECT name, next_seq::int FROM tandem_documents ORDER BY name');
      expect(counters.rows).toEqual([
        { name: 'a', next_seq: 1 },
        { name: 'b', next_seq: 1 },
      ]);
    });

    expect(await store.load('a')).toEqual({ snapshot: null, log: [bytes(1)] });
    expect(await store.load('c')).toEqual({ snapshot: null, log: [] });
    expect(await store.listDocuments()).toEqual(['a', 'b']);
    // The pool replaced the dead connection: the same store goes on, numbering where it left off.
    await store.append([{ docName: 'a', update: bytes(3) }]);
    expect(await store.load('a')).toEqual({ snapshot: null, log: [bytes(1), bytes(3)] });
  });

  it('fails while the server is down, keeps what it acknowledged through a crash, and recovers when the server is back', async () => {
    const { store } = temporary;
    await store.append([{ docName: 'doc', update: bytes(1) }]);
    await store.compact('doc', bytes(2));
    await store.append([{ docName: 'doc', update: bytes(3) }]);

    // SIGQUIT: PostgreSQL's crash stop. The next start replays the write-ahead log.
    await server.stop('immediate');
    try {
      for (const operation of [
        () => store.load('doc'),
        () => store.append([{ docName: 'doc', update: bytes(4) }]),
        () => store.compact('doc', bytes(5)),
        () => store.listDocuments(),
      ]) {
        await expect(operation()).rejects.toBeInstanceOf(StorageError);
      }
    } finally {
      await server.resume();
    }

    expect(await store.load('doc')).toEqual({ snapshot: bytes(2), log: [bytes(3)] });
    await store.append([{ docName: 'doc', update: bytes(6) }]);
    expect(await store.load('doc')).toEqual({ snapshot: bytes(2), log: [bytes(3), bytes(6)] });
  });

  it('fails a write to a server that hangs within its query timeout, and goes on once it answers again', async () => {
    const hanging = await PostgresDocumentStore.open({ connectionString: temporary.schema.connectionString, queryTimeoutMs: 500 });
    try {
      await hanging.append([{ docName: 'doc', update: bytes(1) }]);
      server.freeze();
      const startedAt = Date.now();
      let failure: unknown = null;
      try {
        await hanging.append([{ docName: 'doc', update: bytes(2) }]);
      } catch (error) {
        failure = error;
      } finally {
        server.thaw();
      }
      expect(failure).toBeInstanceOf(StorageError);
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      // The failed write is the caller's to repeat (the persistence queue does); the store goes on.
      await hanging.append([{ docName: 'doc', update: bytes(2) }]);
      const { log } = await hanging.load('doc');
      expect(log.at(0)).toEqual(bytes(1));
      expect(log.at(-1)).toEqual(bytes(2));
    } finally {
      server.thaw();
      await hanging.close();
    }
  });

  it('refuses to open without a server, with a StorageError', async () => {
    const port = await freePort();
    const failure = await PostgresDocumentStore.open({ connectionString: `postgresql://postgres@127.0.0.1:${port}/none`, connectTimeoutMs: 2_000 }).catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(StorageError);
    expect((failure as StorageError).message).toContain('Opening the PostgreSQL store failed');
  });

  it('refuses a document name holding U+0000, naming it, and writes nothing of that call', async () => {
    const failure = await temporary.store
      .append([
        { docName: 'fine', update: bytes(1) },
        { docName: 'nul\u0000name', update: bytes(2) },
      ])
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StorageError);
    expect((failure as StorageError).message).toContain('"nul\\u0000name"');
    expect(await temporary.store.listDocuments()).toEqual([]);
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
