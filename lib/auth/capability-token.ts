/**
 * The layout of a share-link capability. Pure and browser-safe: the editor reads the role from a
 * link to open read-only before it connects; only the server, which has the secret, can tell a
 * genuine token from a forged one (see sync-server/auth/token-signer.ts).
 *
 *   token   = base64url( version:1 | role:1 | expiresAt:6 | mac:32 )        40 bytes → 54 characters
 *   mac     = HMAC-SHA256(secret, "tandem/capability" 0x00 | version | role | expiresAt | utf8(documentId))
 *
 * role: 1 edit, 2 view. expiresAt: Unix seconds, big-endian; 0 = never. The document id is covered
 * by the MAC but not carried, so a token for one document cannot open another.
 */
import { decodeBase64Url, encodeBase64Url } from './base64url';

export type Role = 'edit' | 'view';

export const TOKEN_VERSION = 1;
export const MAC_BYTES = 32;
const HEADER_BYTES = 8;
export const TOKEN_BYTES = HEADER_BYTES + MAC_BYTES;
export const TOKEN_LENGTH = 54;
const MAX_EXPIRY = 2 ** 48 - 1;
const MAC_CONTEXT = new TextEncoder().encode('tandem/capability\0');

const roleCodes: Record<Role, number> = { edit: 1, view: 2 };

export interface CapabilityClaims {
  readonly role: Role;
  /** Unix seconds; null when the token never expires. */
  readonly expiresAt: number | null;
}

export interface ParsedToken extends CapabilityClaims {
  readonly header: Uint8Array;
  readonly mac: Uint8Array;
}

/** The 8 header bytes of a token with these claims. */
export function encodeHeader(claims: CapabilityClaims): Uint8Array {
  const expiresAt = claims.expiresAt ?? 0;
  if (!Number.isInteger(expiresAt) || expiresAt < 0 || expiresAt > MAX_EXPIRY) {
    throw new RangeError(`expiresAt must be whole Unix seconds, got ${claims.expiresAt}`);
  }
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = TOKEN_VERSION;
  header[1] = roleCodes[claims.role];
  let remaining = expiresAt;
  for (let i = 7; i >= 2; i--) {
    header[i] = remaining % 256;
    remaining = Math.floor(remaining / 256);
  }
  return header;
}

/** The bytes the MAC is computed over. */
export function macInput(header: Uint8Array, documentId: string): Uint8Array {
  const id = new TextEncoder().encode(documentId);
  const input = new Uint8Array(MAC_CONTEXT.length + header.length + id.length);
  input.set(MAC_CONTEXT, 0);
  input.set(header, MAC_CONTEXT.length);
  input.set(id, MAC_CONTEXT.length + header.length);
  return input;
}

export function assembleToken(header: Uint8Array, mac: Uint8Array): string {
  const bytes = new Uint8Array(TOKEN_BYTES);
  bytes.set(header, 0);
  bytes.set(mac, HEADER_BYTES);
  return encodeBase64Url(bytes);
}

/** Reads a token's layout without checking its MAC; null for anything not shaped like a token. */
export function parseToken(token: string): ParsedToken | null {
  if (token.length !== TOKEN_LENGTH) return null;
  const bytes = decodeBase64Url(token);
  if (bytes === null || bytes.length !== TOKEN_BYTES || bytes[0] !== TOKEN_VERSION) return null;
  const role = bytes[1] === roleCodes.edit ? 'edit' : bytes[1] === roleCodes.view ? 'view' : null;
  if (role === null) return null;
  let expiresAt = 0;
  for (let i = 2; i < HEADER_BYTES; i++) expiresAt = expiresAt * 256 + bytes[i]!;
  return {
    role,
    expiresAt: expiresAt === 0 ? null : expiresAt,
    header: bytes.subarray(0, HEADER_BYTES),
    mac: bytes.subarray(HEADER_BYTES),
  };
}
