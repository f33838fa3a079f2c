/**
 * Cluster mode in a real browser: three sync nodes (the production bundle, REDIS_URL + DATABASE_URL
 * and one AUTH_SECRET) behind a real nginx with the configuration `npm run cluster` writes
 * (sync-server/launchers/cluster/proxy-config.ts), and the production web app syncing through nginx. Alice
 * types without a pause while the node her socket goes through is killed with SIGKILL; Bob reads
 * on another node. Everything she typed, before, during and after the kill, must end up in both
 * editors exactly once, in PostgreSQL itself, and on a node started afterwards.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import * as Y from 'yjs';
import { commentedDocumentOf } from '../../lib/comments/comments-document';
import { tokenFromFragment } from '../../lib/client/documents/create-document';
import { readDocument, renderDocument } from '../../lib/editor/document-export';
import { LocalNginx } from '../../sync-server/launchers/cluster/local-nginx';
import { clusterProxyBlocks } from '../../sync-server/launchers/cluster/proxy-config';
import { PostgresDocumentStore } from '../../sync-server/storage/postgres-store';
import { freePort } from '../helpers/free-port';
import { PostgresServer, type Database } from '../helpers/postgres';
import { RedisServer } from '../helpers/redis';
import { makeTempDir, removeDir, spawnServer, type ChildServer } from '../helpers/server-harness';
import { BrowserHarness, waitUntil } from './harness';
import { actAs, alice, bob, documentIdOf, editor, openDocument, screenshot, waitForState, waitForText } from './page-helpers';

const NODES = 3;
/** Alice's words: typed until enough came after her reconnect; the bound only keeps a broken run finite. */
const MAX_WORDS = 400;
const WORDS_BEFORE_KILL = 15;
const WORDS_AFTER_RECONNECT = 15;
/** Between keys, roughly a fast typist (about 50 characters a second with Playwright's own overhead). */
const KEY_DELAY_MS = 15;

let postgres: PostgresServer | null = null;
let redis: RedisServer | null = null;
let database: Database;
let nginx: LocalNginx | null = null;
let nginxPrefix = '';
let harness: BrowserHarness | null = null;
const authSecret = randomBytes(32).toString('hex');
const nodes: ChildServer[] = [];
const dirs: string[] = [];
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

async function startNode(port: number): Promise<ChildServer> {
  const dir = await makeTempDir('tandem-cluster-node-');
  dirs.push(dir);
  const node = await spawnServer(dir, port, {
    REDIS_URL: redis!.url,
    DATABASE_URL: database.connectionString,
    AUTH: 'on',
    AUTH_SECRET: authSecret,
    // As `npm run cluster` runs them: every request comes through nginx on 127.0.0.1.
    TRUST_PROXY: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  nodes.push(node);
  return node;
}

/** PostgreSQL, Redis, the nodes and nginx in front of them on `proxyPort`. */
async function startCluster(proxyPort: number): Promise<ChildServer[]> {
  const [pgResult, redisResult] = await Promise.allSettled([PostgresServer.start(), RedisServer.start()]);
  if (pgResult.status === 'fulfilled') postgres = pgResult.value;
  if (redisResult.status === 'fulfilled') redis = redisResult.value;
  if (pgResult.status === 'rejected') throw pgResult.reason;
  if (redisResult.status === 'rejected') throw redisResult.reason;
  database = await postgres!.createDatabase();
  const ports: number[] = [];
  for (let n = 0; n < NODES; n++) ports.push(await freePort());
  const cluster = await Promise.all(ports.map(startNode));
  nginxPrefix = await makeTempDir('tandem-nginx-');
  dirs.push(nginxPrefix);
  nginx = await LocalNginx.start({ prefix: nginxPrefix, port: proxyPort, httpBlocks: clusterProxyBlocks(proxyPort, ports) });
  return cluster;
}

let cluster: ChildServer[] = [];

beforeAll(async () => {
  const proxyPort = await freePort();
  // The web app only needs to know nginx's port; it and the cluster start side by side.
  const [web, started] = await Promise.allSettled([BrowserHarness.start({ syncPort: proxyPort }), startCluster(proxyPort)]);
  if (web.status === 'fulfilled') harness = web.value;
  if (web.status === 'rejected') throw web.reason;
  if (started.status === 'rejected') throw started.reason;
  cluster = started.value;
}, 360_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await harness?.close();
  await nginx?.stop('SIGKILL');
  await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
  await Promise.all([postgres?.destroy(), redis?.destroy()]);
  await Promise.all(dirs.map(removeDir));
}, 60_000);

async function personPage(person: { name: string; color: string }): Promise<Page> {
  const context = await harness!.newContext();
  contexts.push(context);
  await actAs(context, person);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${person.name}: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs the dropped and refused sockets itself; those are this test's point.
    if (message.type() === 'error' && !/WebSocket/.test(message.text())) pageErrors.push(`${person.name}: console: ${message.text()}`);
  });
  return page;
}

