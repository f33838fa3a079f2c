/**
 * The web app's security headers as pure functions: FRAME_ANCESTORS parsed or refused, where the
 * page connects to reach the sync server, and the policy and headers they make.
 */
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, FrameAncestorsError, pageSecurityHeaders, parseFrameAncestors, syncConnectSources } from '../../lib/web/security-headers';

describe('parseFrameAncestors', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['  ', []],
    ["'none'", []],
    ['none', []],
    ["'self'", ["'self'"]],
    ['self', ["'self'"]],
    ['https://wiki.example.com', ['https://wiki.example.com']],
    ['HTTPS://Wiki.Example.com/', ['https://wiki.example.com']],
    ["'self', https://a.example.com  http://127.0.0.1:8080,https://*.intranet.example", ["'self'", 'https://a.example.com', 'http://127.0.0.1:8080', 'https://*.intranet.example']],
    ['https://a.example.com https://a.example.com', ['https://a.example.com']],
  ])('%j → %j', (value, expected) => {
    expect(parseFrameAncestors(value)).toEqual(expected);
  });

  it.each([
    "https://a.example.com; script-src 'unsafe-inline'",
    'https://a.example.com/path',
    'https://a.example.com?x=1',
    'https://user@a.example.com',
    'javascript:alert(1)',
    'data:',
    '*',
    'https://*',
    'ftp://a.example.com',
    'wiki.example.com',
    "'unsafe-inline'",
    "'none' https://a.example.com",
    'https://[::1]:8080',
  ])('refuses %j, naming the variable', (value) => {
    expect(() => parseFrameAncestors(value)).toThrow(FrameAncestorsError);
    expect(() => parseFrameAncestors(value)).toThrow(/^FRAME_ANCESTORS: /);
  });
});

describe('syncConnectSources', () => {
  const page = { syncUrl: null, syncPort: 1234, pageHost: 'docs.example.com:3000', pageSecure: false };

  it('is the page’s own host at SYNC_PORT without SYNC_URL, over TLS when the page is', () => {
    expect(syncConnectSources(page)).toEqual(['ws://docs.example.com:1234', 'http://docs.example.com:1234']);
    expect(syncConnectSources({ ...page, pageSecure: true })).toEqual(['wss://docs.example.com:1234', 'https://docs.example.com:1234']);
    expect(syncConnectSources({ ...page, pageHost: '127.0.0.1' })).toEqual(['ws://127.0.0.1:1234', 'http://127.0.0.1:1234']);
  });

  it('is SYNC_URL’s origin when set, whatever the page', () => {
    expect(syncConnectSources({ ...page, syncUrl: 'wss://sync.example.com/tandem/' })).toEqual(['wss://sync.example.com', 'https://sync.example.com']);
    expect(syncConnectSources({ ...page, syncUrl: 'ws://10.0.0.5:1300', pageSecure: true })).toEqual(['ws://10.0.0.5:1300', 'http://10.0.0.5:1300']);
  });

  it('falls back to the scheme for a host CSP cannot spell, and allows nothing for what cannot be reached', () => {
    expect(syncConnectSources({ ...page, pageHost: '[::1]:3000' })).toEqual(['ws:', 'http:']);
    expect(syncConnectSources({ ...page, pageHost: null })).toEqual([]);
    expect(syncConnectSources({ ...page, pageHost: 'a b;c' })).toEqual([]);
    expect(syncConnectSources({ ...page, syncUrl: 'not a url' })).toEqual([]);
    expect(syncConnectSources({ ...page, syncUrl: 'javascript:alert(1)' })).toEqual([]);
  });

  it('never lets a Host header add a directive', () => {
    for (const host of ["evil.example.com; script-src 'unsafe-inline'", 'evil.example.com script-src:', "x'"]) {
      for (const source of syncConnectSources({ ...page, pageHost: host })) expect(source).toMatch(/^[a-z]+:(\/\/[a-z0-9.-]+:\d+)?$/);
    }
  });
});

describe('the policy and the headers', () => {
  const base = { nonce: 'bm9uY2U=', connectSources: ['ws://h:1234', 'http://h:1234'], frameAncestors: [], development: false };

  it('allows the app’s own scripts and the nonce’s, and nothing that evaluates strings, in production', () => {
    const policy = contentSecurityPolicy(base);
    expect(policy).toBe(
      "default-src 'none'; script-src 'self' 'nonce-bm9uY2U='; style-src 'self' 'nonce-bm9uY2U='; style-src-attr 'unsafe-inline'; " +
        "img-src 'self' data: blob:; font-src 'self'; manifest-src 'self'; connect-src 'self' ws://h:1234 http://h:1234; " +
        "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
    );
    expect(contentSecurityPolicy({ ...base, development: true })).toContain("script-src 'self' 'nonce-bm9uY2U=' 'unsafe-eval';");
  });

  it('keeps X-Frame-Options in step with frame-ancestors', () => {
    expect(pageSecurityHeaders(base)['X-Frame-Options']).toBe('DENY');
    expect(pageSecurityHeaders({ ...base, frameAncestors: ["'self'"] })['X-Frame-Options']).toBe('SAMEORIGIN');
    const listed = pageSecurityHeaders({ ...base, frameAncestors: ["'self'", 'https://wiki.example.com'] });
    expect(listed['X-Frame-Options']).toBeUndefined();
    expect(listed['Content-Security-Policy']).toContain("frame-ancestors 'self' https://wiki.example.com");
    expect(listed['X-Content-Type-Options']).toBe('nosniff');
    expect(listed['Referrer-Policy']).toBe('no-referrer');
  });
});
