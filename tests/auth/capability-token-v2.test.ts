import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../lib/auth/base64url';
import { TOKEN_LENGTH, TOKEN_V2_LENGTH, parseToken } from '../../lib/auth/capability-token';
import { LINK_ID_BYTES, newLinkId } from '../../lib/auth/link-id';
import { TokenSigner } from '../../sync-server/auth/token-signer';

const secret = new TextEncoder().encode('fixture-secret-0123456789');
const signer = new TokenSigner(secret);
const NOW = 1_800_000_000;
/** The bytes 0x00 to 0x0f. */
const LINK_ID = 'AAECAwQFBgcICQoLDA0ODw';
const OTHER_LINK_ID = 'DwAODQwLCgkIBwYFBAMCAQ';

describe('link ids', () => {
  it('are 16 random bytes in base64url', () => {
    expect(LINK_ID_BYTES).toBe(16);
    expect(newLinkId(() => Uint8Array.from({ length: 16 }, (_, i) => i))).toBe(LINK_ID);
    expect(newLinkId()).toMatch(/^[A-Za-z0-9_-]{21}[AQgw]$/);
  });
});

describe('capability tokens, version 2 (with a link id)', () => {
  it('have a fixed layout: version, role, expiry, link id, HMAC-SHA256', () => {
    const token = signer.issueLink('doc-1', { role: 'owner', expiresAt: null, linkId: LINK_ID });
    expect(token).toHaveLength(TOKEN_V2_LENGTH);
    expect(TOKEN_V2_LENGTH).toBe(75);
    const bytes = decodeBase64Url(token)!;
    expect(bytes).toHaveLength(56);
    expect([...bytes.subarray(0, 8)]).toEqual([2, 3, 0, 0, 0, 0, 0, 0]);
    expect([...bytes.subarray(8, 24)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    // Computed independently: printf 'tandem/capability/v2\0' + the 24 signed bytes + 'doc-1' piped
    // through `openssl dgst -sha256 -hmac`, then base64url. Pinned: a change to the MAC input would
    // end every link ever issued.
    expect(token).toBe('AgMAAAAAAAAAAQIDBAUGBwgJCgsMDQ4PY1Z3W9j3y2IzSAiOOkqGIzLPpEBCNPuJOhywYZESAc8');
    const view = signer.issueLink('doc-1', { role: 'view', expiresAt: 0x0102030405, linkId: LINK_ID });
    expect(view).toBe('AgIAAQIDBAUAAQIDBAUGBwgJCgsMDQ4P9P_sn8Y-j4yzodkAh5K2FtnsElPiAL0Q5F1NnsXyLYY');
    const edit = signer.issueLink('doc-1', { role: 'edit', expiresAt: null, linkId: LINK_ID });
    expect(decodeBase64Url(edit)![1]).toBe(1);
    const comment = signer.issueLink('doc-1', { role: 'comment', expiresAt: null, linkId: LINK_ID });
    expect(decodeBase64Url(comment)![1]).toBe(4);
  });

  it('verifyLink returns role, expiry and link id; each role round-trips', () => {
    for (const role of ['view', 'comment', 'edit', 'owner'] as const) {
      const token = signer.issueLink('doc-1', { role, expiresAt: NOW + 60, linkId: LINK_ID });
      expect(signer.verifyLink('doc-1', token, NOW)).toEqual({ valid: true, version: 2, role, expiresAt: NOW + 60, linkId: LINK_ID });
      expect(parseToken(token)).toMatchObject({ version: 2, role, expiresAt: NOW + 60, linkId: LINK_ID });
    }
  });

  it('verifyLink reads a version 1 token as before, with no link id', () => {
    const edit = signer.issue('doc-1', { role: 'edit', expiresAt: null });
    const view = signer.issue('doc-1', { role: 'view', expiresAt: NOW + 5 });
    expect(signer.verifyLink('doc-1', edit, NOW)).toEqual({ valid: true, version: 1, role: 'edit', expiresAt: null, linkId: null });
    expect(signer.verifyLink('doc-1', view, NOW)).toEqual({ valid: true, version: 1, role: 'view', expiresAt: NOW + 5, linkId: null });
    expect(parseToken(edit)).toMatchObject({ version: 1, role: 'edit', expiresAt: null, linkId: null });
  });

  it('flipping any bit of any byte, the link id included, is rejected', () => {
    const token = signer.issueLink('doc-1', { role: 'view', expiresAt: null, linkId: LINK_ID });
    const bytes = decodeBase64Url(token)!;
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const tampered = Uint8Array.from(bytes);
        tampered[i]! ^= bit;
        const check = signer.verifyLink('doc-1', encodeBase64Url(tampered), NOW);
        expect(check.valid, `byte ${i} bit ${bit}`).toBe(false);
      }
    }
  });

  it('a view token raised to edit or owner, or given another link id, is rejected as invalid', () => {
    const bytes = decodeBase64Url(signer.issueLink('doc-1', { role: 'view', expiresAt: null, linkId: LINK_ID }))!;
    for (const code of [1, 3]) {
      const raised = Uint8Array.from(bytes);
      raised[1] = code;
      expect(signer.verifyLink('doc-1', encodeBase64Url(raised), NOW)).toEqual({ valid: false, reason: 'invalid' });
    }
    const moved = Uint8Array.from(bytes);
    moved.set(decodeBase64Url(OTHER_LINK_ID)!, 8);
    expect(signer.verifyLink('doc-1', encodeBase64Url(moved), NOW)).toEqual({ valid: false, reason: 'invalid' });
  });

  it('another document, another secret, an expired token, and garbage are rejected', () => {
    const token = signer.issueLink('doc-1', { role: 'edit', expiresAt: null, linkId: LINK_ID });
    expect(signer.verifyLink('doc-2', token, NOW)).toEqual({ valid: false, reason: 'invalid' });
    expect(signer.verifyLink('doc-1x', token, NOW)).toEqual({ valid: false, reason: 'invalid' });
    const rotated = new TokenSigner(new TextEncoder().encode('another-secret-0123456789'));
    expect(rotated.verifyLink('doc-1', token, NOW)).toEqual({ valid: false, reason: 'invalid' });
    const expired = signer.issueLink('doc-1', { role: 'edit', expiresAt: NOW - 1, linkId: LINK_ID });
    expect(signer.verifyLink('doc-1', expired, NOW)).toEqual({ valid: false, reason: 'expired' });
    expect(signer.verifyLink('doc-1', expired, NOW - 2)).toMatchObject({ valid: true, role: 'edit' });
    for (const garbage of ['', 'x', 'a'.repeat(300), `${token}A`, token.slice(1), token.replace(/.$/, '*')]) {
      expect(signer.verifyLink('doc-1', garbage, NOW).valid).toBe(false);
    }
  });

  describe('version confusion is refused', () => {
    const v2 = signer.issueLink('doc-1', { role: 'edit', expiresAt: null, linkId: LINK_ID });
    const v1 = signer.issue('doc-1', { role: 'edit', expiresAt: null });

    it('a version byte that does not match the length', () => {
      const asV1 = decodeBase64Url(v2)!;
      asV1[0] = 1;
      expect(parseToken(encodeBase64Url(asV1))).toBeNull();
      expect(signer.verifyLink('doc-1', encodeBase64Url(asV1), NOW)).toEqual({ valid: false, reason: 'malformed' });
      const asV2 = decodeBase64Url(v1)!;
      asV2[0] = 2;
      expect(signer.verifyLink('doc-1', encodeBase64Url(asV2), NOW)).toEqual({ valid: false, reason: 'malformed' });
    });

    it('a version 2 token cut down to the version 1 layout, its MAC kept', () => {
      const bytes = decodeBase64Url(v2)!;
      const cut = new Uint8Array(40);
      cut.set(bytes.subarray(0, 8), 0);
      cut[0] = 1;
      cut.set(bytes.subarray(24), 8);
      expect(encodeBase64Url(cut)).toHaveLength(TOKEN_LENGTH);
      expect(signer.verifyLink('doc-1', encodeBase64Url(cut), NOW)).toEqual({ valid: false, reason: 'invalid' });
    });

    it('a version 1 token padded out to version 2 with an all-zero link id, its MAC kept', () => {
      const bytes = decodeBase64Url(v1)!;
      const padded = new Uint8Array(56);
      padded.set(bytes.subarray(0, 8), 0);
      padded[0] = 2;
      padded.set(bytes.subarray(8), 24);
      expect(signer.verifyLink('doc-1', encodeBase64Url(padded), NOW)).toEqual({ valid: false, reason: 'invalid' });
    });

    it('the version 1 layout has no owner and no commenter: role codes 3 and 4 there are not a token', () => {
      for (const code of [3, 4]) {
        const bytes = decodeBase64Url(v1)!;
        bytes[1] = code;
        expect(parseToken(encodeBase64Url(bytes)), `code ${code}`).toBeNull();
      }
    });

    it('role codes not yet given are not a token in version 2', () => {
      for (const code of [0, 5, 255]) {
        const bytes = decodeBase64Url(v2)!;
        bytes[1] = code;
        expect(parseToken(encodeBase64Url(bytes)), `code ${code}`).toBeNull();
      }
    });

    it('verify, the running server check until link records are looked up, still accepts version 1 only', () => {
      expect(signer.verify('doc-1', v1, NOW)).toEqual({ valid: true, role: 'edit' });
      expect(signer.verify('doc-1', v2, NOW)).toEqual({ valid: false, reason: 'malformed' });
    });
  });

  it('issueLink refuses a link id that is not 16 bytes of base64url, and a bad expiry', () => {
    for (const linkId of ['', 'AAECAwQFBgcICQoLDA0OD', 'AAECAwQFBgcICQoLDA0ODwA', 'AAECAwQFBgcICQoLDA0ODx', 'AAECAwQFBgcICQoLDA0OD+']) {
      expect(() => signer.issueLink('doc-1', { role: 'view', expiresAt: null, linkId }), linkId).toThrow(RangeError);
    }
    expect(() => signer.issueLink('doc-1', { role: 'view', expiresAt: 1.5, linkId: LINK_ID })).toThrow(RangeError);
    expect(() => signer.issueLink('doc-1', { role: 'view', expiresAt: -1, linkId: LINK_ID })).toThrow(RangeError);
  });
});
