/**
 * DocumentStore on LevelDB (classic-level). Its keys and values: leveldb-keys.ts.
 *
 * Durability: writes use LevelDB's default mode, in which the write-ahead log reaches the operating
 * system on every write. That survives a crash of the process (kill -9) but not necessarily a power
 * loss; open with `{ sync: true }` to fsync every write as well.
 *
 * A failed write (a full disk) can leave part of a record in LevelDB's write-ahead log while its
 * writer counts it as written, and every record after it is then unreadable when the log is
 * replayed: measured, a restart after a disk-full episode kept 3,358 of 15,160 characters. So after
 * any failed write the database is closed and opened again before the next operation: the replay
 * drops the torn record (its write failed and is retried) and later writes go to a fresh log.
 */
import { ClassicLevel, type BatchOperation } from 'classic-level';
import { StorageError, type DocumentStore, type LogEntry, type StoredDocument, type StoredVersion, type VersionChange, type VersionInfo } from './document-store';
import {
  decodeMeta,
  documentPrefix,
  DOCUMENTS_PREFIX,
  encodeMeta,
  formatSequence,
  logPrefix,
  parseSequence,
  prefixRange,
  shareLinkPrefix,
  snapshotKey,
  versionDataPrefix,
  versionMetaPrefix,
} from './leveldb-keys';
import { LevelDbShareLinks } from './leveldb-links';
import { checkRevocationTime, ShareLinkRejected, type ShareLinkRecord, type ShareLinkStore } from './share-link-store';

export interface LevelDbStoreOptions {
  /** Fsync every write, trading write latency for surviving power loss. Defaults to false. */
  readonly sync?: boolean;
}

type Database = ClassicLevel<string, Uint8Array>;
type Operation = BatchOperation<Database, string, Uint8Array>;
/** One appended update and the log key reserved for it. */
interface LogWrite {
  readonly key: string;
  readonly value: Uint8Array;
}

/** classic-level hands out Buffers; callers get plain arrays that own their bytes. */
function ownedCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Operations that write: after one fails, the database is reopened (see the module comment). */
const WRITES = new Set(['append', 'compact', 'delete', 'writeVersions', 'createLink', 'revokeLink']);

