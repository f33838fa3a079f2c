/**
 * Per-address limits behind a real reverse proxy (Debian's nginx, appending X-Forwarded-For).
 * People are told apart by their own loopback addresses (127.0.0.11, .12, ...), which is what
 * nginx then reports; nginx itself reaches the sync server from 127.0.0.1.
 */
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Nginx } from '../helpers/nginx';
import { makeTempDir, removeDir, startServer, type InProcessServer } from '../helpers/server-harness';

/** POST /docs from `localAddress`, with extra headers; resolves with the status code. */
function postNewDocument(port: number, localAddress: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/docs', method: 'POST', localAddress, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const person = (n: number) => `127.0.0.${11 + n}`;

let dataDir: string;
let server: InProcessServer | null = null;
let nginx: Nginx | null = null;

async function start(env: Record<string, string>): Promise<{ direct: number; proxied: number }> {
  server = await startServer(dataDir, { AUTH: 'on', DOC_CREATE_BURST: '2', DOC_CREATE_PER_MINUTE: '1', ...env });
  nginx = await Nginx.start(`
    location / {
      proxy_pass http://127.0.0.1:${server.port};
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }`);
  return { direct: server.port, proxied: nginx.port };
}

beforeEach(async () => {
  dataDir = await makeTempDir();
});

afterEach(async () => {
  await nginx?.stop();
  await server?.stop();
  nginx = null;
  server = null;
  await removeDir(dataDir);
});

describe('document creation limits behind a reverse proxy', () => {
  it('by default every person behind the proxy shares its address, and its limit', async () => {
    const { proxied } = await start({});
    const statuses = [];
    for (let n = 0; n < 3; n++) statuses.push(await postNewDocument(proxied, person(n)));
    expect(statuses).toEqual([201, 201, 429]);
  });

  it('with TRUST_PROXY naming the proxy, each person has a limit of their own', async () => {
    const { proxied } = await start({ TRUST_PROXY: '127.0.0.1' });
    const statuses: number[] = [];
    for (let n = 0; n < 10; n++) {
      statuses.push(await postNewDocument(proxied, person(n)), await postNewDocument(proxied, person(n)));
    }
    expect(statuses).toEqual(new Array(20).fill(201));
    expect(await postNewDocument(proxied, person(3))).toBe(429);
  });

  it('a forged X-Forwarded-For sent through the proxy does not buy a fresh limit', async () => {
    const { proxied } = await start({ TRUST_PROXY: '127.0.0.1' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await postNewDocument(proxied, person(0), { 'X-Forwarded-For': `203.0.113.${i}` }));
    expect(statuses).toEqual([201, 201, 429, 429]);
    // Someone else behind the same proxy is not affected.
    expect(await postNewDocument(proxied, person(1))).toBe(201);
  });

  it('the header of a peer that is not a trusted proxy is ignored', async () => {
    const { direct } = await start({ TRUST_PROXY: '127.0.0.1' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await postNewDocument(direct, '127.0.0.50', { 'X-Forwarded-For': `203.0.113.${i}` }));
    expect(statuses).toEqual([201, 201, 429, 429]);
  });

  it('a hop count trusts that many proxies, whoever they are', async () => {
    const { proxied } = await start({ TRUST_PROXY: '1' });
    const statuses: number[] = [];
    for (let n = 0; n < 5; n++) statuses.push(await postNewDocument(proxied, person(n)));
    expect(statuses).toEqual(new Array(5).fill(201));
  });
});
