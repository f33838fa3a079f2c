/**
 * DocumentStore on PostgreSQL (node-postgres), the durable store of cluster mode, where several sync
 * server processes share one database. Tables: see postgres-schema.ts.
 *
 * Every write is one transaction, so a resolved promise means committed in PostgreSQL (and as
 * durable as the server's synchronous_commit makes it), and a failed one left nothing behind: a
 * connection that fails in a transaction is destroyed, never returned to the pool, and the server
 * rolls back whatever the transaction had done.
 *
 * Log order. An append first locks the row of every document it writes (an upsert that adds the
 * entries to next_seq), in name order so that two appends never wait for each other in a cycle, and
 * numbers its entries from the counters it read. The lock is held until commit, so per document
 * sequence order is commit order, whichever process committed: a reader never sees a gap that an
 * older, slower transaction fills in later. Within one store, appends take their locks one after the
 * other in call order; the next starts as soon as the previous holds its locks (not once it has
 * committed), so appends to different documents still overlap.
 *
 * A compaction takes the same lock, then deletes the log rows numbered below the counter it read:
 * exactly the rows committed before it, so an append that comes while it runs waits and lands after
 * the new snapshot instead of being deleted with the old log.
 */
import pg from 'pg';
import { EMPTY_UPDATE_LENGTH } from './empty-update';
import {
  StorageError,
  VersionsFencedOut,
  type DocumentStore,
  type LogEntry,
  type StoredDocument,
  type StoredVersion,
  type VersionChange,
  type VersionInfo,
  type VersionMeta,
} from './document-store';
import { createSchema, isStorableName } from './postgres-schema';

export interface PostgresStoreOptions {
  /** libpq-style URL, e.g. `postgresql://tandem@127.0.0.1:5432/tandem`. */
  readonly connectionString: string;
  /** Connections kept open. An append holds one until it commits, a read for one query. Defaults to 4. */
  readonly poolSize?: number;
  /** How long to wait for a new connection before the operation fails. Defaults to 10 s. */
  readonly connectTimeoutMs?: number;
  /**
   * How long one statement may go unanswered before the operation fails (and is retried by the
   * persistence queue). Without it a server that hangs, or a network that drops packets without a
   * reset, would hold the write for ever and health would stay "ok". Defaults to 30 s.
   */
  readonly queryTimeoutMs?: number;
}

const DEFAULT_POOL_SIZE = 4;
const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Rows per INSERT: three parameters each, well under PostgreSQL's 65,535 parameters per statement. */
const ROWS_PER_INSERT = 1_000;

interface LoadRow {
  readonly bytes: Buffer;
  readonly is_snapshot: boolean;
}

interface ReservationRow {
  readonly name: string;
  /** bigint arrives as a decimal string. */
  readonly next_seq: string;
}

interface VersionRow {
  readonly id: string;
  readonly meta: VersionMeta;
}

interface StoredVersionRow extends VersionRow {
  readonly bytes: Buffer;
}

/** node-postgres hands out Buffers, small ones slices of a shared pool; callers get arrays that own their bytes. */
function ownedCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function parseCounter(value: string, what: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new StorageError(`Malformed ${what} ${JSON.stringify(value)}`);
  return parsed;
}

function describeDocuments(docNames: readonly string[]): string {
  if (docNames.length === 1) return `document ${JSON.stringify(docNames[0])}`;
  return `documents ${docNames.map((name) => JSON.stringify(name)).join(', ')}`;
}

