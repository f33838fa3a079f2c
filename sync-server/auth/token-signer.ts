/**
 * Issues and verifies share-link capabilities (layout in lib/auth/capability-token.ts) with
 * HMAC-SHA256 under the server secret. Verification compares MACs in constant time and reports
 * only *that* a token is bad, never which byte differed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  assembleToken,
  encodeHeader,
  macInput,
  parseToken,
  type CapabilityClaims,
  type Role,
} from '../../lib/auth/capability-token';

export type TokenCheck =
  | { readonly valid: true; readonly role: Role }
  | { readonly valid: false; readonly reason: 'malformed' | 'invalid' | 'expired' };

export class TokenSigner {
  constructor(private readonly secret: Uint8Array) {
    if (secret.length < 16) throw new Error('the token secret must be at least 16 bytes');
  }

  issue(documentId: string, claims: CapabilityClaims): string {
    const header = encodeHeader(claims);
    return assembleToken(header, this.mac(header, documentId));
  }

  /** `nowSeconds` is injected so expiry is testable without waiting. */
  verify(documentId: string, token: string, nowSeconds: number): TokenCheck {
    const parsed = parseToken(token);
    if (parsed === null) return { valid: false, reason: 'malformed' };
    const expected = this.mac(parsed.header, documentId);
    if (!timingSafeEqual(expected, parsed.mac)) return { valid: false, reason: 'invalid' };
    if (parsed.expiresAt !== null && parsed.expiresAt <= nowSeconds) return { valid: false, reason: 'expired' };
    return { valid: true, role: parsed.role };
  }

  private mac(header: Uint8Array, documentId: string): Uint8Array {
    return createHmac('sha256', this.secret).update(macInput(header, documentId)).digest();
  }
}
