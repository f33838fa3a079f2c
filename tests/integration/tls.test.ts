/**
 * TLS on the sync server's port: the production bundle with TLS_CERT_FILE/TLS_KEY_FILE, a stock
 * y-websocket client over wss:// trusting a certificate made for the test, plain ws:// refused,
 * and SIGHUP reloads (a renewed certificate for new connections while open ones carry on; a broken
 * file keeps the certificate in use). Handshake and reload times are printed.
 */
import { spawn } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import { waitFor } from '../helpers/poll';
import {
  connectClient,
  destroyAll,
  freePort,
  makeTempDir,
  removeDir,
  spawnServer,
  textOf,
  waitForSync,
  type ChildServer,
} from '../helpers/server-harness';
import { httpsGet, makeCertificate, presentedCertificate, trustingWebSocket, type TestCertificate } from '../helpers/tls';

let certDir: string;
let first: TestCertificate;
let renewed: TestCertificate;
let dataDir: string;
/** The files the server is configured with; tests put a certificate there and signal a reload. */
let live: { certFile: string; keyFile: string };
const providers: WebsocketProvider[] = [];
const servers: ChildServer[] = [];

beforeAll(async () => {
  certDir = await makeTempDir('tandem-tls-');
  first = makeCertificate(certDir, 'first', 2);
  renewed = makeCertificate(certDir, 'renewed', 3);
  live = { certFile: path.join(certDir, 'live.crt'), keyFile: path.join(certDir, 'live.key') };
});

afterAll(async () => {
  await removeDir(certDir);
});

afterEach(async () => {
  destroyAll(providers.splice(0));
  for (const server of servers.splice(0)) await server.kill('SIGKILL');
  await removeDir(dataDir);
});

async function install(certificate: { cert: Buffer; key: Buffer }): Promise<void> {
  await writeFile(live.certFile, certificate.cert);
  await writeFile(live.keyFile, certificate.key);
}

async function startTlsServer(): Promise<ChildServer> {
  dataDir = await makeTempDir();
  await install(first);
  const server = await spawnServer(
    dataDir,
    await freePort(),
    { TLS_CERT_FILE: live.certFile, TLS_KEY_FILE: live.keyFile },
    { healthy: async (port) => (await httpsGet(`https://127.0.0.1:${port}/healthz`, first.cert)).status === 200 },
  );
  servers.push(server);
  return server;
}

function client(server: ChildServer, doc: string, ca: Buffer): WebsocketProvider {
  const provider = connectClient(server.url, doc, undefined, {}, trustingWebSocket(ca));
  providers.push(provider);
  return provider;
}

/** How a raw `ws` client fares: 'open', or the error that stopped it. */
function attempt(url: string, options: WebSocket.ClientOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, options);
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message));
  });
}

/** Sends SIGHUP and resolves when the log says how it went; returns the time it took. */
async function reload(server: ChildServer, outcome: RegExp): Promise<number> {
  const before = server.output().length;
  const started = performance.now();
  server.process.kill('SIGHUP');
  await waitFor(() => outcome.test(server.output().slice(before)), { timeoutMs: 5_000, intervalMs: 2, what: `log line ${outcome}` });
  return performance.now() - started;
}

