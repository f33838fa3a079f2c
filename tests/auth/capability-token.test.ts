import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../lib/auth/base64url';
import { TOKEN_LENGTH, parseToken } from '../../lib/auth/capability-token';
import { TokenSigner } from '../../sync-server/auth/token-signer';

const secret = new TextEncoder().encode('fixture-secret-0123456789');
const signer = new TokenSigner(secret);
const NOW = 1_800_000_000;

describe('base64url', () => {
  // RFC 4648 test vectors, without padding and with the URL-safe alphabet.
  const vectors: Array<[string, string]> = [
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ];
  for (const [plain, encoded] of vectors) {
    it(`"${plain}" ↔ "${encoded}"`, () => {
      expect(encodeBase64Url(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(decodeBase64Url(encoded)!)).toBe(plain);
    });
  }

  it('uses - and _ and refuses other alphabets, bad lengths and non-zero leftover bits', () => {
    expect(encodeBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
    expect(decodeBase64Url('+/8')).toBeNull();
    expect(decodeBase64Url('Zm9v=')).toBeNull();
    expect(decodeBase64Url('Z')).toBeNull();
    expect(decodeBase64Url('Zh')).toBeNull(); // 'h' leaves non-zero bits: not the canonical encoding of 'f'
  });
});

describe('capability tokens', () => {
  it('have a fixed layout: version, role, expiry, HMAC-SHA256', () => {
    const token = signer.issue('doc-1', { role: 'edit', expiresAt: null });
    expect(token).toHaveLength(TOKEN_LENGTH);
    const bytes = decodeBase64Url(token)!;
    expect([...bytes.subarray(0, 8)]).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    // Computed independently with `openssl dgst -sha256 -hmac` over the documented MAC input; pinned
    // so that a change to that input (which would revoke every link ever issued) cannot go unnoticed.
    expect(token).toBe('AQEAAAAAAABnLWKUiKVOYhZOBcnxpOD43s6ViTzKFpdpmyEyEfwAWQ');
    const view = signer.issue('doc-1', { role: 'view', expiresAt: 0x0102030405 });
    expect([...decodeBase64Url(view)!.subarray(0, 8)]).toEqual([1, 2, 0, 1, 2, 3, 4, 5]);
  });

  it('verify: the right document and role pass', () => {
    const edit = signer.issue('doc-1', { role: 'edit', expiresAt: null });
    const view = signer.issue('doc-1', { role: 'view', expiresAt: NOW + 60 });
    expect(signer.verify('doc-1', edit, NOW)).toEqual({ valid: true, role: 'edit' });
    expect(signer.verify('doc-1', view, NOW)).toEqual({ valid: true, role: 'view' });
  });

  it('flipping any bit of any byte is rejected', () => {
    const token = signer.issue('doc-1', { role: 'view', expiresAt: null });
    const bytes = decodeBase64Url(token)!;
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const tampered = Uint8Array.from(bytes);
        tampered[i]! ^= bit;
        const check = signer.verify('doc-1', encodeBase64Url(tampered), NOW);
        expect(check.valid, `byte ${i} bit ${bit}`).toBe(false);
      }
    }
  });

  it('a view token turned into an edit token is rejected', () => {
    const bytes = decodeBase64Url(signer.issue('doc-1', { role: 'view', expiresAt: null }))!;
    bytes[1] = 1;
    expect(signer.verify('doc-1', encodeBase64Url(bytes), NOW)).toEqual({ valid: false, reason: 'invalid' });
  });

  it('another document, another secret, an expired token, and garbage are rejected', () => {
    const token = signer.issue('doc-1', { role: 'edit', expiresAt: null });
    expect(signer.verify('doc-2', token, NOW)).toEqual({ valid: false, reason: 'invalid' });
    expect(signer.verify('doc-1x', token, NOW)).toEqual({ valid: false, reason: 'invalid' });
    const rotated = new TokenSigner(new TextEncoder().encode('another-secret-0123456789'));
    expect(rotated.verify('doc-1', token, NOW)).toEqual({ valid: false, reason: 'invalid' });
    const expired = signer.issue('doc-1', { role: 'edit', expiresAt: NOW - 1 });
    expect(signer.verify('doc-1', expired, NOW)).toEqual({ valid: false, reason: 'expired' });
    expect(signer.verify('doc-1', expired, NOW - 2)).toEqual({ valid: true, role: 'edit' });
    for (const garbage of ['', 'x', 'a'.repeat(300), `${token}A`, token.slice(1), token.replace(/.$/, '*')]) {
      expect(signer.verify('doc-1', garbage, NOW).valid).toBe(false);
    }
  });

  it('parseToken reads the role without the secret (for the editor) and refuses wrong versions', () => {
    const token = signer.issue('doc-1', { role: 'view', expiresAt: null });
    expect(parseToken(token)).toMatchObject({ role: 'view', expiresAt: null });
    const bytes = decodeBase64Url(token)!;
    bytes[0] = 2;
    expect(parseToken(encodeBase64Url(bytes))).toBeNull();
    bytes[0] = 1;
    bytes[1] = 9;
    expect(parseToken(encodeBase64Url(bytes))).toBeNull();
  });
});
