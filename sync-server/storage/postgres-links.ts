/**
 * The PostgreSQL store's share links: tandem_share_links (postgres-schema.ts), one row per link.
 * Each operation is one statement, so it is atomic without a transaction: a create that finds the
 * id taken inserts nothing (ON CONFLICT DO NOTHING), and a revocation sets revoked_at only where it
 * is still null, so of two nodes revoking one link at once the first to commit sets the time.
 */
import { StorageError } from './document-store';
import type { ShareLinkRecord, ShareLinkRole } from './share-link-store';
import { checkedShareLink, checkRevocationTime, duplicateShareLink, isShareLinkId } from './share-link-store';
import { parseCounter, type PostgresConnection } from './postgres-connection';

interface LinkRow {
  readonly id: string;
  /** json: node-postgres hands it over parsed. */
  readonly name: string;
  readonly role: ShareLinkRole;
  /** bigints arrive as decimal strings. */
  readonly created_at: string;
  readonly expires_at: string | null;
  readonly revoked_at: string | null;
}

const COLUMNS = 'id, name, role, created_at, expires_at, revoked_at';

function recordOf(docName: string, row: LinkRow): ShareLinkRecord {
  const time = (value: string | null, what: string): number | null => (value === null ? null : parseCounter(value, what));
  // Checked like a record on its way in: a row edited by hand into something else is a broken
  // store (a StorageError), not a refused input, and is not handed on.
  try {
    return checkedShareLink(docName, {
      id: row.id,
      name: row.name,
      role: row.role,
      createdAt: parseCounter(row.created_at, 'share link time'),
      expiresAt: time(row.expires_at, 'share link time'),
      revokedAt: time(row.revoked_at, 'share link time'),
    });
  } catch (cause) {
    throw new StorageError(`Malformed share link ${JSON.stringify(row.id)} of document ${JSON.stringify(docName)}`, { cause });
  }
}

export class PostgresShareLinks {
  constructor(private readonly db: PostgresConnection) {}

  create(docName: string, record: ShareLinkRecord): Promise<void> {
    return this.db.run('createLink', [docName], async () => {
      const link = checkedShareLink(docName, record);
      const inserted = await this.db.pool.query(
        `INSERT INTO tandem_share_links (doc, ${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (doc, id) DO NOTHING`,
        // The name goes in as JSON: a json value keeps U+0000 (as \u0000), which text cannot hold.
        [docName, link.id, JSON.stringify(link.name), link.role, link.createdAt, link.expiresAt, link.revokedAt],
      );
      if (inserted.rowCount !== 1) throw duplicateShareLink(docName, link.id);
    });
  }

  list(docName: string): Promise<ShareLinkRecord[]> {
    return this.db.run('listLinks', [docName], async () => {
      const { rows } = await this.db.pool.query<LinkRow>(
        `SELECT ${COLUMNS} FROM tandem_share_links WHERE doc = $1 ORDER BY created_at DESC, id`,
        [docName],
      );
      return rows.map((row) => recordOf(docName, row));
    });
  }

  get(docName: string, linkId: string): Promise<ShareLinkRecord | null> {
    return this.db.run('getLink', [docName], async () => {
      if (!isShareLinkId(linkId)) return null; // nothing else is stored, and text cannot hold U+0000
      const { rows } = await this.db.pool.query<LinkRow>(`SELECT ${COLUMNS} FROM tandem_share_links WHERE doc = $1 AND id = $2`, [docName, linkId]);
      const row = rows[0];
      return row === undefined ? null : recordOf(docName, row);
    });
  }

  revoke(docName: string, linkId: string, at: number): Promise<boolean> {
    return this.db.run('revokeLink', [docName], async () => {
      checkRevocationTime(docName, at);
      if (!isShareLinkId(linkId)) return false;
      const updated = await this.db.pool.query(
        'UPDATE tandem_share_links SET revoked_at = COALESCE(revoked_at, $3) WHERE doc = $1 AND id = $2',
        [docName, linkId, at],
      );
      return updated.rowCount === 1;
    });
  }
}
