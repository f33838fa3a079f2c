/**
 * The layout of a share-link capability. Pure and browser-safe: the editor reads the role from a
 * link to open read-only before it connects; only the server, which has the secret, can tell a
 * genuine token from a forged one (see sync-server/auth/token-signer.ts).
 *
 * Version 1, the two links every document has had since the first release:
 *   token   = base64url( version:1 | role:1 | expiresAt:6 | mac:32 )                  40 bytes → 54 characters
 *   mac     = HMAC-SHA256(secret, "tandem/capability" 0x00 | version | role | expiresAt | utf8(documentId))
 *
 * Version 2, a link with a record (it can be named, listed, expired and revoked):
 *   token   = base64url( version:1 | role:1 | expiresAt:6 | linkId:16 | mac:32 )      56 bytes → 75 characters
 *   mac     = HMAC-SHA256(secret, "tandem/capability/v2" 0x00 | version | role | expiresAt | linkId | utf8(documentId))
 *
 * role: 1 edit, 2 view, 3 owner, 4 comment (the last two in version 2 only). expiresAt: Unix seconds,
 * big-endian; 0 = never. The document id is covered by the MAC but not carried, so a token for one
 * document cannot open another. Each version has its own MAC context, so no MAC of one version
 * is ever the MAC of a token of the other.
 */
import { decodeBase64Url, encodeBase64Url } from './base64url';
import { LINK_ID_BYTES, linkIdBytes } from './link-id';
import type { Role } from './roles';

/** The roles a version 1 token carries: there was no owner before link records. */
const V1_ROLES = ['edit', 'view'] as const satisfies readonly Role[];
export type V1Role = (typeof V1_ROLES)[number];

export const TOKEN_VERSION = 1;
export const TOKEN_V2_VERSION = 2;
export const MAC_BYTES = 32;
const CLAIM_BYTES = 8;
export const TOKEN_BYTES = CLAIM_BYTES + MAC_BYTES;
export const TOKEN_LENGTH = 54;
export const TOKEN_V2_BYTES = CLAIM_BYTES + LINK_ID_BYTES + MAC_BYTES;
export const TOKEN_V2_LENGTH = 75;
const MAX_EXPIRY = 2 ** 48 - 1;

/**
 * One code per role across every version, so a code never changes meaning. The Record makes a role
 * added to lib/auth/roles.ts a type error here until it is given its code.
 */
const roleCodes: Record<Role, number> = { edit: 1, view: 2, owner: 3, comment: 4 };

interface Layout {
  readonly version: typeof TOKEN_VERSION | typeof TOKEN_V2_VERSION;
  readonly headerBytes: number;
  readonly tokenLength: number;
  readonly macContext: Uint8Array;
  readonly roles: readonly Role[];
}

const layouts: readonly Layout[] = [
  {
    version: TOKEN_VERSION,
    headerBytes: CLAIM_BYTES,
    tokenLength: TOKEN_LENGTH,
    macContext: new TextEncoder().encode('tandem/capability\0'),
    roles: V1_ROLES,
  },
  {
    version: TOKEN_V2_VERSION,
    headerBytes: CLAIM_BYTES + LINK_ID_BYTES,
    tokenLength: TOKEN_V2_LENGTH,
    macContext: new TextEncoder().encode('tandem/capability/v2\0'),
    roles: ['edit', 'view', 'owner', 'comment'],
  },
];

/** What a version 1 token says. */
export interface CapabilityClaims {
  readonly role: V1Role;
  /** Unix seconds; null when the token never expires. */
  readonly expiresAt: number | null;
}

/** What a version 2 token says: the claims of a link record. */
export interface LinkClaims {
  readonly role: Role;
  /** Unix seconds; null when the token never expires. */
  readonly expiresAt: number | null;
  /** The record's id, base64url of 16 bytes (lib/auth/link-id.ts). */
  readonly linkId: string;
}