describe('the sync server over TLS', { timeout: 30_000 }, () => {
  it('a stock y-websocket client syncs over wss:// trusting the certificate; https serves /healthz and /metrics; plain and untrusted are refused', async () => {
    const server = await startTlsServer();
    expect(server.url).toMatch(/^wss:\/\//);
    const alice = client(server, 'secure', first.cert);
    const bob = client(server, 'secure', first.cert);
    await Promise.all([waitForSync(alice), waitForSync(bob)]);
    alice.doc.getText('t').insert(0, 'over TLS');
    await waitFor(() => textOf(bob) === 'over TLS', { what: 'the edit to reach the second client' });

    const health = await httpsGet(`https://127.0.0.1:${server.port}/healthz`, first.cert);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({
      status: 'ok',
      connections: 2,
      tls: { validTo: first.validTo.toISOString(), expired: false, fingerprint256: first.fingerprint256, reloadError: null },
    });
    const metrics = await httpsGet(`https://127.0.0.1:${server.port}/metrics`, first.cert);
    expect(metrics.body).toContain(`tandem_tls_certificate_expiry_timestamp_seconds ${first.validTo.getTime() / 1000}`);

    // No plaintext on a TLS port, and no connection to a certificate the client does not trust.
    expect(await attempt(`ws://127.0.0.1:${server.port}/secure`)).toBe('ECONNRESET');
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
    expect(await attempt(`wss://127.0.0.1:${server.port}/secure`)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(await attempt(`wss://127.0.0.1:${server.port}/secure`, { ca: renewed.cert })).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    // The refused attempts cost the server nothing: the clients that trust it are still in sync.
    bob.doc.getText('t').insert(8, '!');
    await waitFor(() => textOf(alice) === 'over TLS!', { what: 'an edit after the refused attempts' });

    const handshakes: number[] = [];
    for (let i = 0; i < 10; i++) handshakes.push((await presentedCertificate(server.port)).handshakeMs);
    handshakes.sort((x, y) => x - y);
    console.log(`TLS handshake to the sync server (P-256, loopback): median ${handshakes[5]!.toFixed(2)} ms, max ${handshakes[9]!.toFixed(2)} ms of 10`);
  });

  it('SIGHUP with a renewed certificate: new connections get it at once, open connections carry on untouched', async () => {
    const server = await startTlsServer();
    expect((await presentedCertificate(server.port)).fingerprint256).toBe(first.fingerprint256);
    const before = client(server, 'renewal', first.cert);
    await waitForSync(before);
    let disconnects = 0;
    before.on('status', (event: { status: string }) => {
      if (event.status === 'disconnected') disconnects++;
    });

    await install(renewed);
    const reloadMs = await reload(server, /TLS certificate reloaded/);
    expect((await presentedCertificate(server.port)).fingerprint256).toBe(renewed.fingerprint256);
    const health = JSON.parse((await httpsGet(`https://127.0.0.1:${server.port}/healthz`, renewed.cert)).body);
    expect(health.tls).toMatchObject({ validTo: renewed.validTo.toISOString(), fingerprint256: renewed.fingerprint256, reloadError: null });
    // A client that trusts only the old certificate can no longer start a connection.
    expect(await attempt(`wss://127.0.0.1:${server.port}/renewal`, { ca: first.cert })).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');

    const after = client(server, 'renewal', renewed.cert);
    await waitForSync(after);
    before.doc.getText('t').insert(0, 'typed on the connection made before the renewal');
    await waitFor(() => textOf(after) === 'typed on the connection made before the renewal', { what: 'the old connection to keep working' });
    after.doc.getText('t').insert(0, '> ');
    await waitFor(() => textOf(before).startsWith('> '), { what: 'relays to the old connection' });
    expect(disconnects).toBe(0);
    expect(before.wsconnected).toBe(true);
    console.log(`SIGHUP to "TLS certificate reloaded" in the log: ${reloadMs.toFixed(1)} ms`);
  });

  it('SIGHUP with a broken or mismatched file keeps the certificate in use, says why, and never logs key material', async () => {
    const server = await startTlsServer();
    const open = client(server, 'kept', first.cert);
    await waitForSync(open);

    // A renewal that went wrong halfway: the certificate file is cut short.
    await writeFile(live.certFile, renewed.cert.subarray(0, 200));
    await reload(server, /TLS reload failed; still serving the previous certificate/);
    expect((await presentedCertificate(server.port)).fingerprint256).toBe(first.fingerprint256);
    let health = await httpsGet(`https://127.0.0.1:${server.port}/healthz`, first.cert);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body).tls).toMatchObject({ fingerprint256: first.fingerprint256, reloadError: expect.stringContaining('TLS_CERT_FILE') });

    // The new certificate with the old key.
    await writeFile(live.certFile, renewed.cert);
    await copyFile(first.keyFile, live.keyFile);
    await reload(server, /TLS reload failed/);
    expect((await presentedCertificate(server.port)).fingerprint256).toBe(first.fingerprint256);
    health = await httpsGet(`https://127.0.0.1:${server.port}/healthz`, first.cert);
    expect(JSON.parse(health.body).tls.reloadError).toMatch(/TLS_KEY_FILE: .* does not belong to the certificate/);

    // The key file missing altogether.
    await writeFile(live.keyFile, '');
    await reload(server, /TLS reload failed/);
    expect((await presentedCertificate(server.port)).fingerprint256).toBe(first.fingerprint256);

    // Fixed: the next SIGHUP takes it, and the report clears.
    await install(renewed);
    await reload(server, /TLS certificate reloaded/);
    expect((await presentedCertificate(server.port)).fingerprint256).toBe(renewed.fingerprint256);
    health = await httpsGet(`https://127.0.0.1:${server.port}/healthz`, renewed.cert);
    expect(JSON.parse(health.body).tls.reloadError).toBeNull();

    // Through all of it the server stayed up and the open connection with it.
    open.doc.getText('t').insert(0, 'still here');
    const witness = client(server, 'kept', renewed.cert);
    await waitFor(() => textOf(witness) === 'still here', { what: 'the open connection to have survived' });
    expect(server.process.exitCode).toBeNull();
    const output = server.output();
    expect(output).not.toContain('PRIVATE KEY');
    for (const line of [...first.key.toString().split('\n'), ...renewed.key.toString().split('\n')]) {
      if (line.length > 20 && !line.startsWith('-----')) expect(output).not.toContain(line);
    }
  });

  it('a bad TLS configuration stops the server at start with exit code 2 and names the variable', async () => {
    dataDir = await makeTempDir();
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, ['sync-server/dist/main.js'], {
          env: { ...process.env, SYNC_HOST: '127.0.0.1', SYNC_PORT: '0', DATA_DIR: dataDir, AUTH: 'off', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('exit', (code) => resolve({ code, output }));
      });
    const alone = await run({ TLS_CERT_FILE: first.certFile });
    expect(alone.code).toBe(2);
    expect(alone.output).toContain('TLS_CERT_FILE and TLS_KEY_FILE go together');
    // The two files swapped: the key is in TLS_CERT_FILE, and it must not be printed.
    const swapped = await run({ TLS_CERT_FILE: first.keyFile, TLS_KEY_FILE: first.certFile });
    expect(swapped.code).toBe(2);
    expect(swapped.output).toContain(`TLS_CERT_FILE: ${first.keyFile} does not hold a PEM certificate`);
    expect(swapped.output).not.toContain('PRIVATE KEY');
  });
});
