/**
 * Tandem over TLS as `npm start` serves it with TLS_CERT_FILE/TLS_KEY_FILE: the page over https on
 * PORT, the editor's socket over wss:// to SYNC_PORT (chosen by the page, no SYNC_URL), a renewed
 * certificate picked up by both on one SIGHUP to the launcher, and the usual graceful stop.
 * Chromium is told to accept the test's self-signed certificate (ignoreHTTPSErrors).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commentedDocumentOf } from '../../lib/comments/comments-document';
import { freePort } from '../helpers/free-port';
import { groupAlive, groupProcesses, killGroup, npmRun, type NpmRun } from '../helpers/npm-run';
import { httpsGet, makeCertificate, presentedCertificate, type TestCertificate } from '../helpers/tls';
import { CHROMIUM, CHROMIUM_ARGS, waitUntil } from './harness';
import { actAs, editor, openDocument, waitForState, waitForText } from './page-helpers';

let dir: string;
let dataDir: string;
let first: TestCertificate;
let renewed: TestCertificate;
let live: { certFile: string; keyFile: string };
let syncPort: number;
let webPort: number;
let run: NpmRun;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
/** Every WebSocket any page opened. */
const socketUrls: string[] = [];
/** The sockets opened to a document's text (a page also opens one to its comments, when it may). */
const textSockets = (): number => socketUrls.filter((url) => commentedDocumentOf(decodeURIComponent(new URL(url).pathname.slice(1))) === null).length;

async function install(certificate: TestCertificate): Promise<void> {
  await writeFile(live.certFile, certificate.cert);
  await writeFile(live.keyFile, certificate.key);
}

async function personPage(person: { name: string; color: string }): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  contexts.push(context);
  await actAs(context, person);
  const page = await context.newPage();
  page.on('websocket', (socket) => socketUrls.push(socket.url()));
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  return page;
}

/** The launcher (`node sync-server/dist/start-all.js`) in npm's process group. */
function launcherPid(pgid: number): number {
  const lines = execFileSync('ps', ['-o', 'pid=,args=', '-g', String(pgid)], { encoding: 'utf8' }).trim().split('\n');
  const line = lines.find((entry) => entry.includes('start-all.js'));
  if (line === undefined) throw new Error(`no launcher in:\n${lines.join('\n')}`);
  return Number(line.trim().split(/\s+/)[0]);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-browser-tls-'));
  dataDir = path.join(dir, 'data');
  first = makeCertificate(dir, 'first', 2);
  renewed = makeCertificate(dir, 'renewed', 3);
  live = { certFile: path.join(dir, 'live.crt'), keyFile: path.join(dir, 'live.key') };
  await install(first);
  [syncPort, webPort] = [await freePort(), await freePort()];
  run = npmRun('start', {
    SYNC_HOST: '127.0.0.1',
    SYNC_PORT: String(syncPort),
    PORT: String(webPort),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    NEXT_TELEMETRY_DISABLED: '1',
    TLS_CERT_FILE: live.certFile,
    TLS_KEY_FILE: live.keyFile,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  await waitUntil(
    async () => {
      if (run.process.exitCode !== null) throw new Error(`npm start exited early:\n${run.output()}`);
      const [page, health] = await Promise.all([
        httpsGet(`https://127.0.0.1:${webPort}/`, first.cert),
        httpsGet(`https://127.0.0.1:${syncPort}/healthz`, first.cert),
      ]);
      return page.status === 200 && health.status === 200;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'npm start to serve https on both ports' },
  );
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  if (run?.process.pid !== undefined) killGroup(run.process.pid);
  await rm(dir, { recursive: true, force: true });
}, 30_000);

describe('Tandem over TLS through npm start', { timeout: 90_000 }, () => {
  it('serves the page over https, and the page syncs over wss:// with no SYNC_URL; a second person sees the text', async () => {
    const a = await personPage({ name: 'Alice', color: '#d9480f' });
    await a.goto(`https://127.0.0.1:${webPort}/`);
    expect(a.url()).toMatch(/^https:/);
    await a.getByTestId('new-doc').click(); // POST /docs to https://127.0.0.1:SYNC_PORT
    await a.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    const link = a.url();
    const b = await personPage({ name: 'Bob', color: '#1971c2' });
    await openDocument(b, link);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);

    await editor(a).click();
    await a.keyboard.type('Sent over wss.');
    await waitForText(b, (text) => text === 'Sent over wss.', 'Bob to see what Alice typed');
    await waitForState(a, 'connected', 'saved');

    expect(socketUrls.length).toBeGreaterThanOrEqual(2);
    for (const url of socketUrls) expect(url.startsWith(`wss://127.0.0.1:${syncPort}/`), url).toBe(true);
    expect(pageErrors).toEqual([]);
    // Nothing on these ports speaks plaintext.
    await expect(fetch(`http://127.0.0.1:${webPort}/`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${syncPort}/healthz`)).rejects.toThrow();
  });

  it('one SIGHUP to the launcher renews the certificate of the page and of the sync server; open editors carry on', async () => {
    expect((await presentedCertificate(webPort)).fingerprint256).toBe(first.fingerprint256);
    expect((await presentedCertificate(syncPort)).fingerprint256).toBe(first.fingerprint256);
    const open = await personPage({ name: 'Carol', color: '#2b8a3e' });
    await open.goto(`https://127.0.0.1:${webPort}/`);
    await open.getByTestId('new-doc').click();
    await open.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    await waitForState(open, 'connected');
    const socketsBefore = textSockets();

    await install(renewed);
    const started = performance.now();
    process.kill(launcherPid(run.process.pid!), 'SIGHUP');
    await waitUntil(
      async () =>
        (await presentedCertificate(webPort)).fingerprint256 === renewed.fingerprint256 &&
        (await presentedCertificate(syncPort)).fingerprint256 === renewed.fingerprint256,
      { timeoutMs: 5_000, intervalMs: 10, what: 'both ports to present the renewed certificate' },
    );
    console.log(`SIGHUP to the launcher until both ports present the renewed certificate: ${(performance.now() - started).toFixed(0)} ms`);
    expect(run.output()).toContain('web app: TLS certificate reloaded');
    expect(run.output()).toContain('TLS certificate reloaded');

    // The editor opened before the renewal is still on its socket, and a new visitor gets in.
    await editor(open).click();
    await open.keyboard.type('After the renewal.');
    const reader = await personPage({ name: 'Dan', color: '#5f3dc4' });
    await openDocument(reader, open.url());
    await waitForText(reader, (text) => text === 'After the renewal.', 'a new visitor to see the text');
    await waitForState(open, 'connected', 'saved');
    expect(textSockets()).toBe(socketsBefore + 1); // the reader's; the open editor did not reconnect
    expect(pageErrors).toEqual([]);
  });

  it('stops as it does without TLS: SIGTERM to npm, exit 0, nothing left running', async () => {
    const pgid = run.process.pid!;
    process.kill(pgid, 'SIGTERM');
    const exitCode = await run.exited;
    const leftRunning = groupAlive(pgid);
    const left = leftRunning ? groupProcesses(pgid) : '';
    killGroup(pgid);
    expect(leftRunning, `processes outlived npm:\n${left}`).toBe(false);
    expect(exitCode, run.output()).toBe(0);
  });
});
