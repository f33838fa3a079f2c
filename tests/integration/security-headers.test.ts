/**
 * The browser defences on what Tandem serves. The web app's production build under `next start`
 * (and behind the https front `npm start` puts before it with TLS): a Content-Security-Policy with a
 * fresh nonce per page, no framing unless FRAME_ANCESTORS says so, nosniff and no referrer. The sync
 * server's HTTP answers: never a page of its origin, the HTML export least of all.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterSettingsError, readClusterSettings } from '../../sync-server/launchers/cluster/cluster-settings';
import { HttpsFront } from '../../sync-server/launchers/https-front';
import { readTlsCredentials } from '../../sync-server/edge/tls';
import { startNext, type NextApp } from '../helpers/next-start';
import { freePort, makeTempDir, removeDir, startServer, type InProcessServer } from '../helpers/server-harness';
import { makeCertificate, type TestCertificate } from '../helpers/tls';
import { ROOT } from '../helpers/web-build';

/** A policy as directive → sources; a directive named twice keeps its first, as browsers do. */
function parsePolicy(header: string | null | undefined): Map<string, string[]> {
  const policy = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name && !policy.has(name.toLowerCase())) policy.set(name.toLowerCase(), sources);
  }
  return policy;
}

function nonceOf(policy: Map<string, string[]>): string {
  const source = (policy.get('script-src') ?? []).find((entry) => entry.startsWith("'nonce-"));
  if (source === undefined) throw new Error(`script-src has no nonce: ${policy.get('script-src')?.join(' ')}`);
  return source.slice("'nonce-".length, -1);
}

/** Every <script> tag of a page, opening tags only. */
function scriptTags(html: string): string[] {
  return html.match(/<script\b[^>]*>/g) ?? [];
}