/** `($1, $2, $3), ($4, $5, $6), …` for `rows` rows of `columns` parameters. */
function valuesList(rows: number, columns: number): string {
  return Array.from({ length: rows }, (_, row) => {
    const placeholders = Array.from({ length: columns }, (_, column) => `$${row * columns + column + 1}`);
    return `(${placeholders.join(', ')})`;
  }).join(', ');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export class PostgresDocumentStore implements DocumentStore {
  readonly kind = 'postgresql';
  /** Resolves once the latest append holds its document locks; the next append waits for it. */
  private lastReservation: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(options: PostgresStoreOptions): Promise<PostgresDocumentStore> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      query_timeout: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'tandem-sync-server',
    });
    // An idle connection whose server went away: the pool drops it and the next operation makes a
    // new one (or fails with a StorageError). Without a listener the event would end the process.
    pool.on('error', () => undefined);
    const store = new PostgresDocumentStore(pool);
    try {
      await store.withConnection(async (client) => {
        const { rows } = await client.query<{ server_encoding: string }>('SHOW server_encoding');
        if (rows[0]?.server_encoding !== 'UTF8') {
          throw new Error(`the database's encoding is ${rows[0]?.server_encoding ?? 'unknown'}, not UTF8, so it cannot hold every document name`);
        }
        await client.query('BEGIN');
        await createSchema(client);
        await client.query('COMMIT');
      });
    } catch (cause) {
      await pool.end().catch(() => undefined);
      const reason = cause instanceof Error ? `: ${cause.message}` : '';
      throw new StorageError(`Opening the PostgreSQL store failed${reason}`, { cause });
    }
    return store;
  }

  load(docName: string): Promise<StoredDocument> {
    return this.run('load', [docName], async () => {
      // One statement reads one snapshot of the database, so a compaction committing meanwhile
      // shows either the old snapshot and log or the new ones, never a mix.
      const { rows } = await this.pool.query<LoadRow>(
        `SELECT snapshot AS bytes, true AS is_snapshot, -1::bigint AS seq
           FROM tandem_documents WHERE name = $1 AND snapshot IS NOT NULL
         UNION ALL
         SELECT bytes, false, seq FROM tandem_log WHERE doc = $1
         ORDER BY seq`,
        [docName],
      );
      let snapshot: Uint8Array | null = null;
      const log: Uint8Array[] = [];
      for (const row of rows) {
        if (row.is_snapshot) snapshot = ownedCopy(row.bytes);
        else log.push(ownedCopy(row.bytes));
      }
      return { snapshot, log };
    });
  }

  append(entries: readonly LogEntry[]): Promise<void> {
    const docNames = [...new Set(entries.map((entry) => entry.docName))];
    return this.run('append', docNames, async () => {
      if (entries.length === 0) return;
      const previous = this.lastReservation;
      let reserved = (): void => undefined;
      this.lastReservation = new Promise<void>((resolve) => (reserved = resolve));
      try {
        await previous;
        await this.transaction(async (client) => {
          let firstSequence: Map<string, number>;
          try {
            firstSequence = await this.reserveSequences(client, entries);
          } finally {
            reserved();
          }
          await this.insertLogRows(client, entries, firstSequence);
        });
      } finally {
        reserved(); // also when no connection could be had, so later appends do not wait forever
      }
    });
  }

  compact(docName: string, snapshot: Uint8Array): Promise<void> {
    return this.run('compact', [docName], () =>
      this.transaction(async (client) => {
        const { rows } = await client.query<{ next_seq: string }>(
          `INSERT INTO tandem_documents AS d (name, snapshot) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET snapshot = excluded.snapshot
           RETURNING d.next_seq`,
          [docName, snapshot],
        );
        const nextSequence = parseCounter(rows[0]?.next_seq ?? '', 'log counter');
        // Holding the row lock, every row below the counter is committed and none above can be.
        await client.query('DELETE FROM tandem_log WHERE doc = $1 AND seq < $2', [docName, nextSequence]);
      }),
    );
  }

  /**
   * Cluster compaction: the new snapshot is made from what is stored (the snapshot and every log
   * row, read under the document's row lock), so it holds whatever any node appended, and appends
   * wait for it. `fence` comes from the compaction lease and must be newer than the last
   * compaction's: a node that paused past its lease writes nothing rather than an older snapshot.
   * `merge` turns the stored parts (snapshot first) into one snapshot; it may add what the caller
   * holds, so a document with no row yet gets one when the merge is not empty.
   */
  compactFromStored(docName: string, fence: number, merge: (parts: Uint8Array[]) => Uint8Array): Promise<'compacted' | 'fenced-out' | 'nothing-to-do'> {
    return this.run('compactFromStored', [docName], () =>
      this.transaction(async (client) => {
        const { rows } = await client.query<{ snapshot: Buffer | null; next_seq: string; fence: string }>(
          'SELECT snapshot, next_seq, fence FROM tandem_documents WHERE name = $1 FOR UPDATE',
          [docName],
        );
        const row = rows[0];
        if (row === undefined) {
          // Nothing stored yet, but the caller may hold content (relayed from a node that never stored it).
          const merged = merge([]);
          if (merged.byteLength <= EMPTY_UPDATE_LENGTH) return 'nothing-to-do'; // nothing worth a row
          const inserted = await client.query(
            'INSERT INTO tandem_documents (name, snapshot, fence) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
            [docName, merged, fence],
          );
          // A row that appeared meanwhile (an append) is left to the next compaction.
          return inserted.rowCount === 1 ? 'compacted' : 'nothing-to-do';
        }
        if (parseCounter(row.fence, 'fence') >= fence) return 'fenced-out';
        const nextSequence = parseCounter(row.next_seq, 'log counter');
        const log = await client.query<{ bytes: Buffer }>('SELECT bytes FROM tandem_log WHERE doc = $1 AND seq < $2 ORDER BY seq', [docName, nextSequence]);
        if (log.rows.length === 0) {
          // A row with nothing stored yet (a version write made it) may still meet content the caller holds.
          const held = row.snapshot === null ? merge([]) : null;
          if (held !== null && held.byteLength > EMPTY_UPDATE_LENGTH) {
            await client.query('UPDATE tandem_documents SET snapshot = $2, fence = $3 WHERE name = $1', [docName, held, fence]);
            return 'compacted';
          }
          await client.query('UPDATE tandem_documents SET fence = $2 WHERE name = $1', [docName, fence]);
          return 'nothing-to-do';
        }
        const parts = [...(row.snapshot === null ? [] : [ownedCopy(row.snapshot)]), ...log.rows.map((entry) => ownedCopy(entry.bytes))];
        await client.query('UPDATE tandem_documents SET snapshot = $2, fence = $3 WHERE name = $1', [docName, merge(parts), fence]);
        await client.query('DELETE FROM tandem_log WHERE doc = $1 AND seq < $2', [docName, nextSequence]);
        return 'compacted';
      }),
    );
  }

  listVersions(docName: string): Promise<VersionInfo[]> {
    return this.run('listVersions', [docName], async () => {
      const { rows } = await this.pool.query<VersionRow>('SELECT id, meta FROM tandem_versions WHERE doc = $1 ORDER BY id', [docName]);
      return rows.map((row) => ({ id: parseCounter(row.id, 'version id'), meta: row.meta }));
    });
  }

  loadVersions(docName: string, ids: readonly number[]): Promise<StoredVersion[]> {
    return this.run('loadVersions', [docName], async () => {
      if (ids.length === 0) return [];
      // One statement, one snapshot: a concurrent rewrite cannot pair old bytes with new metadata.
      const { rows } = await this.pool.query<StoredVersionRow>(
        `SELECT v.id, v.meta, b.bytes
           FROM tandem_versions v JOIN tandem_version_bytes b ON b.doc = v.doc AND b.id = v.id
          WHERE v.doc = $1 AND v.id = ANY($2::bigint[])
          ORDER BY v.id`,
        [docName, [...new Set(ids)]],
      );
      return rows.map((row) => ({ id: parseCounter(row.id, 'version id'), meta: row.meta, update: ownedCopy(row.bytes) }));
    });
  }

  writeVersions(docName: string, change: VersionChange): Promise<void> {
    return this.run('writeVersions', [docName], async () => {
      if (change.put.length === 0 && change.remove.length === 0) return;
      // The last put of an id wins, as it would written one by one (one statement may not touch a row twice).
      const puts = [...new Map(change.put.map((version) => [version.id, version])).values()];
      await this.transaction(async (client) => {
        if (change.fence !== undefined) {
          // The row lock orders this against other nodes' version writes; an older token writes nothing.
          const claimed = await client.query(
            `INSERT INTO tandem_documents (name, history_fence) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET history_fence = excluded.history_fence
             WHERE tandem_documents.history_fence <= excluded.history_fence`,
            [docName, change.fence],
          );
          if (claimed.rowCount !== 1) throw new VersionsFencedOut(`versions of ${docName} were written under a newer historian lease`);
        }
        if (change.remove.length > 0) {
          const removed = [...new Set(change.remove)];
          await client.query('DELETE FROM tandem_versions WHERE doc = $1 AND id = ANY($2::bigint[])', [docName, removed]);
          await client.query('DELETE FROM tandem_version_bytes WHERE doc = $1 AND id = ANY($2::bigint[])', [docName, removed]);
        }
        for (const batch of chunks(puts, ROWS_PER_INSERT)) {
          await client.query(
            `INSERT INTO tandem_versions (doc, id, meta) VALUES ${valuesList(batch.length, 3)}
             ON CONFLICT (doc, id) DO UPDATE SET meta = excluded.meta`,
            batch.flatMap((version) => [docName, version.id, JSON.stringify(version.meta)]),
          );
          await client.query(
            `INSERT INTO tandem_version_bytes (doc, id, bytes) VALUES ${valuesList(batch.length, 3)}
             ON CONFLICT (doc, id) DO UPDATE SET bytes = excluded.bytes`,
            batch.flatMap((version) => [docName, version.id, version.update]),
          );
        }
      });
    });
  }

  delete(docName: string): Promise<void> {
    return this.run('delete', [docName], () =>
      this.transaction(async (client) => {
        // Deleting the row first takes its lock, so no append of this document is half-way meanwhile.
        await client.query('DELETE FROM tandem_documents WHERE name = $1', [docName]);
        await client.query('DELETE FROM tandem_log WHERE doc = $1', [docName]);
        await client.query('DELETE FROM tandem_versions WHERE doc = $1', [docName]);
        await client.query('DELETE FROM tandem_version_bytes WHERE doc = $1', [docName]);
      }),
    );
  }

  listDocuments(): Promise<string[]> {
    return this.run('listDocuments', [], async () => {
      const { rows } = await this.pool.query<{ name: string }>('SELECT name FROM tandem_documents');
      // Sorted here rather than by the database: JavaScript's order (UTF-16 code units), like the other stores.
      return rows.map((row) => row.name).sort();
    });
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end().catch((cause: unknown) => {
      throw new StorageError('Closing the PostgreSQL store failed', { cause });
    });
    return this.closing;
  }

  /** Runs one store operation, reporting any failure as a StorageError that names it and its documents. */
  private async run<T>(operation: string, docNames: readonly string[], work: () => Promise<T>): Promise<T> {
    const subject = docNames.length === 0 ? '' : ` of ${describeDocuments(docNames)}`;
    if (this.closing !== null) throw new StorageError(`PostgreSQL ${operation}${subject} failed: the store is closed`);
    const unstorable = docNames.filter((name) => !isStorableName(name));
    if (unstorable.length > 0) {
      throw new StorageError(
        `PostgreSQL ${operation}${subject} failed: a document name containing U+0000 cannot be stored (${describeDocuments(unstorable)})`,
      );
    }
    try {
      return await work();
    } catch (cause) {
      if (cause instanceof VersionsFencedOut) throw cause; // an answer, not a failure of the store
      const reason = cause instanceof Error ? `: ${cause.message}` : '';
      throw new StorageError(`PostgreSQL ${operation}${subject} failed${reason}`, { cause });
    }
  }

  /**
   * A connection of the pool for `work`. One that failed is destroyed rather than returned: it may be
   * dead, or inside a transaction that must not be committed by whoever uses it next.
   */
  private async withConnection<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection that dies while checked out also fails its pending query, which reports it; the
    // event itself must be listened to, or it would end the process.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    let failure: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A connection that failed is ended by the pool, and the server's own goodbye (57P01 when
      // PostgreSQL stops) can still arrive as an event while it closes: it keeps its listener.
      if (failure === undefined) client.off('error', ignore);
      client.release(failure);
    }
  }

  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withConnection(async (client) => {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    });
  }

  /** Locks each document's row and takes as many sequence numbers as it has entries; returns the first of each. */
  private async reserveSequences(client: pg.PoolClient, entries: readonly LogEntry[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const { docName } of entries) counts.set(docName, (counts.get(docName) ?? 0) + 1);
    const { rows } = await client.query<ReservationRow>(
      `INSERT INTO tandem_documents AS d (name, next_seq)
       SELECT name, entries FROM unnest($1::text[], $2::bigint[]) AS reservation (name, entries)
       ORDER BY name COLLATE "C"
       ON CONFLICT (name) DO UPDATE SET next_seq = d.next_seq + excluded.next_seq
       RETURNING d.name, d.next_seq`,
      [[...counts.keys()], [...counts.values()]],
    );
    const first = new Map<string, number>();
    for (const row of rows) {
      first.set(row.name, parseCounter(row.next_seq, 'log counter') - (counts.get(row.name) ?? 0));
    }
    if (first.size !== counts.size) throw new StorageError(`Reserved log sequences for ${first.size} of ${counts.size} documents`);
    return first;
  }

  private async insertLogRows(client: pg.PoolClient, entries: readonly LogEntry[], firstSequence: Map<string, number>): Promise<void> {
    const next = new Map(firstSequence);
    const rows = entries.map(({ docName, update }) => {
      const sequence = next.get(docName) ?? 0;
      next.set(docName, sequence + 1);
      return [docName, sequence, update] as const;
    });
    for (const batch of chunks(rows, ROWS_PER_INSERT)) {
      await client.query(`INSERT INTO tandem_log (doc, seq, bytes) VALUES ${valuesList(batch.length, 3)}`, batch.flat());
    }
  }
}
