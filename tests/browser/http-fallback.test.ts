/**
 * Someone behind a proxy that blocks WebSockets edits with someone who is not, in real Chromium:
 * a real nginx passes plain HTTP to the sync server and strips the upgrade, and a second instance
 * of the web app (SYNC_URL) sends its page through it. Carets both ways, offline and back, then
 * the proxy lets upgrades through and the page moves to a socket, nothing lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Nginx, proxyLocation } from '../helpers/nginx';
import { BrowserHarness, waitUntil } from './harness';
import { actAs, alice, bob, editor, editorText, openDocument, waitForState, waitForText } from './page-helpers';

let harness: BrowserHarness;
let proxy: Nginx;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  harness = await BrowserHarness.start();
  proxy = await Nginx.start(proxyLocation(harness.syncPort, { allowUpgrade: false }), { reloadable: true });
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await proxy?.stop();
  await harness?.close();
});

async function personPage(person: { name: string; color: string }): Promise<Page> {
  const context = await harness.newContext();
  contexts.push(context);
  await actAs(context, person);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    // The browser reports the refused upgrades itself; that is what the proxy does.
    if (message.type() === 'error' && !/WebSocket|ERR_INTERNET_DISCONNECTED|404|Failed to load resource/.test(message.text())) {
      pageErrors.push(`${page.url()}: console: ${message.text()}`);
    }
  });
  return page;
}

const statusText = (page: Page) => page.locator('[data-testid="connection-status"]').innerText();
const carrier = (page: Page) => page.getAttribute('[data-testid="connection-status"]', 'data-carrier');

describe('HTTP fallback in the browser', { timeout: 150_000 }, () => {
  it('lets someone behind a proxy that blocks WebSockets edit with everyone, then moves to a socket once it can', async () => {
    const blockedApp = await harness.startWebApp({ SYNC_URL: `ws://127.0.0.1:${proxy.port}` });
    // Bob creates the document on the open network and sends the link to Alice, who is behind the proxy.
    const b = await personPage(bob);
    await b.goto(harness.appUrl);
    await b.getByTestId('new-doc').click();
    await b.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    await editor(b).waitFor({ state: 'visible', timeout: 30_000 });
    const link = b.url();
    const a = await personPage(alice);
    const openedAt = Date.now();
    await openDocument(a, link.replace(harness.appUrl, blockedApp));
    await waitForState(a, 'connected');
    const connectedAfterMs = Date.now() - openedAt;
    expect(await carrier(a)).toBe('http');
    expect(await statusText(a)).toContain('Connected (HTTP fallback)');

    await editor(a).click();
    await a.keyboard.type('Alice behind the proxy. ');
    await editor(b).click();
    await b.keyboard.press('End');
    await b.keyboard.type('Bob in the open.');
    for (const page of [a, b]) {
      await waitForText(page, (text) => text.includes('Alice behind the proxy.') && text.includes('Bob in the open.'), 'both lines on both pages');
    }
    await waitUntil(async () => (await a.locator('.collaboration-carets__caret', { hasText: 'Bob' }).count()) === 1, { what: 'Bob’s caret on Alice’s page' });
    await waitUntil(async () => (await b.locator('.collaboration-carets__caret', { hasText: 'Alice' }).count()) === 1, { what: 'Alice’s caret on Bob’s page' });
    await waitForState(a, 'connected', 'saved');

    // Alice's laptop goes offline; both keep writing; she comes back and they converge.
    await a.context().setOffline(true);
    await waitForState(a, 'offline');
    await editor(a).click();
    await a.keyboard.press('Control+End');
    await a.keyboard.type(' Written offline.');
    await b.keyboard.press('Control+End');
    await b.keyboard.type(' Meanwhile.');
    await a.context().setOffline(false);
    await waitForState(a, 'connected', 'saved', 30_000);
    const both = (text: string) => ['Alice behind the proxy.', 'Bob in the open.', 'Written offline.', 'Meanwhile.'].every((part) => text.includes(part));
    const converged = await waitForText(a, both, 'Alice to have everything after coming back');
    await waitForText(b, (text) => text === converged, 'Bob to have the same');
    expect(await carrier(a)).toBe('http');

    // The proxy is fixed: Alice's page tries a socket in the background and moves to it.
    await proxy.reconfigure(proxyLocation(harness.syncPort, { allowUpgrade: true }));
    const fixedAt = Date.now();
    await a.keyboard.type(' Around the switch.');
    await waitUntil(async () => (await carrier(a)) === 'websocket' && (await statusText(a)) === 'Connected', {
      timeoutMs: 45_000,
      what: 'Alice’s page to move to a socket',
    });
    const movedAfterMs = Date.now() - fixedAt;
    await a.keyboard.type(' On the socket.');
    await waitForState(a, 'connected', 'saved');
    const final = await waitForText(b, (text) => text.includes('Around the switch.') && text.includes('On the socket.'), 'Bob to see what Alice typed around the switch');
    expect(await editorText(a)).toBe(final);
    for (const part of ['Alice behind the proxy.', 'Written offline.', 'Around the switch.', 'On the socket.', 'Meanwhile.']) {
      expect(final.split(part).length - 1, part).toBe(1);
    }
    await waitUntil(async () => (await b.locator('.collaboration-carets__caret', { hasText: 'Alice' }).count()) === 1, { what: 'Alice’s caret over the socket' });
    expect(pageErrors).toEqual([]);
    console.log(`[figure] fallback connected ${connectedAfterMs} ms after opening; moved to a socket ${movedAfterMs} ms after the proxy allowed it`);
  });
});
