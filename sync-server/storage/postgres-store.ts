/**
 * DocumentStore on PostgreSQL (node-postgres), the durable store of cluster mode, where several sync
 * server processes share one database (a SharedDocumentStore: fenced compaction and version writes).
 * Tables: postgres-schema.ts; connections, transactions and errors: postgres-connection.ts;
 * versions: postgres-versions.ts; share links: postgres-links.ts. This file is the document itself: its snapshot and log.
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
import type pg from 'pg';
import { EMPTY_UPDATE_LENGTH } from './empty-update';
import { StorageError, type LogEntry, type StoredDocument, type StoredVersion, type VersionChange, type VersionInfo } from './document-store';
import { chunks, ownedCopy, parseCounter, PostgresConnection, ROWS_PER_INSERT, valuesList, type PostgresStoreOptions } from './postgres-connection';
import { PostgresShareLinks } from './postgres-links';
import { PostgresVersions } from './postgres-versions';
import type { ShareLinkRecord, ShareLinkStore } from './share-link-store';
import type { SharedDocumentStore, StoredCompaction } from './shared-document-store';

export type { PostgresStoreOptions } from './postgres-connection';

interface LoadRow {
  readonly bytes: Buffer;
  readonly is_snapshot: boolean;
}

interface ReservationRow {
  readonly name: string;
  /** bigint arrives as a decimal string. */
  readonly next_seq: string;
}

export class PostgresDocumentStore implements SharedDocumentStore, ShareLinkStore {
  readonly kind = 'postgresql';
  /** Resolves once the latest append holds its document locks; the next append waits for it. */
  private lastReservation: Promise<void> = Promise.resolve();
  private readonly versions: PostgresVersions;
  private readonly links: PostgresShareLinks;

  private constructor(private readonly db: PostgresConnection) {
    this.versions = new PostgresVersions(db);
    this.links = new PostgresShareLinks(db);
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresDocumentStore> {
    return new PostgresDocumentStore(await PostgresConnection.open(options));
  }

  load(docName: string): Promise<StoredDocument> {
    return this.db.run('load', [docName], async () => {
      // One statement reads one snapshot of the database, so a compaction committing meanwhile
      // shows either the old snapshot and log or the new ones, never a mix.
      const { rows } = await this.db.pool.query<LoadRow>(
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
    return this.db.run('append', docNames, async () => {
      if (entries.length === 0) return;
      const previous = this.lastReservation;
      let reserved = (): void => undefined;
      this.lastReservation = new Promise<void>((resolve) => (reserved = resolve));
      try {
        await previous;
        await this.db.transaction(async (client) => {
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
    return this.db.run('compact', [docName], () =>
      this.db.transaction(async (client) => {
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
  compactFromStored(docName: string, fence: number, merge: (parts: Uint8Array[]) => Uint8Array): Promise<StoredCompaction> {
    return this.db.run('compactFromStored', [docName], () =>
      this.db.transaction(async (client) => {
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
    return this.versions.list(docName);
  }

  loadVersions(docName: string, ids: readonly number[]): Promise<StoredVersion[]> {
    return this.versions.load(docName, ids);
  }

  writeVersions(docName: string, change: VersionChange): Promise<void> {
    return this.versions.write(docName, change, null);
  }

  writeVersionsFenced(docName: string, change: VersionChange, fence: number): Promise<void> {
    return this.versions.write(docName, change, fence);
  }

  delete(docName: string): Promise<void> {
    return this.db.run('delete', [docName], () =>
      this.db.transaction(async (client) => {
        // Deleting the row first takes its lock, so no append of this document is half-way meanwhile.
        await client.query('DELETE FROM tandem_documents WHERE name = $1', [docName]);
        await client.query('DELETE FROM tandem_log WHERE doc = $1', [docName]);
        await client.query('DELETE FROM tandem_versions WHERE doc = $1', [docName]);
        await client.query('DELETE FROM tandem_version_bytes WHERE doc = $1', [docName]);
        await client.query('DELETE FROM tandem_share_links WHERE doc = $1', [docName]);
      }),
    );
  }

  createLink(docName: string, record: ShareLinkRecord): Promise<void> {
    return this.links.create(docName, record);
  }

  listLinks(docName: string): Promise<ShareLinkRecord[]> {
    return this.links.list(docName);
  }

  getLink(docName: string, linkId: string): Promise<ShareLinkRecord | null> {
    return this.links.get(docName, linkId);
  }

  revokeLink(docName: string, linkId: string, at: number): Promise<boolean> {
    return this.links.revoke(docName, linkId, at);
  }

  listDocuments(): Promise<string[]> {
    return this.db.run('listDocuments', [], async () => {
      const { rows } = await this.db.pool.query<{ name: string }>('SELECT name FROM tandem_documents');
      // Sorted here rather than by the database: JavaScript's order (UTF-16 code units), like the other stores.
      return rows.map((row) => row.name).sort();
    });
  }

  close(): Promise<void> {
    return this.db.close();
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