/** Whether a socket URL is a page's connection to a document's comments (`<id>%2Fcomments`). */
function isCommentsSocket(url: string): boolean {
  return commentedDocumentOf(decodeURIComponent(new URL(url).pathname.slice(1))) !== null;
}

/**
 * Open connections to the text per node, as each node's metrics count them (null for a node that
 * is down). A page also holds a connection to the document's comments, which may be on another node.
 */
async function connectionsPerNode(): Promise<(number | null)[]> {
  return Promise.all(
    cluster.map(async (node) => {
      if (node.process.exitCode !== null || node.process.signalCode !== null) return null;
      const metrics = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
      const line = metrics.split('\n').find((candidate) => candidate.startsWith('tandem_connections_by_document{document="text"}'));
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    }),
  );
}

/** Waits until the nodes hold `total` text connections in all; returns the count per node. */
async function settledConnections(total: number, what: string): Promise<(number | null)[]> {
  let counts: (number | null)[] = [];
  await waitUntil(
    async () => {
      counts = await connectionsPerNode();
      return counts.reduce<number>((sum, count) => sum + (count ?? 0), 0) === total;
    },
    { what: `${what} (connections per node: ${counts.join(', ')})` },
  );
  return counts;
}

interface StatusEntry {
  readonly at: number;
  readonly connection: string | null;
  readonly save: string | null;
  readonly editable: string | null;
}

/** Records every change of the status bar and of the editor's editability, with the time, in the page. */
async function recordStatus(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: StatusEntry[] = [];
    const read = () => ({
      at: Date.now(),
      connection: document.querySelector('[data-testid="connection-status"]')?.getAttribute('data-state') ?? null,
      save: document.querySelector('[data-testid="save-status"]')?.getAttribute('data-state') ?? null,
      editable: document.querySelector('[data-testid="editor"]')?.getAttribute('contenteditable') ?? null,
    });
    log.push(read());
    new MutationObserver(() => {
      const entry = read();
      const last = log[log.length - 1];
      if (last?.connection !== entry.connection || last.save !== entry.save || last.editable !== entry.editable) log.push(entry);
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state', 'contenteditable'] });
    (window as unknown as { __tandemStatus: StatusEntry[] }).__tandemStatus = log;
  });
}

function statusLog(page: Page): Promise<StatusEntry[]> {
  return page.evaluate(() => (window as unknown as { __tandemStatus: StatusEntry[] }).__tandemStatus);
}

function nginxErrors(): Promise<string> {
  return readFile(path.join(nginxPrefix, 'error.log'), 'utf8').catch(() => '');
}

/**
 * What PostgreSQL itself holds of the document, as text (snapshot and log, read with a store of our
 * own), and whether some of it cannot be shown because it builds on updates PostgreSQL lacks.
 */
async function stored(docId: string): Promise<{ text: string; waitingOnMissing: boolean }> {
  const store = await PostgresDocumentStore.open({ connectionString: database.connectionString });
  try {
    const { snapshot, log } = await store.load(docId);
    const doc = new Y.Doc();
    if (snapshot) Y.applyUpdate(doc, snapshot);
    for (const update of log) Y.applyUpdate(doc, update);
    return { text: renderDocument(readDocument(doc), 'text'), waitingOnMissing: doc.store.pendingStructs !== null || doc.store.pendingDs !== null };
  } finally {
    await store.close();
  }
}

