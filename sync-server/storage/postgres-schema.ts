/**
 * The PostgreSQL store's tables, created on open when missing. Names are `text COLLATE "C"`: any
 * string PostgreSQL can hold (everything but U+0000) keeps its exact code points, and "C" compares
 * bytes, so two names are equal only when they are the same string, whatever the database's locale.
 *
 *   tandem_documents      one row per document: its snapshot (null until the first compaction),
 *                         next_seq, the next log sequence number, fence, the fencing token of the
 *                         last cluster compaction (a compaction with an older token writes nothing),
 *                         and history_fence, the same for version writes. Appends, compactions and
 *                         fenced version writes lock this row, which orders them per document across
 *                         every process using the database.
 *   tandem_log            one row per appended update: (doc, seq) → bytes, in seq order.
 *   tandem_versions       a version's metadata as JSON, so listing history never reads version bytes.
 *                         `json`, not `jsonb`: jsonb refuses the escape \u0000, which an author's name
 *                         (typed by a person into presence) may hold.
 *   tandem_version_bytes  its bytes.
 *   tandem_share_links    one row per share link of a document (postgres-links.ts): (doc, id) → its
 *                         name (json, for the same reason as tandem_versions.meta), role, and times in
 *                         milliseconds, expires_at and revoked_at null when not set.
 *
 * A database made by an earlier version gets what it lacks the same way, when a store opens it:
 * every statement below is IF NOT EXISTS, so a new table or column is added by appending one here.
 */
import type pg from 'pg';

/**
 * Two cluster nodes starting against an empty database would otherwise race each other's
 * CREATE TABLE IF NOT EXISTS into a unique violation in the catalog; this lock makes them take turns.
 */
const SCHEMA_LOCK_KEY = 0x74616e64656d; // 'tandem' in ASCII

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tandem_documents (
  name     text COLLATE "C" PRIMARY KEY,
  snapshot bytea,
  next_seq bigint NOT NULL DEFAULT 0
);
ALTER TABLE tandem_documents ADD COLUMN IF NOT EXISTS fence bigint NOT NULL DEFAULT 0;
ALTER TABLE tandem_documents ADD COLUMN IF NOT EXISTS history_fence bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS tandem_log (
  doc   text COLLATE "C" NOT NULL,
  seq   bigint NOT NULL,
  bytes bytea NOT NULL,
  PRIMARY KEY (doc, seq)
);
CREATE TABLE IF NOT EXISTS tandem_versions (
  doc  text COLLATE "C" NOT NULL,
  id   bigint NOT NULL,
  meta json NOT NULL,
  PRIMARY KEY (doc, id)
);
CREATE TABLE IF NOT EXISTS tandem_version_bytes (
  doc   text COLLATE "C" NOT NULL,
  id    bigint NOT NULL,
  bytes bytea NOT NULL,
  PRIMARY KEY (doc, id)
);
CREATE TABLE IF NOT EXISTS tandem_share_links (
  doc        text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  name       json NOT NULL,
  role       text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint,
  revoked_at bigint,
  PRIMARY KEY (doc, id)
);
`;

/** Creates whatever tables are missing; run inside a transaction so a failed open leaves none half-made. */
export async function createSchema(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
  await client.query(SCHEMA);
}

/** Names must be text, and a text value cannot contain U+0000 (PostgreSQL rejects the whole statement). */
export function isStorableName(name: string): boolean {
  return !name.includes('\u0000');
}
