/**
 * The id of a share-link record: 128 random bits, like a document id, carried in a version 2
 * capability token (lib/auth/capability-token.ts) and named in base64url (22 characters) elsewhere.
 */
import { decodeBase64Url, encodeBase64Url } from './base64url';

export const LINK_ID_BYTES = 16;

export function newLinkId(random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes)): string {
  return encodeBase64Url(random(new Uint8Array(LINK_ID_BYTES)));
}

/** The bytes a link id names, or null when it is not the canonical base64url of 16 bytes. */
export function linkIdBytes(linkId: string): Uint8Array | null {
  const bytes = decodeBase64Url(linkId);
  return bytes !== null && bytes.length === LINK_ID_BYTES ? bytes : null;
}
