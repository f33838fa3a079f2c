/**
 * The storage seam of a document's share links: records an owner can name, list, let expire and
 * revoke. A link belongs to one document; deleting the document (DocumentStore.delete) deletes its
 * links. Every store class implements this next to DocumentStore.
 *
 * The caller makes a link's id (newShareLinkId) and gives the whole record to createLink: the id is
 * then known before anything is written, so a token naming it can be made from the same values, and
 * a store never has to return what it generated. A record the store refuses (a malformed field, an
 * id the document already has) is a ShareLinkRejected, and nothing is written.
 */
import { ROLES, type Role } from '../../lib/auth/roles';
import type { DocumentStore } from './document-store';

/**
 * Roles a link grants, lowest first: the one list in lib/auth/roles.ts. A role added there (a
 * `comment` between `view` and `edit`) is a role every store accepts and keeps.
 */
export const SHARE_LINK_ROLES = ROLES;
export type ShareLinkRole = Role;

export interface ShareLinkRecord {
  /** SHARE_LINK_ID_LENGTH characters of base64url: 16 random bytes (newShareLinkId). */
  readonly id: string;
  /** What the owner called it; may be empty, at most SHARE_LINK_NAME_MAX code points. */
  readonly name: string;
  readonly role: ShareLinkRole;
  /** Milliseconds since the epoch, as are the other times. */
  readonly createdAt: number;
  /** Null: never expires. */
  readonly expiresAt: number | null;
  /** Null: not revoked. */
  readonly revokedAt: number | null;
}

export interface ShareLinkStore {
  /** Stores a new link of the document; throws ShareLinkRejected when the record is malformed or its id taken. */
  createLink(docName: string, record: ShareLinkRecord): Promise<void>;
  /** The document's links, newest (createdAt) first; links made in the same millisecond in id order. */
  listLinks(docName: string): Promise<ShareLinkRecord[]>;
  /** The link, or null when the document has no link with this id. */
  getLink(docName: string, linkId: string): Promise<ShareLinkRecord | null>;
  /**
   * Marks the link revoked at `at`; a link revoked before keeps its first revokedAt. Returns whether
   * the document has such a link.
   */
  revokeLink(docName: string, linkId: string, at: number): Promise<boolean>;
}

export const SHARE_LINK_ID_LENGTH = 22;
export const SHARE_LINK_NAME_MAX = 200;
const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
/** In a `u` expression a surrogate pair is one code point, so this matches only a lone surrogate. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A record or argument a store refuses; nothing of the call was written. Not a StorageError: the
 * store works, the input was wrong, and a caller answers the two differently.
 */
export class ShareLinkRejected extends Error {
  override readonly name = 'ShareLinkRejected';
}

/** A new link id: 16 random bytes, base64url, 22 characters (the one a version 2 token carries). */
export { newLinkId as newShareLinkId } from '../../lib/auth/link-id';

export function isShareLinkRole(value: unknown): value is ShareLinkRole {
  return (SHARE_LINK_ROLES as readonly unknown[]).includes(value);
}

export function isShareLinkId(value: unknown): value is string {
  return typeof value === 'string' && value.length === SHARE_LINK_ID_LENGTH && ID_PATTERN.test(value);
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Why `record` cannot be stored, or null when it can. */
function recordProblem(record: ShareLinkRecord): string | null {
  if (!isShareLinkId(record.id)) return `its id is not ${SHARE_LINK_ID_LENGTH} characters of base64url`;
  if (typeof record.name !== 'string') return 'its name is not a string';
  // Lone surrogates are not Unicode: UTF-8 (LevelDB's JSON, PostgreSQL's text) cannot carry them back.
  if (LONE_SURROGATE.test(record.name)) return 'its name holds a lone surrogate';
  if ([...record.name].length > SHARE_LINK_NAME_MAX) return `its name is longer than ${SHARE_LINK_NAME_MAX} characters`;
  if (!isShareLinkRole(record.role)) return `its role is not one of ${SHARE_LINK_ROLES.join(', ')}`;
  if (!isTime(record.createdAt)) return 'its createdAt is not a time in milliseconds';
  if (record.expiresAt !== null && !isTime(record.expiresAt)) return 'its expiresAt is neither null nor a time in milliseconds';
  if (record.revokedAt !== null && !isTime(record.revokedAt)) return 'its revokedAt is neither null nor a time in milliseconds';
  return null;
}

/**
 * The record as a store keeps it: exactly its six fields (no extra property rides along into a
 * store that serialises the whole object). Throws ShareLinkRejected when a field is malformed.
 */
export function checkedShareLink(docName: string, record: ShareLinkRecord): ShareLinkRecord {
  const problem = recordProblem(record);
  if (problem !== null) throw new ShareLinkRejected(`Share link of document ${JSON.stringify(docName)} refused: ${problem}`);
  const { id, name, role, createdAt, expiresAt, revokedAt } = record;
  return { id, name, role, createdAt, expiresAt, revokedAt };
}

/** Throws ShareLinkRejected when `at` cannot be a revocation time. */
export function checkRevocationTime(docName: string, at: number): void {
  if (!isTime(at)) throw new ShareLinkRejected(`Revoking a share link of document ${JSON.stringify(docName)} refused: ${String(at)} is not a time in milliseconds`);
}

export function duplicateShareLink(docName: string, linkId: string): ShareLinkRejected {
  return new ShareLinkRejected(`Share link ${JSON.stringify(linkId)} of document ${JSON.stringify(docName)} already exists`);
}

/** listLinks's order: newest first, then by id (ids are ASCII, so code-unit order is byte order). */
export function newestFirst(a: ShareLinkRecord, b: ShareLinkRecord): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function isShareLinkStore(store: DocumentStore): store is DocumentStore & ShareLinkStore {
  const candidate = store as Partial<ShareLinkStore>;
  return typeof candidate.createLink === 'function' && typeof candidate.revokeLink === 'function';
}