describe('the web app’s pages', () => {
  let app: NextApp;
  let configured: NextApp;
  const syncPort = 4321;

  beforeAll(async () => {
    [app, configured] = await Promise.all([
      startNext({ SYNC_PORT: String(syncPort) }),
      startNext({ SYNC_URL: 'wss://sync.example.com:8443/tandem/', FRAME_ANCESTORS: "'self', https://wiki.example.com https://*.intranet.example.com" }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([app?.stop(), configured?.stop()]);
  });

  it.each(['/', '/d/some-document'])('%s carries a strict policy, and every script of the page the nonce of its response', async (pathname) => {
    const response = await fetch(`${app.url}${pathname}`);
    expect(response.status).toBe(200);
    const policy = parsePolicy(response.headers.get('content-security-policy'));
    expect(policy.get('default-src')).toEqual(["'none'"]);
    const nonce = nonceOf(policy);
    expect(nonce).toMatch(/^[A-Za-z0-9+/_-]{22,}={0,2}$/);
    expect(policy.get('script-src')).toEqual(["'self'", `'nonce-${nonce}'`]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('form-action')).toEqual(["'self'"]);
    // The sync server on this page's host at SYNC_PORT: its socket and its HTTP endpoints (share
    // links, history, the HTTP fallback).
    expect(policy.get('connect-src')).toEqual(["'self'", `ws://127.0.0.1:${syncPort}`, `http://127.0.0.1:${syncPort}`]);
    for (const [directive, sources] of policy) {
      expect(sources, directive).not.toContain("'unsafe-eval'");
      if (directive !== 'style-src-attr') expect(sources, directive).not.toContain("'unsafe-inline'");
    }
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');

    const html = await response.text();
    const scripts = scriptTags(html);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it('renders the not-found page per request too, its scripts with the nonce', async () => {
    const response = await fetch(`${app.url}/no/such/page`);
    expect(response.status).toBe(404);
    const nonce = nonceOf(parsePolicy(response.headers.get('content-security-policy')));
    const scripts = scriptTags(await response.text());
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it('gives every page its own nonce', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) nonces.add(nonceOf(parsePolicy((await fetch(`${app.url}/d/x`)).headers.get('content-security-policy'))));
    expect(nonces.size).toBe(3);
  });

  it('serves its scripts and styles with nosniff', async () => {
    const html = await (await fetch(`${app.url}/`)).text();
    const asset = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const response = await fetch(`${app.url}${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    await response.arrayBuffer();
  });

  it('lets the sites named in FRAME_ANCESTORS frame it, and connects to SYNC_URL’s origin', async () => {
    const response = await fetch(`${configured.url}/d/x`);
    const policy = parsePolicy(response.headers.get('content-security-policy'));
    expect(policy.get('frame-ancestors')).toEqual(["'self'", 'https://wiki.example.com', 'https://*.intranet.example.com']);
    // X-Frame-Options cannot name other sites; it would refuse what frame-ancestors allows.
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(policy.get('connect-src')).toEqual(["'self'", 'wss://sync.example.com:8443', 'https://sync.example.com:8443']);
    await response.arrayBuffer();
  });

  describe('behind the https front (`npm start` with TLS)', () => {
    let dir: string;
    let certificate: TestCertificate;
    let front: HttpsFront;
    let port: number;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-headers-'));
      certificate = makeCertificate(dir, 'web');
      const files = { certFile: certificate.certFile, keyFile: certificate.keyFile };
      front = new HttpsFront(files, readTlsCredentials(files), app.port, { info: () => undefined, error: () => undefined });
      port = await front.listen(0, '127.0.0.1');
    });

    afterAll(() => {
      front?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    function get(pathname: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
      return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: pathname, ca: certificate.cert, servername: 'localhost', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        });
        req.on('error', reject);
        req.end();
      });
    }

    it('passes every header on, and the page over https connects to wss:// and https:// only', async () => {
      const answer = await get('/d/x');
      expect(answer.status).toBe(200);
      const policy = parsePolicy(answer.headers['content-security-policy'] as string);
      expect(policy.get('default-src')).toEqual(["'none'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
      expect(policy.get('connect-src')).toEqual(["'self'", `wss://127.0.0.1:${syncPort}`, `https://127.0.0.1:${syncPort}`]);
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
    });
  });
});

describe('a malformed FRAME_ANCESTORS', () => {
  const value = "https://wiki.example.com; script-src 'unsafe-inline'";

  it('stops `npm start` before anything starts, naming the variable', () => {
    const result = spawnSync(process.execPath, ['sync-server/dist/start-all.js'], {
      cwd: ROOT,
      env: { ...process.env, FRAME_ANCESTORS: value, PORT: '1', SYNC_PORT: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tandem: FRAME_ANCESTORS: .*is not an origin/);
  });

  it('stops `npm run cluster` with its other settings problems', () => {
    expect(() => readClusterSettings({ ...process.env, FRAME_ANCESTORS: value })).toThrow(ClusterSettingsError);
    expect(() => readClusterSettings({ ...process.env, FRAME_ANCESTORS: value, CLUSTER_NODES: 'x' })).toThrow(/CLUSTER_NODES.*; FRAME_ANCESTORS: /);
  });
});

describe('the sync server’s HTTP answers', () => {
  let dataDir: string;
  let server: InProcessServer;
  let base: string;

  beforeAll(async () => {
    dataDir = await makeTempDir();
    server = await startServer(dataDir, { AUTH: 'on' }, await freePort());
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  async function created(): Promise<{ id: string; editToken: string }> {
    return (await (await fetch(`${base}/docs`, { method: 'POST' })).json()) as { id: string; editToken: string };
  }

  function expectNeverAPage(headers: Headers, what: string): void {
    const policy = parsePolicy(headers.get('content-security-policy'));
    expect(policy.get('default-src'), what).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors'), what).toEqual(["'none'"]);
    expect(policy.has('sandbox'), what).toBe(true);
    expect(headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(headers.get('x-frame-options'), what).toBe('DENY');
    expect(headers.get('referrer-policy'), what).toBe('no-referrer');
  }

  it('serves the HTML export as a sandboxed download, never as a page of its origin', async () => {
    const { id, editToken } = await created();
    await fetch(`${base}/docs/${id}/content?mode=replace`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${editToken}`, 'Content-Type': 'text/markdown' },
      body: '# Notes\n\nSome text.',
    });
    for (const request of [`${base}/docs/${id}?format=html`, `${base}/docs/${id}`]) {
      const headers: Record<string, string> = { Authorization: `Bearer ${editToken}` };
      if (!request.includes('format=')) headers.Accept = 'text/html';
      const response = await fetch(request, { headers });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toContain('Some text.');
      expectNeverAPage(response.headers, request);
      expect(response.headers.get('content-disposition')).toMatch(/^attachment\b/);
      // Still readable by any page that holds a link, as before.
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }
    const markdown = await fetch(`${base}/docs/${id}?format=markdown`, { headers: { Authorization: `Bearer ${editToken}` } });
    expectNeverAPage(markdown.headers, 'markdown');
    await markdown.text();
  });

  it('answers every other route with the same defences', async () => {
    const { id, editToken } = await created();
    const requests: Array<[string, RequestInit]> = [
      ['/healthz', {}],
      ['/metrics', {}],
      ['/nowhere', {}],
      ['/docs', { method: 'POST' }],
      ['/docs', { method: 'OPTIONS' }],
      [`/docs/${id}`, {}],
      [`/docs/${id}/links`, { method: 'POST', headers: { Authorization: `Bearer ${editToken}` } }],
      [`/docs/${id}/versions`, { headers: { Authorization: `Bearer ${editToken}` } }],
      [`/_poll/${id}?token=${editToken}`, { method: 'POST' }],
      ['/_poll/x/unknown-session', {}],
    ];
    for (const [pathname, init] of requests) {
      const response = await fetch(`${base}${pathname}`, init);
      expectNeverAPage(response.headers, `${init.method ?? 'GET'} ${pathname} (${response.status})`);
      await response.arrayBuffer();
    }
  });
});