/** A token's claims as read, with the bytes its MAC covers (`header`) and the MAC itself. */
export type ParsedToken = (
  | { readonly version: typeof TOKEN_VERSION; readonly role: V1Role; readonly expiresAt: number | null; readonly linkId: null }
  | { readonly version: typeof TOKEN_V2_VERSION; readonly role: Role; readonly expiresAt: number | null; readonly linkId: string }
) & { readonly header: Uint8Array; readonly mac: Uint8Array };

/** The 8 header bytes of a version 1 token with these claims. */
export function encodeHeader(claims: CapabilityClaims): Uint8Array {
  return encodeClaims(layouts[0]!, claims.role, claims.expiresAt);
}

/** The 24 header bytes of a version 2 token with these claims. */
export function encodeLinkHeader(claims: LinkClaims): Uint8Array {
  const linkId = linkIdBytes(claims.linkId);
  if (linkId === null) throw new RangeError(`a link id is base64url of ${LINK_ID_BYTES} bytes, got "${claims.linkId}"`);
  const header = encodeClaims(layouts[1]!, claims.role, claims.expiresAt);
  header.set(linkId, CLAIM_BYTES);
  return header;
}

/** The bytes the MAC is computed over; the header's version byte chooses the context. */
export function macInput(header: Uint8Array, documentId: string): Uint8Array {
  const layout = layouts.find((candidate) => candidate.version === header[0] && candidate.headerBytes === header.length);
  if (layout === undefined) throw new RangeError('not the header of a known token version');
  const id = new TextEncoder().encode(documentId);
  const input = new Uint8Array(layout.macContext.length + header.length + id.length);
  input.set(layout.macContext, 0);
  input.set(header, layout.macContext.length);
  input.set(id, layout.macContext.length + header.length);
  return input;
}

export function assembleToken(header: Uint8Array, mac: Uint8Array): string {
  const bytes = new Uint8Array(header.length + mac.length);
  bytes.set(header, 0);
  bytes.set(mac, header.length);
  return encodeBase64Url(bytes);
}

/**
 * Reads a token's layout without checking its MAC; null for anything not shaped like a token of a
 * known version. The length chooses the layout and the version byte must agree with it.
 */
export function parseToken(token: string): ParsedToken | null {
  const layout = layouts.find((candidate) => candidate.tokenLength === token.length);
  if (layout === undefined) return null;
  const bytes = decodeBase64Url(token);
  if (bytes === null || bytes.length !== layout.headerBytes + MAC_BYTES || bytes[0] !== layout.version) return null;
  const role = layout.roles.find((candidate) => roleCodes[candidate] === bytes[1]);
  if (role === undefined) return null;
  let expiresAt = 0;
  for (let i = 2; i < CLAIM_BYTES; i++) expiresAt = expiresAt * 256 + bytes[i]!;
  const signed = {
    expiresAt: expiresAt === 0 ? null : expiresAt,
    header: bytes.subarray(0, layout.headerBytes),
    mac: bytes.subarray(layout.headerBytes),
  };
  if (layout.version === TOKEN_VERSION) return isV1Role(role) ? { version: TOKEN_VERSION, role, linkId: null, ...signed } : null;
  return { version: TOKEN_V2_VERSION, role, linkId: encodeBase64Url(bytes.subarray(CLAIM_BYTES, layout.headerBytes)), ...signed };
}

function isV1Role(role: Role): role is V1Role {
  return (V1_ROLES as readonly Role[]).includes(role);
}

function encodeClaims(layout: Layout, role: Role, expiresAt: number | null): Uint8Array {
  const seconds = expiresAt ?? 0;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_EXPIRY) {
    throw new RangeError(`expiresAt must be whole Unix seconds, got ${expiresAt}`);
  }
  if (!layout.roles.includes(role)) throw new RangeError(`a version ${layout.version} token cannot carry the role ${role}`);
  const header = new Uint8Array(layout.headerBytes);
  header[0] = layout.version;
  header[1] = roleCodes[role];
  let remaining = seconds;
  for (let i = 7; i >= 2; i--) {
    header[i] = remaining % 256;
    remaining = Math.floor(remaining / 256);
  }
  return header;
}