async function openDatabase(directory: string): Promise<Database> {
  try {
    const db = new ClassicLevel<string, Uint8Array>(directory, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    return db;
  } catch (cause) {
    throw new StorageError(`Opening the LevelDB store in ${JSON.stringify(directory)} failed`, { cause });
  }
}

function describeDocuments(docNames: readonly string[]): string {
  if (docNames.length === 1) return `document ${JSON.stringify(docNames[0])}`;
  return `documents ${docNames.map((name) => JSON.stringify(name)).join(', ')}`;
}

export class LevelDbDocumentStore implements DocumentStore, ShareLinkStore {
  readonly kind = 'leveldb';
  /** Next log sequence per document with a non-empty log; learned from disk on its first append. */
  private readonly nextSequence = new Map<string, number>();
  /** Sequence reservations run one at a time, in call order, so concurrent appends keep call order. */
  private reservations: Promise<unknown> = Promise.resolve();

  /** A write failed: the log may hold a torn record, so the database is reopened before going on. */
  private suspect = false;
  private reopening: Promise<void> | null = null;
  private closed = false;
  private readonly links: LevelDbShareLinks;

  private constructor(
    private db: Database,
    private readonly directory: string,
    private readonly writeOptions: { readonly sync: boolean },
  ) {
    this.links = new LevelDbShareLinks(() => this.db, writeOptions);
  }

  static async open(directory: string, options: LevelDbStoreOptions = {}): Promise<LevelDbDocumentStore> {
    return new LevelDbDocumentStore(await openDatabase(directory), directory, { sync: options.sync ?? false });
  }

  load(docName: string): Promise<StoredDocument> {
    return this.run('load', [docName], async () => {
      // One iterator reads one consistent LevelDB snapshot, so a compaction running meanwhile cannot
      // make the old log and the new snapshot both look absent. 'log/' sorts before 'snapshot'.
      const entries = await this.db.iterator(prefixRange(documentPrefix(docName))).all();
      const prefix = logPrefix(docName);
      const snapshotKeyOfDocument = snapshotKey(docName);
      const log: Uint8Array[] = [];
      let snapshot: Uint8Array | null = null;
      let lastLogKey: string | undefined;
      for (const [key, value] of entries) {
        if (key.startsWith(prefix)) {
          log.push(ownedCopy(value));
          lastLogKey = key;
        } else if (key === snapshotKeyOfDocument) {
          snapshot = ownedCopy(value);
        }
      }
      if (lastLogKey !== undefined) parseSequence(lastLogKey, prefix); // refuse a malformed key early
      return { snapshot, log };
    });
  }

  append(entries: readonly LogEntry[]): Promise<void> {
    const docNames = [...new Set(entries.map((entry) => entry.docName))];
    return this.run('append', docNames, async () => {
      if (entries.length === 0) return;
      // A chained batch: the array form copies every operation into a new object and looks up its
      // encodings again, which cost twice as much per update as the write itself (6 against 13 µs).
      const writes = await this.reserveLogKeys(entries, docNames);
      const batch = this.db.batch();
      try {
        for (const { key, value } of writes) batch.put(key, value);
      } catch (error) {
        await batch.close();
        throw error;
      }
      await batch.write(this.writeOptions);
    });
  }

  compact(docName: string, snapshot: Uint8Array): Promise<void> {
    return this.run('compact', [docName], async () => {
      // Deleting the keys we saw, rather than the whole range, means an append that slipped in despite
      // the no-concurrent-append rule survives instead of being silently dropped.
      const logKeys = await this.db.keys(prefixRange(logPrefix(docName))).all();
      const operations: Operation[] = [
        { type: 'put', key: snapshotKey(docName), value: snapshot },
        ...logKeys.map((key): Operation => ({ type: 'del', key })),
      ];
      await this.db.batch(operations, this.writeOptions);
      // The log is empty now, so the counter can be learned again from disk when next needed.
      // Forgetting it keeps memory bounded by the documents in use, not every document ever written.
      this.nextSequence.delete(docName);
    });
  }

  listVersions(docName: string): Promise<VersionInfo[]> {
    return this.run('listVersions', [docName], async () => {
      const prefix = versionMetaPrefix(docName);
      const entries = await this.db.iterator(prefixRange(prefix)).all();
      return entries.map(([key, value]) => ({ id: parseSequence(key, prefix), meta: decodeMeta(value) }));
    });
  }

  loadVersions(docName: string, ids: readonly number[]): Promise<StoredVersion[]> {
    return this.run('loadVersions', [docName], async () => {
      const sorted = [...new Set(ids)].sort((a, b) => a - b);
      const suffixes = sorted.map(formatSequence);
      // One LevelDB snapshot for both reads, so a concurrent rewrite cannot pair old bytes with new metadata.
      const snapshot = this.db.snapshot();
      try {
        const [metas, updates] = await Promise.all([
          this.db.getMany(suffixes.map((suffix) => `${versionMetaPrefix(docName)}${suffix}`), { snapshot }),
          this.db.getMany(suffixes.map((suffix) => `${versionDataPrefix(docName)}${suffix}`), { snapshot }),
        ]);
        const versions: StoredVersion[] = [];
        sorted.forEach((id, index) => {
          const meta = metas[index];
          const update = updates[index];
          if (meta !== undefined && update !== undefined) versions.push({ id, meta: decodeMeta(meta), update: ownedCopy(update) });
        });
        return versions;
      } finally {
        await snapshot.close();
      }
    });
  }

  writeVersions(docName: string, change: VersionChange): Promise<void> {
    return this.run('writeVersions', [docName], async () => {
      const operations: Operation[] = [];
      for (const id of change.remove) {
        operations.push({ type: 'del', key: `${versionMetaPrefix(docName)}${formatSequence(id)}` });
        operations.push({ type: 'del', key: `${versionDataPrefix(docName)}${formatSequence(id)}` });
      }
      for (const { id, meta, update } of change.put) {
        operations.push({ type: 'put', key: `${versionMetaPrefix(docName)}${formatSequence(id)}`, value: encodeMeta(meta) });
        operations.push({ type: 'put', key: `${versionDataPrefix(docName)}${formatSequence(id)}`, value: update });
      }
      if (operations.length > 0) await this.db.batch(operations, this.writeOptions);
    });
  }

  delete(docName: string): Promise<void> {
    return this.run('delete', [docName], async () => {
      const keys = (
        await Promise.all(
          [documentPrefix(docName), versionMetaPrefix(docName), versionDataPrefix(docName), shareLinkPrefix(docName)].map((prefix) =>
            this.db.keys(prefixRange(prefix)).all(),
          ),
        )
      ).flat();
      await this.db.batch(
        keys.map((key): Operation => ({ type: 'del', key })),
        this.writeOptions,
      );
      this.nextSequence.delete(docName);
    });
  }

  createLink(docName: string, record: ShareLinkRecord): Promise<void> {
    return this.run('createLink', [docName], () => this.links.create(docName, record));
  }

  listLinks(docName: string): Promise<ShareLinkRecord[]> {
    return this.run('listLinks', [docName], () => this.links.list(docName));
  }

  getLink(docName: string, linkId: string): Promise<ShareLinkRecord | null> {
    return this.run('getLink', [docName], () => this.links.get(docName, linkId));
  }

  revokeLink(docName: string, linkId: string, at: number): Promise<boolean> {
    return this.run('revokeLink', [docName], () => {
      checkRevocationTime(docName, at);
      return this.links.revoke(docName, linkId, at);
    });
  }

  listDocuments(): Promise<string[]> {
    return this.run('listDocuments', [], async () => {
      const names: string[] = [];
      const iterator = this.db.keys(prefixRange(DOCUMENTS_PREFIX));
      try {
        for (let key = await iterator.next(); key !== undefined; key = await iterator.next()) {
          const nameEnd = key.indexOf('/', DOCUMENTS_PREFIX.length);
          if (nameEnd === -1) throw new StorageError(`Malformed document key ${JSON.stringify(key)}`);
          const prefix = key.slice(0, nameEnd + 1);
          names.push(decodeURIComponent(prefix.slice(DOCUMENTS_PREFIX.length, -1)));
          // Jump over the rest of this document (its whole log) instead of reading every key.
          iterator.seek(prefixRange(prefix).lt);
        }
      } finally {
        await iterator.close();
      }
      return names.sort();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.reopening?.catch(() => undefined);
    try {
      await this.db.close();
    } catch (cause) {
      throw new StorageError('Closing the LevelDB store failed', { cause });
    }
  }

  /** Runs one store operation, reporting any failure as a StorageError that names it. */
  private async run<T>(operation: string, docNames: readonly string[], work: () => Promise<T>): Promise<T> {
    const subject = docNames.length === 0 ? '' : ` of ${describeDocuments(docNames)}`;
    try {
      await this.reopenIfSuspect();
    } catch (cause) {
      throw new StorageError(`LevelDB ${operation}${subject} failed: reopening after a failed write failed`, { cause });
    }
    if (this.db.status !== 'open') {
      throw new StorageError(`LevelDB ${operation}${subject} failed: the store is ${this.db.status}`);
    }
    try {
      return await work();
    } catch (cause) {
      if (cause instanceof ShareLinkRejected) throw cause; // refused before anything was written
      if (WRITES.has(operation)) this.suspect = true;
      throw new StorageError(`LevelDB ${operation}${subject} failed`, { cause });
    }
  }

  /** One reopen at a time; operations that arrive meanwhile wait for it. */
  private reopenIfSuspect(): Promise<void> {
    if (!this.suspect || this.closed) return this.reopening ?? Promise.resolve();
    this.reopening ??= (async () => {
      try {
        await this.db.close().catch(() => undefined);
        this.db = await openDatabase(this.directory);
        this.suspect = false;
        // Failed appends may have taken sequence numbers: learn them from disk again.
        this.nextSequence.clear();
      } finally {
        this.reopening = null;
      }
    })();
    return this.reopening;
  }

  /** Gives every entry the next free log key of its document, in call order across concurrent appends. */
  private reserveLogKeys(entries: readonly LogEntry[], docNames: readonly string[]): Promise<LogWrite[]> {
    const reserved = this.reservations.then(() => this.reserveLogKeysNow(entries, docNames));
    this.reservations = reserved.catch(() => undefined);
    return reserved;
  }

  private async reserveLogKeysNow(entries: readonly LogEntry[], docNames: readonly string[]): Promise<LogWrite[]> {
    const unknownNames = docNames.filter((name) => !this.nextSequence.has(name));
    const learned = await Promise.all(
      unknownNames.map(async (name) => ({ name, next: await this.readNextSequence(name) })),
    );
    for (const { name, next } of learned) this.learnNextSequence(name, next);
    // Nothing below awaits, so no other reservation can interleave. A counter can only be missing
    // here if a concurrent delete forgot it, and then the document's log is empty again.
    return entries.map(({ docName, update }): LogWrite => {
      const sequence = this.nextSequence.get(docName) ?? 0;
      this.nextSequence.set(docName, sequence + 1);
      return { key: `${logPrefix(docName)}${formatSequence(sequence)}`, value: update };
    });
  }

  private async readNextSequence(docName: string): Promise<number> {
    const prefix = logPrefix(docName);
    const [lastKey] = await this.db.keys({ ...prefixRange(prefix), reverse: true, limit: 1 }).all();
    return lastKey === undefined ? 0 : parseSequence(lastKey, prefix) + 1;
  }

  /**
   * Records a counter read from disk unless one is known already: a known counter also covers
   * reservations whose writes are still in flight, which a read may not have seen.
   */
  private learnNextSequence(docName: string, next: number): void {
    if (!this.nextSequence.has(docName)) this.nextSequence.set(docName, next);
  }
}
