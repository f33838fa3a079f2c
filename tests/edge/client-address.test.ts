import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustProxy, TRUST_NONE, type TrustProxy } from '../../sync-server/edge/client-address';

function trust(raw: string): TrustProxy {
  const parsed = parseTrustProxy(raw);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

describe('TRUST_PROXY', () => {
  it('parses off, a hop count, and lists of addresses and networks', () => {
    expect(parseTrustProxy('off')).toBe(TRUST_NONE);
    expect(parseTrustProxy('')).toBe(TRUST_NONE);
    expect(parseTrustProxy('2')).toEqual({ kind: 'hops', hops: 2 });
    expect(trust('127.0.0.1, 10.0.0.0/8, ::1, fd00::/8').kind).toBe('addresses');
  });

  it('refuses what is not an address, a network or a count, saying which entry', () => {
    expect(parseTrustProxy('10.0.0.0/33')).toMatch(/"10.0.0.0\/33" has an invalid prefix length/);
    expect(parseTrustProxy('proxy.internal')).toMatch(/"proxy.internal" is not an IP address/);
    expect(parseTrustProxy('127.0.0.1,')).toMatch(/"" is not an IP address/);
    expect(parseTrustProxy('1.2.3.4/8/9')).toMatch(/not an IP address or CIDR network/);
    expect(parseTrustProxy('1000')).toMatch(/at most 100/);
  });
});

describe('the client address behind proxies', () => {
  it('is the peer when no proxy is trusted, whatever the header says', () => {
    expect(clientAddress('203.0.113.7', '198.51.100.1', TRUST_NONE)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:203.0.113.7', undefined, TRUST_NONE)).toBe('203.0.113.7');
  });

  it('follows trusted proxies from the nearest hop and stops at the first untrusted address', () => {
    const proxies = trust('10.0.0.0/8');
    // The client forged "1.1.1.1"; the edge proxy 10.0.0.2 appended the address it saw, 198.51.100.9.
    expect(clientAddress('10.0.0.3', '1.1.1.1, 198.51.100.9, 10.0.0.2', proxies)).toBe('198.51.100.9');
    expect(clientAddress('::ffff:10.0.0.3', '198.51.100.9', proxies)).toBe('198.51.100.9');
    // Several header lines are one list, in order.
    expect(clientAddress('10.0.0.3', ['1.1.1.1', '198.51.100.9, 10.0.0.2'], proxies)).toBe('198.51.100.9');
  });

  it('ignores the header of a peer that is not a trusted proxy', () => {
    expect(clientAddress('198.51.100.9', '10.0.0.1', trust('10.0.0.0/8'))).toBe('198.51.100.9');
  });

  it('keeps the last good address when a trusted hop reports garbage, or reports everyone as proxies', () => {
    const proxies = trust('10.0.0.0/8');
    expect(clientAddress('10.0.0.3', 'not-an-ip', proxies)).toBe('10.0.0.3');
    expect(clientAddress('10.0.0.3', 'unknown, 10.0.0.2', proxies)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.3', '10.0.0.1, 10.0.0.2', proxies)).toBe('10.0.0.1');
  });

  it('with a hop count, takes the address that many hops away and no further', () => {
    expect(clientAddress('10.0.0.3', '1.1.1.1, 198.51.100.9', trust('1'))).toBe('198.51.100.9');
    expect(clientAddress('10.0.0.3', '1.1.1.1, 198.51.100.9, 10.0.0.2', trust('2'))).toBe('198.51.100.9');
    expect(clientAddress('10.0.0.3', '198.51.100.9', trust('3'))).toBe('198.51.100.9');
    expect(clientAddress('10.0.0.3', undefined, trust('1'))).toBe('10.0.0.3');
  });
});
