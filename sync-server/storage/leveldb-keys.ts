/**
 * The LevelDB store's key layout (leveldb-store.ts). Keys are UTF-8 strings, values raw bytes:
 *
 *   doc/<encodeURIComponent(name)>/snapshot    → the compacted snapshot
 *   doc/<encodeURIComponent(name)>/log/<seq>   → one update; <seq> is 12 lowercase hex digits, zero-padded
 *   version-meta/<encodeURIComponent(name)>/<id>   → a version's VersionMeta as JSON (UTF-8)
 *   version-data/<encodeURIComponent(name)>/<id>   → its update bytes; <id> is 12 hex digits too
 *   share-link/<encodeURIComponent(name)>/<link id> → a ShareLinkRecord as JSON (UTF-8, leveldb-links.ts)
 *
 * Versions live outside `doc/`, so loading a document never reads its history, and their metadata
 * apart from their bytes, so listing the history never reads the bytes. Share links live outside it
 * too, and a link id is base64url, which holds no '/'.
 *
 * encodeURIComponent escapes '/', so a name's key prefix never contains another name's prefix ('a',
 * 'a/b' and 'a%2Fb' become 'doc/a/', 'doc/a%2Fb/' and 'doc/a%252Fb/'). A range over a prefix ending
 * in '/' ends at the same prefix with '0' instead, because '0' is the character right after '/'.
 * Fixed-width sequence numbers make key order append order.
 */
import { StorageError, type VersionMeta } from './document-store';

export const DOCUMENTS_PREFIX = 'doc/';
const SNAPSHOT_SUFFIX = 'snapshot';
const LOG_SUFFIX = 'log/';
const SEQUENCE_DIGITS = 12;
const MAX_SEQUENCE = 16 ** SEQUENCE_DIGITS - 1;

const VERSION_META_PREFIX = 'version-meta/';
const VERSION_DATA_PREFIX = 'version-data/';
const SHARE_LINK_PREFIX = 'share-link/';

export function shareLinkPrefix(docName: string): string {
  return `${SHARE_LINK_PREFIX}${encodeURIComponent(docName)}/`;
}

export function versionMetaPrefix(docName: string): string {
  return `${VERSION_META_PREFIX}${encodeURIComponent(docName)}/`;
}

export function versionDataPrefix(docName: string): string {
  return `${VERSION_DATA_PREFIX}${encodeURIComponent(docName)}/`;
}

export function documentPrefix(docName: string): string {
  return `${DOCUMENTS_PREFIX}${encodeURIComponent(docName)}/`;
}

export function logPrefix(docName: string): string {
  return `${documentPrefix(docName)}${LOG_SUFFIX}`;
}

export function snapshotKey(docName: string): string {
  return `${documentPrefix(docName)}${SNAPSHOT_SUFFIX}`;
}

/** Everything under a prefix ending in '/': '0' is the character right after '/'. */
export function prefixRange(prefix: string): { gte: string; lt: string } {
  return { gte: prefix, lt: `${prefix.slice(0, -1)}0` };
}

export function formatSequence(sequence: number): string {
  if (sequence > MAX_SEQUENCE) throw new StorageError(`Log sequence ${sequence} does not fit in the key layout`);
  return sequence.toString(16).padStart(SEQUENCE_DIGITS, '0');
}

export function parseSequence(logKey: string, prefix: string): number {
  const digits = logKey.slice(prefix.length);
  const sequence = Number.parseInt(digits, 16);
  if (digits.length !== SEQUENCE_DIGITS || !Number.isSafeInteger(sequence)) {
    throw new StorageError(`Malformed log key ${JSON.stringify(logKey)}`);
  }
  return sequence;
}

export function encodeMeta(meta: VersionMeta): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(meta));
}

export function decodeMeta(bytes: Uint8Array): VersionMeta {
  return JSON.parse(new TextDecoder().decode(bytes)) as VersionMeta;
}
