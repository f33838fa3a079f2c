/**
 * Issues and verifies share-link capabilities (layout in lib/auth/capability-token.ts) with
 * HMAC-SHA256 under the server secret. Verification compares MACs in constant time and reports
 * only *that* a token is bad, never which byte differed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  assembleToken,
  encodeHeader,
  encodeLinkHeader,
  macInput,
  parseToken,
  TOKEN_VERSION,
  type CapabilityClaims,
  type LinkClaims,
  type ParsedToken,
  type V1Role,
} from '../../lib/auth/capability-token';
import type { Role } from '../../lib/auth/roles';

type Refusal = { readonly valid: false; readonly reason: 'malformed' | 'invalid' | 'expired' };

export type TokenCheck = { readonly valid: true; readonly role: V1Role } | Refusal;

/**
 * A genuine, unexpired token of either version. A version 2 token names its link record
 * (`linkId`), which the caller must still find unrevoked and unexpired; a version 1 token has
 * no record (`linkId` null) and stands on its signature alone.
 */
export type LinkCheck =
  | {
      readonly valid: true;
      readonly version: ParsedToken['version'];
      readonly role: Role;
      /** Unix seconds, or null for never. */
      readonly expiresAt: number | null;
      readonly linkId: string | null;
    }
  | Refusal;

export class TokenSigner {
  constructor(private readonly secret: Uint8Array) {
    if (secret.length < 16) throw new Error('the token secret must be at least 16 bytes');
  }

  /** A version 1 token: the links a document gets today. */
  issue(documentId: string, claims: CapabilityClaims): string {
    const header = encodeHeader(claims);
    return assembleToken(header, this.mac(header, documentId));
  }

  /** A version 2 token for the link record `claims.linkId`. */
  issueLink(documentId: string, claims: LinkClaims): string {
    const header = encodeLinkHeader(claims);
    return assembleToken(header, this.mac(header, documentId));
  }

  /**
   * Version 1 only: the check of the server as it runs until link records are looked up. A version
   * 2 token is refused here as it always was, because accepting one without its record would
   * ignore a revocation. `nowSeconds` is injected so expiry is testable without waiting.
   */
  verify(documentId: string, token: string, nowSeconds: number): TokenCheck {
    const parsed = parseToken(token);
    if (parsed === null || parsed.version !== TOKEN_VERSION) return { valid: false, reason: 'malformed' };
    const refusal = this.refusal(parsed, documentId, nowSeconds);
    return refusal ?? { valid: true, role: parsed.role };
  }

  /** Either version: the signature and the expiry a token carries, and the record it names. */
  verifyLink(documentId: string, token: string, nowSeconds: number): LinkCheck {
    const parsed = parseToken(token);
    if (parsed === null) return { valid: false, reason: 'malformed' };
    const refusal = this.refusal(parsed, documentId, nowSeconds);
    return refusal ?? { valid: true, version: parsed.version, role: parsed.role, expiresAt: parsed.expiresAt, linkId: parsed.linkId };
  }

  private refusal(parsed: ParsedToken, documentId: string, nowSeconds: number): Refusal | null {
    const expected = this.mac(parsed.header, documentId);
    if (!timingSafeEqual(expected, parsed.mac)) return { valid: false, reason: 'invalid' };
    if (parsed.expiresAt !== null && parsed.expiresAt <= nowSeconds) return { valid: false, reason: 'expired' };
    return null;
  }

  private mac(header: Uint8Array, documentId: string): Uint8Array {
    return createHmac('sha256', this.secret).update(macInput(header, documentId)).digest();
  }
}
