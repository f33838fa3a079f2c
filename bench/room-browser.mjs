// Scenario (i) in Chromium: one person opens the production web app in the big room while everyone
// is still there, reads the presence list and types. What it shows: how many people the list names,
// the "+N" beside them, and how long a keystroke takes from keydown to the frame that shows it
// (measured in the page as scenario (k) measures it, see book-browser.mjs).
import { launchChromium, startWebApp } from './web-app.mjs';

/** Installed before any page script: a keystroke probe, idle until armed. */
function keystrokeProbe() {
  const probe = { keystrokes: [], armed: null, errors: [] };
  window.__roomProbe = probe;
  window.addEventListener('error', (event) => probe.errors.push(String(event.message)));
  const afterRender = (fn) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => fn(performance.now());
    channel.port2.postMessage(null);
  };
  document.addEventListener('keydown', (event) => {
    if (probe.armed) probe.armed.downAt = event.timeStamp;
  }, true);
  const watch = () => {
    const armed = probe.armed;
    if (!armed || armed.downAt === undefined || armed.seen) return;
    const paragraph = document.querySelector('[data-testid="editor"]')?.firstElementChild;
    if (paragraph?.textContent?.length !== armed.length) return;
    armed.seen = true;
    requestAnimationFrame(() => afterRender((t) => {
      probe.keystrokes.push(t - armed.downAt);
      probe.armed = null;
    }));
  };
  probe.start = () => new MutationObserver(watch).observe(document.body, { subtree: true, childList: true, characterData: true });
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

/** Opens `docName` in a fresh Chromium profile; returns the presence list and `count` keystrokes' times. */
export async function pageInRoom(server, docName, { count = 40 } = {}) {
  const web = await startWebApp(server.port);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(() => window.localStorage.setItem('tandem:identity', JSON.stringify({ name: 'Visitor', color: '#1f6feb' })));
    await context.addInitScript(keystrokeProbe);
    const page = await context.newPage();
    const openedAt = performance.now();
    await page.goto(`${web.url}/d/${encodeURIComponent(docName)}`);
    const editor = page.getByTestId('editor');
    await editor.waitFor({ state: 'visible', timeout: 60000 });
    // The count comes about a second after the page first speaks Tandem's extension (crowd-count.ts).
    await page.getByTestId('presence-more').waitFor({ timeout: 30000 }).catch(() => undefined);
    const openMs = performance.now() - openedAt;
    const named = await page.getByTestId('presence-user').count();
    const more = (await page.getByTestId('presence-more').count()) > 0 ? await page.getByTestId('presence-more').textContent() : null;
    const carets = await page.locator('.collaboration-carets__caret').count();

    await editor.click();
    await page.keyboard.press('End');
    const base = await page.evaluate(() => {
      window.__roomProbe.start();
      return document.querySelector('[data-testid="editor"]')?.firstElementChild?.textContent?.length ?? 0;
    });
    let stoppedAt = null;
    for (let i = 0; i < count && stoppedAt === null; i++) {
      await page.evaluate((length) => (window.__roomProbe.armed = { length }), base + i + 1);
      await page.keyboard.press('abcdefghijklmnopqrstuvwxyz'[i % 26]);
      try {
        await page.waitForFunction((n) => window.__roomProbe.keystrokes.length >= n, i + 1, { timeout: 20000, polling: 50 });
      } catch {
        stoppedAt = `keystroke ${i + 1} not on screen after 20 s`;
      }
      await new Promise((r) => setTimeout(r, 80 + Math.random() * 80));
    }
    const { keystrokes, errors } = await page.evaluate(() => ({ keystrokes: window.__roomProbe.keystrokes, errors: window.__roomProbe.errors }));
    const sorted = [...keystrokes].sort((a, b) => a - b);
    return {
      openMs,
      named,
      more,
      carets,
      keystrokes: keystrokes.length,
      keystrokeMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? NaN },
      stoppedAt,
      pageErrors: errors.length,
    };
  } finally {
    await browser.close().catch(() => undefined);
    await web.stop();
  }
}
