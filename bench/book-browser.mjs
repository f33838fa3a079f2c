// Scenario (k) in Chromium: how long the book takes to show after navigation, and how long a
// keystroke takes to reach the screen while another person types in the same document.
//
// "On screen" is read in the page, on the page's clock (performance.now(), 0 = navigation start):
// a check runs in every requestAnimationFrame callback, i.e. just before the frame that would
// show the current DOM is rendered; once the check passes, a message posted from that callback
// arrives after the frame's rendering work, and its time is the figure. So a figure includes
// every script the page ran before it could render that frame (ProseMirror, y-tiptap, React),
// and overstates by at most the rendering of that one frame.

/** Installed before any page script: the whole-book probe, and the keystroke probe, idle until armed. */
function pageProbe({ paragraphs, lastParagraphText }) {
  const probe = { firstParagraphAt: null, wholeBookAt: null, keystrokes: [], armed: null };
  window.__bookProbe = probe;
  const afterRender = (fn) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => fn(performance.now());
    channel.port2.postMessage(null);
  };
  const editor = () => document.querySelector('[data-testid="editor"]');
  const frame = () => {
    const root = editor();
    if (root && probe.firstParagraphAt === null && root.firstElementChild?.textContent) afterRender((t) => (probe.firstParagraphAt ??= t));
    if (root && root.childElementCount >= paragraphs && root.children[paragraphs - 1]?.textContent === lastParagraphText) {
      afterRender((t) => (probe.wholeBookAt = t));
      return;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  // A keystroke: from its keydown's timestamp to the frame after the paragraph holds the new length.
  document.addEventListener('keydown', (event) => {
    if (probe.armed) probe.armed.downAt = event.timeStamp;
  }, true);
  const watch = () => {
    const armed = probe.armed;
    if (!armed || armed.downAt === undefined || armed.seen) return;
    const paragraph = editor()?.children[armed.paragraph];
    if (paragraph?.textContent?.length !== armed.length) return;
    armed.seen = true;
    requestAnimationFrame(() => afterRender((t) => {
      probe.keystrokes.push(t - armed.downAt);
      probe.armed = null;
    }));
  };
  // Observed only from the first keystroke on, so that it costs the first paint nothing.
  probe.watchKeystrokes = () => new MutationObserver(watch).observe(document.body, { subtree: true, childList: true, characterData: true });
}

async function waitInPage(page, fn, arg, timeoutMs, what) {
  try {
    return await page.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 100 });
  } catch (error) {
    throw new Error(`${what}: ${error.message.split('\n')[0]}`);
  }
}

/** A fresh profile (no local copy of the document) opening /d/<id>; resolves with the page and its times. */
export async function openBook(browser, appUrl, docName, book, { profile } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => window.localStorage.setItem('tandem:identity', JSON.stringify({ name: 'Reader', color: '#1f6feb' })));
  await context.addInitScript(pageProbe, { paragraphs: book.paragraphs, lastParagraphText: book.lastParagraphText });
  const page = await context.newPage();
  const cdp = profile ? await context.newCDPSession(page) : null;
  if (cdp) {
    // A page of the same site first, so that the profiled navigation stays in the renderer the
    // profiler is attached to (its scripts are then in the HTTP cache: only with --profile).
    await page.goto(`${appUrl}/`);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const started = performance.now();
  await page.goto(`${appUrl}/d/${encodeURIComponent(docName)}`);
  await waitInPage(page, () => window.__bookProbe.wholeBookAt !== null, undefined, 120000, 'the whole book never showed');
  const wallMs = performance.now() - started;
  const times = await page.evaluate(() => ({ firstParagraphAt: window.__bookProbe.firstParagraphAt, wholeBookAt: window.__bookProbe.wholeBookAt }));
  const cpuProfile = cdp ? (await cdp.send('Profiler.stop')).profile : null;
  return { context, page, cdp, ...times, wallMs, cpuProfile };
}

/**
 * `count` keystrokes typed at the end of paragraph `paragraph` (visible at the top), one at a time:
 * each waits for the previous one to be on screen, then a pause of 80–160 ms (a fast typist).
 */
export async function typeKeystrokes(page, { paragraph, count, cdp = null, budgetMs = 90000, onReady = null }) {
  // A click on the paragraph, then End. `force`: Playwright's own wait for the element to be
  // stable does not end on a page this busy; the click itself is the same.
  const box = page.locator(`[data-testid="editor"] > :nth-child(${paragraph + 1})`);
  await box.click({ force: true, timeout: 60000 });
  await page.keyboard.press('End');
  const { baseLength, before } = await box.evaluate((el) => {
    if (!window.__bookProbe.watching) window.__bookProbe.watchKeystrokes();
    window.__bookProbe.watching = true;
    return { baseLength: el.textContent.length, before: window.__bookProbe.keystrokes.length };
  }, undefined, { timeout: 120000 });
  if (onReady) await onReady();
  if (cdp) await cdp.send('Profiler.start');
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  // A page that cannot keep up would hold the run for ever: the phase ends after `budgetMs`,
  // or at a keystroke not on screen after 20 s, with the figures it has (stoppedAt says which).
  const deadline = performance.now() + budgetMs;
  let stoppedAt = null;
  let typed = '';
  for (let i = 0; i < count && stoppedAt === null; i++) {
    await page.evaluate(({ paragraph, length }) => (window.__bookProbe.armed = { paragraph, length }), { paragraph, length: baseLength + i + 1 });
    await page.keyboard.press(letters[i % letters.length]);
    typed += letters[i % letters.length];
    try {
      await waitInPage(page, (n) => window.__bookProbe.keystrokes.length >= n, before + i + 1, 20000, `keystroke ${i + 1} not on screen`);
    } catch (error) {
      stoppedAt = error.message;
    }
    if (stoppedAt === null && performance.now() > deadline) stoppedAt = `the ${budgetMs / 1000} s budget ran out after ${i + 1} keystrokes`;
    await new Promise((r) => setTimeout(r, 80 + Math.random() * 80));
  }
  const cpuProfile = cdp ? (await cdp.send('Profiler.stop')).profile : null;
  const samples = (await page.evaluate(() => window.__bookProbe.keystrokes)).slice(before);
  return { samples, typed, stoppedAt, cpuProfile };
}

/** The text of paragraph `index` as the page shows it, remote caret labels left out. */
export function paragraphText(page, index) {
  return page.locator(`[data-testid="editor"] > :nth-child(${index + 1})`).evaluate((el) => {
    const copy = el.cloneNode(true);
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
    return copy.textContent;
  });
}