describe('cluster mode in the browser', { timeout: 90_000 }, () => {
  it('keeps a typist typing while the node under her is killed, and keeps every character she typed', async () => {
    const a = await personPage(alice);
    const aSockets: { openedAt: number; closedAt: number | null }[] = [];
    a.on('websocket', (socket) => {
      // Her text's sockets: the page's connection to the comments may sit on another node.
      if (isCommentsSocket(socket.url())) return;
      const entry = { openedAt: Date.now(), closedAt: null as number | null };
      aSockets.push(entry);
      socket.on('close', () => (entry.closedAt = Date.now()));
    });
    await a.goto(harness!.appUrl);
    await a.getByTestId('new-doc').click();
    await a.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    const link = a.url();
    const docId = documentIdOf(link);
    const token = tokenFromFragment(new URL(link).hash);
    expect(token, 'the document was created by the cluster, with an edit link').not.toBeNull();
    await editor(a).waitFor({ state: 'visible', timeout: 30_000 });
    await waitForState(a, 'connected');

    // Alice alone: the one node with a connection is hers.
    const aloneCounts = await settledConnections(1, 'Alice’s connection on a node');
    const victim = aloneCounts.findIndex((count) => count === 1);
    expect(victim).toBeGreaterThanOrEqual(0);

    // Bob on another node (reloading moves him on through nginx's round robin), so he stays online.
    const b = await personPage(bob);
    await openDocument(b, link);
    let bobNode = -1;
    for (let attempt = 0; attempt < 6 && bobNode < 0; attempt++) {
      if (attempt > 0) await b.reload();
      await waitForState(b, 'connected');
      const counts = await settledConnections(2, 'Bob’s connection on a node');
      bobNode = counts.findIndex((count, n) => n !== victim && count === 1);
    }
    expect(bobNode, 'Bob on a node other than Alice’s').toBeGreaterThanOrEqual(0);
    await Promise.all([recordStatus(a), recordStatus(b)]);

    // Alice types words without a pause until enough of them came after her reconnect.
    await editor(a).click();
    const words: { text: string; at: number }[] = [];
    let reconnectedAt: number | null = null;
    let wordsAtReconnect = 0;
    let stop = false;
    const typist = (async () => {
      for (let i = 0; i < MAX_WORDS && !stop; i++) {
        const word = i === 0 ? `w${i}` : ` w${i}`;
        await a.keyboard.type(word, { delay: KEY_DELAY_MS });
        words.push({ text: word, at: Date.now() });
        if (reconnectedAt !== null && words.length - wordsAtReconnect >= WORDS_AFTER_RECONNECT) return;
      }
    })();
    // Awaited below; a run that fails before then must not leave an unhandled rejection behind.
    typist.catch(() => undefined);
    const typed = () => words.map((word) => word.text).join('');

    // Midway: once Bob sees the first words, the node under Alice dies.
    await waitForText(b, (text) => text.includes(` w${WORDS_BEFORE_KILL - 1}`), 'Bob to see Alice’s first words');
    const killedAt = Date.now();
    const wordsAtKill = words.length;
    await cluster[victim]!.kill('SIGKILL');

    // Her socket drops, and a new one through nginx is accepted by a living node; she types on.
    const back = await waitUntil(
      async () => {
        const second = aSockets.find((socket) => socket.openedAt >= killedAt);
        if (second === undefined) return null;
        const log = await statusLog(a);
        const back = log.find((entry) => entry.at >= second.openedAt && entry.connection === 'connected');
        // Connected again before the page ever drew the loss: now is as late as it can have been.
        if (back === undefined && log.at(-1)?.connection === 'connected') return { at: Date.now() };
        return back ?? null;
      },
      { timeoutMs: 20_000, what: 'Alice to be connected again on a new socket' },
    ).catch(async (error: Error) => {
      stop = true;
      throw new Error(`${error.message}; status: ${JSON.stringify(await statusLog(a))}; nginx:\n${await nginxErrors()}`);
    });
    const reconnect = back!;
    reconnectedAt = reconnect.at;
    wordsAtReconnect = words.length;
    // What she typed while her node was gone reaches Bob (his text is always a prefix of hers).
    const typedByReconnect = typed();
    await waitForText(b, (text) => text.startsWith(typedByReconnect), 'Bob to have what Alice typed during the outage');
    const bobCaughtUpAfter = Date.now() - reconnect.at;
    await typist.finally(() => (stop = true));
    const finishedAt = Date.now();
    const expected = typed();
    expect(words.length - wordsAtReconnect, 'words typed after the reconnect').toBeGreaterThanOrEqual(WORDS_AFTER_RECONNECT);

    // Both converge on exactly what she typed: every character once, in order.
    await waitForText(b, (text) => text === expected, 'Bob to have everything Alice typed', 20_000);
    await waitForText(a, (text) => text === expected, 'Alice to have everything she typed');
    await Promise.all([waitForState(a, 'connected', 'saved'), waitForState(b, 'connected', 'saved')]);
    const savedAfterFinish = Date.now() - finishedAt;
    await screenshot(a, 'cluster-failover-alice');

    // Alice's first socket closed at the kill, her second is on a living node; Bob never moved.
    expect(aSockets.length, 'Alice’s sockets').toBeGreaterThanOrEqual(2);
    const first = aSockets[0]!;
    expect(first.closedAt, 'Alice’s first socket closed').not.toBeNull();
    const counts = await settledConnections(2, 'both people on the living nodes');
    expect(counts[victim]).toBeNull();
    const aliceNode = counts.findIndex((count, n) => n === bobNode ? count === 2 : (count ?? 0) === 1);
    const aliceStatus = await statusLog(a);
    const bobStatus = await statusLog(b);
    expect(aliceStatus.filter((entry) => entry.editable !== 'true'), 'Alice’s editor stayed editable').toEqual([]);
    expect(bobStatus.filter((entry) => entry.connection !== 'connected'), 'Bob stayed connected').toEqual([]);

    // "Saved" means committed in PostgreSQL: it holds all of it now, every update it needs included.
    const inPostgres = await stored(docId);
    const missing = inPostgres.waitingOnMissing ? ' (and updates that build on ones it lacks)' : '';
    const holds = `${inPostgres.text.length - 1} of ${expected.length} characters${missing}`;
    expect(`${inPostgres.text}${missing}`, `what PostgreSQL holds once both say "Saved" (${holds})`).toBe(`${expected}\n`);
    // And a node started now, with nothing in memory, serves it (the document API, Alice's edit link).
    const fresh = await startNode(await freePort());
    const response = await fetch(`http://127.0.0.1:${fresh.port}/docs/${encodeURIComponent(docId)}?format=text`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`${expected}\n`);
    expect(pageErrors).toEqual([]);

    // Whoever comes next through nginx is served too: its round robin meets the dead node, finds it
    // refusing, and passes the request on (proxy_next_upstream), then leaves it out for a while.
    const throughProxy = await Promise.all(
      Array.from({ length: 2 * NODES }, async () => (await fetch(`http://127.0.0.1:${nginx!.port}/healthz`)).status),
    );
    expect(throughProxy).toEqual(throughProxy.map(() => 200));
    const refusals = ((await nginxErrors()).match(/connect\(\) failed \(111/g) ?? []).length;
    expect(refusals, 'nginx to have tried the dead node and passed on').toBeGreaterThan(0);

    const offlineFor = reconnect.at - killedAt;
    const duringOutage = words.filter((word) => word.at > killedAt && word.at <= reconnect.at).length;
    const seen = [...new Set(aliceStatus.filter((entry) => entry.at >= killedAt).map((entry) => `${entry.connection}/${entry.save}`))];
    console.log(
      `[figure] node ${victim + 1} of ${NODES} killed under a typist: Alice's socket closed ${first.closedAt! - killedAt} ms after the kill, ` +
        `connected again after ${offlineFor} ms on node ${aliceNode + 1}; ` +
        `her status meanwhile: ${seen.join(' → ')}; words typed: ${wordsAtKill} before the kill, ` +
        `${duringOutage} during the outage, ${words.length - wordsAtReconnect} after (${expected.length} characters); ` +
        `Bob had what she typed until then ${bobCaughtUpAfter} ms after her reconnect; both "Saved" ${savedAfterFinish} ms after the last key; ` +
        `${throughProxy.length} requests through nginx afterwards all served (${refusals} refused by the dead node, passed on)`,
    );
  });
});
