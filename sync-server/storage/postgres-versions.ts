/**
 * The PostgreSQL store's version history: tandem_versions (metadata as JSON) and
 * tandem_version_bytes (postgres-schema.ts). A fenced write (cluster mode's historian) first claims
 * the document's history_fence under its row lock, which orders it against other nodes' version
 * writes; an older token writes nothing.
 */
import type { StoredVersion, VersionChange, VersionInfo, VersionMeta } from './document-store';
import { chunks, ownedCopy, parseCounter, ROWS_PER_INSERT, valuesList, type PostgresConnection } from './postgres-connection';
import { VersionsFencedOut } from './shared-document-store';

interface VersionRow {
  readonly id: string;
  readonly meta: VersionMeta;
}

interface StoredVersionRow extends VersionRow {
  readonly bytes: Buffer;
}

export class PostgresVersions {
  constructor(private readonly db: PostgresConnection) {}

  list(docName: string): Promise<VersionInfo[]> {
    return this.db.run('listVersions', [docName], async () => {
      const { rows } = await this.db.pool.query<VersionRow>('SELECT id, meta FROM tandem_versions WHERE doc = $1 ORDER BY id', [docName]);
      return rows.map((row) => ({ id: parseCounter(row.id, 'version id'), meta: row.meta }));
    });
  }

  load(docName: string, ids: readonly number[]): Promise<StoredVersion[]> {
    return this.db.run('loadVersions', [docName], async () => {
      if (ids.length === 0) return [];
      // One statement, one snapshot: a concurrent rewrite cannot pair old bytes with new metadata.
      const { rows } = await this.db.pool.query<StoredVersionRow>(
        `SELECT v.id, v.meta, b.bytes
           FROM tandem_versions v JOIN tandem_version_bytes b ON b.doc = v.doc AND b.id = v.id
          WHERE v.doc = $1 AND v.id = ANY($2::bigint[])
          ORDER BY v.id`,
        [docName, [...new Set(ids)]],
      );
      return rows.map((row) => ({ id: parseCounter(row.id, 'version id'), meta: row.meta, update: ownedCopy(row.bytes) }));
    });
  }

  /** Writes `change` in one transaction; with a `fence`, only when no newer historian token has written. */
  write(docName: string, change: VersionChange, fence: number | null): Promise<void> {
    return this.db.run('writeVersions', [docName], async () => {
      if (change.put.length === 0 && change.remove.length === 0) return;
      // The last put of an id wins, as it would written one by one (one statement may not touch a row twice).
      const puts = [...new Map(change.put.map((version) => [version.id, version])).values()];
      await this.db.transaction(async (client) => {
        if (fence !== null) {
          const claimed = await client.query(
            `INSERT INTO tandem_documents (name, history_fence) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET history_fence = excluded.history_fence
             WHERE tandem_documents.history_fence <= excluded.history_fence`,
            [docName, fence],
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
}
