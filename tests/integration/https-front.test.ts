/**
 * The https front `npm start` puts before `next start` with TLS, against a small upstream HTTP
 * server on 127.0.0.1: requests pass as they came, bodies stream both ways, an upstream that is
 * down is a 502, and reload() swaps the certificate or keeps it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpsFront } from '../../sync-server/launchers/https-front';
import { readTlsCredentials } from '../../sync-server/edge/tls';
import { makeCertificate, presentedCertificate, type TestCertificate } from '../helpers/tls';

let dir: string;
let first: TestCertificate;
let second: TestCertificate;
let upstream: Server;
let front: HttpsFront;
let port: number;
const files = { certFile: '', keyFile: '' };
const seen: IncomingMessage[] = [];
const logged: string[] = [];
/** Lets the streaming route finish. */
let finishStream: () => void = () => undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-front-'));
  first = makeCertificate(dir, 'first');
  second = makeCertificate(dir, 'second');
  files.certFile = path.join(dir, 'live.crt');
  files.keyFile = path.join(dir, 'live.key');
  writeFileSync(files.certFile, first.cert);
  writeFileSync(files.keyFile, first.key);
  upstream = createServer((req, res) => {
    seen.push(req);
    if (req.url === '/stream') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first part;');
      finishStream = () => res.end('second part');
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.writeHead(201, { 'Content-Type': 'application/json', 'Set-Cookie': ['a=1', 'b=2'], 'Keep-Alive': 'timeout=99' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  front = new HttpsFront(files, readTlsCredentials(files), upstreamPort, {
    info: (line) => logged.push(line),
    error: (line) => logged.push(line),
  });
  port = await front.listen(0, '127.0.0.1');
});

afterAll(async () => {
  front.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  chunks: string[];
}

function send(pathname: string, options: { method?: string; body?: string; headers?: Record<string, string>; onChunk?: (chunk: string) => void } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: pathname, method: options.method ?? 'GET', headers: options.headers, ca: first.cert, servername: 'localhost', agent: false },
      (res) => {
        const chunks: string[] = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          chunks.push(chunk);
          options.onChunk?.(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the https front of the web app', () => {
  it('passes method, path, body and end-to-end headers on, and says the request came over https', async () => {
    const answer = await send('/d/abc?x=1', {
      method: 'POST',
      body: 'hello',
      headers: { 'Content-Type': 'text/plain', 'X-Forwarded-Proto': 'http', 'X-Custom': 'kept', Connection: 'keep-alive, X-Custom-Hop', 'X-Custom-Hop': 'dropped' },
    });
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.chunks.join(''))).toEqual({ method: 'POST', url: '/d/abc?x=1', body: 'hello' });
    expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(answer.headers['keep-alive']).not.toBe('timeout=99');
    const received = seen.at(-1)!;
    expect(received.headers['x-forwarded-proto']).toBe('https');
    expect(received.headers['x-forwarded-host']).toBe(`127.0.0.1:${port}`);
    expect(received.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(received.headers['x-custom']).toBe('kept');
    expect(received.headers['x-custom-hop']).toBeUndefined();
  });

  it('streams: the first part of a response arrives before the upstream has finished it', async () => {
    let firstArrived = false;
    const answer = send('/stream', {
      onChunk: (chunk) => {
        if (chunk.startsWith('first part;')) {
          firstArrived = true;
          finishStream();
        }
      },
    });
    expect((await answer).chunks.join('')).toBe('first part;second part');
    expect(firstArrived).toBe(true);
  });

  it('answers 502 while the web app is not there, and refuses WebSocket upgrades', async () => {
    const down = new HttpsFront(files, readTlsCredentials(files), 1, { info: () => undefined, error: () => undefined });
    const downPort = await down.listen(0, '127.0.0.1');
    try {
      const answer = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: downPort, path: '/', ca: first.cert, servername: 'localhost', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(answer).toBe(502);
    } finally {
      down.close();
    }
    const upgrade = await send('/', { headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
    expect(upgrade.status).toBe(501);
  });

  it('reload() serves a renewed certificate to new connections, and keeps the one in use when the files are wrong', async () => {
    writeFileSync(files.certFile, 'not a certificate');
    expect(front.reload()).toBe(false);
    expect(logged.at(-1)).toMatch(/^web app: TLS reload failed, still serving .*TLS_CERT_FILE/);
    expect((await presentedCertificate(port)).fingerprint256).toBe(first.fingerprint256);
    writeFileSync(files.certFile, second.cert);
    writeFileSync(files.keyFile, second.key);
    expect(front.reload()).toBe(true);
    expect(logged.at(-1)).toMatch(/^web app: TLS certificate reloaded/);
    expect((await presentedCertificate(port)).fingerprint256).toBe(second.fingerprint256);
    expect(logged.join('\n')).not.toContain('PRIVATE KEY');
  });
});
