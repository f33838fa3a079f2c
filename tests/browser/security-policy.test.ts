/**
 * The web app under its own Content-Security-Policy, in real Chromium: a whole session (a new
 * document, typing, the share dialog, naming and previewing a version, a second person over the
 * HTTP fallback) without a single violation reported, and the editor refused to a page of another
 * origin that frames it, unless FRAME_ANCESTORS names that origin.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { BrowserHarness, waitUntil } from './harness';
import { actAs, alice, bob, editor, openDocument, waitForState, waitForText } from './page-helpers';

let harness: BrowserHarness;
/** A site of another origin (another port) whose page frames whatever `?src=` names. */
let framer: Server;
let framerOrigin: string;
const contexts: BrowserContext[] = [];
const violations: string[] = [];
const pageErrors: string[] = [];

/** A console line that reports a policy violation, in any of the ways Chromium words one. */
const VIOLATION = /Content Security Policy|Content-Security-Policy|securitypolicyviolation|Refused to/i;

async function personPage(person: { name: string; color: string }, init?: () => void): Promise<Page> {
  const context = await harness.newContext();
  contexts.push(context);
  await actAs(context, person);
  // Every frame reports its violations to the console, where the listener below finds them.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`securitypolicyviolation: ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`);
    });
  });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (VIOLATION.test(message.text())) violations.push(`${page.url()}: ${message.type()}: ${message.text()}`);
  });
  return page;
}

beforeAll(async () => {
  harness = await BrowserHarness.start();
  framer = createServer((request, response) => {
    const src = new URL(request.url ?? '/', 'http://framer').searchParams.get('src') ?? '';
    const escaped = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>framer</title><iframe id="embedded" src="${escaped}" width="900" height="600"></iframe>`);
  });
  await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
  framerOrigin = `http://127.0.0.1:${(framer.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await new Promise((resolve) => framer?.close(resolve));
  await harness?.close();
});

/** The embedded frame once its navigation has settled (the app's page, or the browser's error page). */
async function embeddedFrame(page: Page): Promise<Frame> {
  const handle = await page.locator('#embedded').elementHandle();
  if (handle === null) throw new Error('the framing page has no iframe');
  const frame = await waitUntil(async () => {
    const candidate = await handle.contentFrame();
    return candidate !== null && candidate.url() !== 'about:blank' && candidate.url() !== '' ? candidate : null;
  }, { what: 'the embedded frame to navigate' });
  if (frame === null) throw new Error('the embedded frame never navigated');
  return frame;
}

describe('the Content-Security-Policy in the browser', { timeout: 150_000 }, () => {
  let link = '';

  it('runs the editor, the share dialog, the history panel and the HTTP fallback with no violation', async () => {
    const a = await personPage(alice);
    const home = await a.goto(harness.appUrl);
    // A session without violations means something only under the policy.
    expect(home?.headers()['content-security-policy']).toMatch(/default-src 'none'/);
    await a.getByTestId('new-doc').click();
    await a.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    await editor(a).waitFor({ state: 'visible', timeout: 30_000 });
    link = a.url();
    await waitForState(a, 'connected');
    await a.getByTestId('doc-title').fill('Under the policy');
    await editor(a).click();
    await a.keyboard.type('Typed on the socket.');
    await waitForState(a, 'connected', 'saved');

    await a.getByTestId('share-button').click();
    const editLink = await waitUntil(async () => {
      const value = await a.getByTestId('share-edit-link').inputValue().catch(() => '');
      return value.includes('#token=') ? value : null;
    }, { what: 'the share dialog’s links' });
    expect(editLink).toContain('/d/');
    await a.keyboard.press('Escape');

    await a.getByTestId('history-button').click();
    await a.getByTestId('history-panel').waitFor({ state: 'visible' });
    await a.getByTestId('name-version').click();
    await a.getByTestId('version-name').fill('Checked');
    await a.getByTestId('version-name-save').click();
    const named = a.getByTestId('version-item').filter({ hasText: 'Checked' });
    await named.waitFor({ state: 'visible' });
    await named.click();
    await a.getByTestId('version-preview').getByTestId('version-content').waitFor({ state: 'visible' });
    await a.getByTestId('history-close').click();

    // Bob's browser remembers a network that blocks WebSockets: his page starts on the HTTP fallback.
    const b = await personPage(bob, () => window.localStorage.setItem('tandem.httpFallbackUntil', String(Date.now() + 3_600_000)));
    const documentPage = b.waitForResponse((response) => response.url().startsWith(link.split('#')[0]!));
    await openDocument(b, link);
    expect((await documentPage).headers()['content-security-policy']).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ http:/);
    await waitForState(b, 'connected');
    expect(await b.getAttribute('[data-testid="connection-status"]', 'data-carrier')).toBe('http');
    await editor(b).click();
    await b.keyboard.press('Control+End');
    await b.keyboard.type(' Bob over HTTP.');
    await waitForText(a, (text) => text.includes('Typed on the socket. Bob over HTTP.'), 'Alice to see what Bob typed over HTTP');
    await waitUntil(async () => (await a.locator('.collaboration-carets__caret', { hasText: 'Bob' }).count()) === 1, { what: 'Bob’s caret on Alice’s page' });

    // TipTap's own <style> applied (it takes the page's nonce): its break-spaces rule is in force.
    expect(await editor(a).evaluate((element) => getComputedStyle(element).whiteSpace)).toBe('break-spaces');
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);

    // The watch above sees a violation when there is one: an inline script without the nonce.
    await a.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.head.append(script);
    });
    await waitUntil(() => violations.some((line) => /script-src/.test(line)), { what: 'the inline script to be reported' });
    expect(await a.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined();
    violations.length = 0;
  });

  it('is refused to a page of another origin that frames it', async () => {
    const page = await personPage(alice);
    const refusals: string[] = [];
    page.on('console', (message) => {
      if (/frame-ancestors/.test(message.text())) refusals.push(message.text());
    });
    await page.goto(`${framerOrigin}/?src=${encodeURIComponent(link)}`);
    const frame = await embeddedFrame(page);
    // Chromium replaces a refused frame with its error page: the app's document never loads there.
    await waitUntil(async () => refusals.length > 0 || !frame.url().startsWith(harness.appUrl), { what: 'the frame to be refused' });
    expect(frame.url()).not.toContain(harness.appUrl);
    expect(refusals.join('\n')).toMatch(/frame-ancestors 'none'/);
    violations.length = 0; // the refusal is this test's expectation, not a fault
  });

  it('may be framed by the sites FRAME_ANCESTORS names', async () => {
    const embeddable = await harness.startWebApp({ SYNC_PORT: String(harness.syncPort), FRAME_ANCESTORS: framerOrigin });
    const policy = (await fetch(`${embeddable}/d/x`)).headers.get('content-security-policy');
    expect(policy).toContain(`frame-ancestors ${framerOrigin}`);
    const page = await personPage(bob);
    await page.goto(`${framerOrigin}/?src=${encodeURIComponent(link.replace(harness.appUrl, embeddable))}`);
    const frame = await embeddedFrame(page);
    expect(frame.url()).toContain(embeddable);
    await frame.locator('[data-testid="editor"]').waitFor({ state: 'visible', timeout: 30_000 });
    await waitUntil(async () => ((await frame.locator('[data-testid="editor"]').textContent()) ?? '').includes('Bob over HTTP.'), {
      what: 'the framed editor to show the document',
    });
    expect(violations).toEqual([]);
  });
});
