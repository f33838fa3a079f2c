// Scenario (k): a book. The document (book-document.mjs: 20,000 paragraphs, ~1 M characters,
// 200,000 edits of a stock Yjs client) is sent to each server over its protocol, the server is
// stopped with SIGTERM, and then:
// - every persistent server: cold load, a new stock client until it holds the whole book (median
//   of `runs` restarts), RSS with the book loaded, size on disk;
// - Tandem: the web app (`next start`, production build) in Chromium after one more restart: the
//   whole book on screen after navigation (cold server, then a second profile on the warm server),
//   keystrokes to screen while a stock client types in the same document at 5 keys/s, and the
//   version history on the book over the document API (list, name, restore, Markdown export).
// The other servers have no page and no history API: their rows say so.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { cachedBook, CONTENT_FIELD, holdsBook, sameBook } from './book-document.mjs';
import { openBook, paragraphText, typeKeystrokes } from './book-browser.mjs';
import { upload } from './scenario-coldload.mjs';
import { ServerProcess, SERVERS } from './servers.mjs';
import { latencySummary, median } from './stats.mjs';
import { stockClient } from './stock.mjs';
import { buildWebAppIfStale, launchChromium, startWebApp } from './web-app.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check, timeoutMs, what) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

/** ms from a new stock client's creation until it holds the whole book; then checks every paragraph (untimed). */
async function timeLoad(server, docName, book, timeoutMs = 60000) {
  const t0 = performance.now();
  const client = stockClient(server, docName);
  try {
    const ms = await new Promise((resolve, reject) => {
      const check = () => {
        if (!holdsBook(client.doc, book)) return;
        clearTimeout(timer);
        client.doc.off('update', check);
        resolve(performance.now() - t0);
      };
      const timer = setTimeout(() => reject(new Error(`cold load: the book is incomplete after ${timeoutMs} ms (${client.doc.getXmlFragment(CONTENT_FIELD).length}/${book.paragraphs} paragraphs)`)), timeoutMs);
      client.doc.on('update', check);
    });
    if (!sameBook(client.doc, book)) throw new Error('cold load: the loaded book differs from the one sent');
    return ms;
  } finally {
    client.destroy();
  }
}

const diskBytes = (dir) => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);

/** Another person: a stock client typing at the end of paragraph `paragraph` at `rate` keys/s, with a caret. */
async function startTypist(server, docName, { paragraph, rate }) {
  const client = stockClient(server, docName);
  await client.ready;
  await waitUntil(() => client.doc.getXmlFragment(CONTENT_FIELD).length > paragraph, 30000, 'the typist never got the book');
  const text = client.doc.getXmlFragment(CONTENT_FIELD).get(paragraph).firstChild;
  const phrase = 'another person types here, ';
  let typed = 0;
  const caret = () => {
    const at = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, text.length));
    client.awareness.setLocalStateField('cursor', { anchor: at, head: at });
  };
  client.awareness.setLocalStateField('user', { name: 'Typist', color: '#d1242f' });
  caret();
  const timer = setInterval(() => {
    text.insert(text.length, phrase[typed++ % phrase.length]);
    caret();
  }, 1000 / rate);
  return {
    client,
    get typed() {
      return typed;
    },
    text: () => text.toString(),
    stop: () => clearInterval(timer),
  };
}

async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function api(server, route, init) {
  const response = await fetch(`http://127.0.0.1:${server.port}${route}`, init);
  const body = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${route}: ${response.status} ${body.slice(0, 200)}`);
  return body;
}

/** The Tandem-only part: the page, keystrokes, version history. The server is stopped (book stored). */
async function browserAndHistory(server, docName, book, params, { profile, profileDir, log }) {
  await server.start();
  const web = await startWebApp(server.port);
  const browser = await launchChromium();
  const out = {};
  let typist = null;
  try {
    log('bench: (k) Chromium: the book after navigation (cold server) …');
    const cold = await openBook(browser, web.url, docName, book, { profile });
    out.firstParagraphMs = cold.firstParagraphAt;
    out.wholeBookColdMs = cold.wholeBookAt;
    out.wholeBookColdWallMs = cold.wallMs;
    out.rssWithPageMb = server.memory().rssMb;
    if (cold.cpuProfile) writeFileSync(path.join(profileDir, 'chromium-first-paint.cpuprofile'), JSON.stringify(cold.cpuProfile));
    const warm = await openBook(browser, web.url, docName, book);
    out.wholeBookWarmMs = warm.wholeBookAt;
    await warm.context.close();

    const page = cold.page;
    const list = await timed(() => api(server, `/docs/${encodeURIComponent(docName)}/versions`));
    out.listVersionsMs = list.ms;
    out.versionsBefore = JSON.parse(list.value).versions.length;
    const named = await timed(() => api(server, `/docs/${encodeURIComponent(docName)}/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Before the keystrokes' }) }));
    out.nameVersionMs = named.ms;
    const versionId = JSON.parse(named.value).id;

    log(`bench: (k) Chromium: ${params.keystrokesAlone} keystrokes alone, then ${params.keystrokes} while a stock client types at ${params.typistRate} keys/s …`);
    const alone = await typeKeystrokes(page, { paragraph: params.ownParagraph, count: params.keystrokesAlone, budgetMs: 60000 });
    out.keystrokeAlone = latencySummary(alone.samples);
    out.keystrokesAloneStoppedAt = alone.stoppedAt;
    // The other person starts once the caret is placed: a page saturated by their typing answers nothing else.
    const keys = await typeKeystrokes(page, {
      paragraph: params.ownParagraph,
      count: params.keystrokes,
      cdp: cold.cdp,
      onReady: async () => {
        typist = await startTypist(server, docName, { paragraph: params.typistParagraph, rate: params.typistRate });
      },
    });
    keys.typed = alone.typed + keys.typed;
    typist?.stop();
    if (keys.cpuProfile) writeFileSync(path.join(profileDir, 'chromium-keystrokes.cpuprofile'), JSON.stringify(keys.cpuProfile));
    out.keystroke = latencySummary(keys.samples);
    out.keystrokesStoppedAt = keys.stoppedAt;
    out.typistKeys = typist.typed;
    const own = typist.client.doc.getXmlFragment(CONTENT_FIELD).get(params.ownParagraph).firstChild;
    try {
      // Both paragraphs as a whole: the two phases' letters need not be adjacent (End goes to the end
      // of the visual line, and the paragraph wraps), so the typed string is no test.
      await waitUntil(async () => (await paragraphText(page, params.ownParagraph)) === own.toString() && (await paragraphText(page, params.typistParagraph)) === typist.text(), 15000, 'page and typist never agreed');
      out.converged = true;
    } catch {
      out.converged = false;
    }

    const restore = await timed(() => api(server, `/docs/${encodeURIComponent(docName)}/versions/${versionId}/restore`, { method: 'POST' }));
    out.restoreMs = restore.ms;
    const restored = await timed(() => waitUntil(async () => !(await paragraphText(page, params.ownParagraph)).includes(keys.typed), 30000, 'the restore never reached the page'));
    out.restoreInPageMs = restore.ms + restored.ms;
    const markdown = await timed(() => api(server, `/docs/${encodeURIComponent(docName)}?format=markdown`));
    out.exportMarkdownMs = markdown.ms;
    out.markdownBytes = Buffer.byteLength(markdown.value);
    out.markdownHoldsLastParagraph = markdown.value.includes(book.lastParagraphText.trim());
    const after = await timed(() => api(server, `/docs/${encodeURIComponent(docName)}/versions`));
    out.listVersionsAfterMs = after.ms;
    out.versionsAfter = JSON.parse(after.value).versions.length;
    out.peakRssMb = server.memory().peakRssMb;
    return out;
  } catch (error) {
    log(`bench: (k) Chromium part failed: ${error.stack || error}`);
    return { ...out, error: String(error.message || error).split('\n')[0].slice(0, 300) };
  } finally {
    typist?.stop();
    typist?.client.destroy();
    await browser.close().catch(() => undefined);
    await web.stop();
    await server.stop();
  }
}

export async function runBookScenario(params, { serverNames, runs, profile, resultsDir, stamp, log }) {
  const t0 = performance.now();
  const book = cachedBook(params.book, resultsDir);
  log(`bench: (k) book ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${book.paragraphs} paragraphs, ${book.chars} chars, ${book.edits} edits, ${(book.encodedBytes / 1e6).toFixed(2)} MB`);
  const profileDir = path.join(resultsDir, `k-${stamp}`);
  if (profile) mkdirSync(profileDir, { recursive: true });
  if (serverNames.includes('tandem') && params.browser) await buildWebAppIfStale(log);
  const results = {};
  for (const name of serverNames) {
    if (!SERVERS[name].persistent) {
      results[name] = { skipped: 'no persistence: nothing to load after a restart' };
      continue;
    }
    const nodeArgs = profile && name === 'tandem' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const server = new ServerProcess(name, { nodeArgs });
    const docName = `bench-k-${Date.now().toString(36)}-book`;
    try {
      log(`bench: (k) ${SERVERS[name].label}: upload, then ${runs} cold loads …`);
      await server.start();
      const sent = await timed(() => upload(server, docName, book));
      await sleep(2500); // let debounced/async persistence settle before the graceful stop
      await server.stop();
      const coldLoadMs = [];
      const rssLoadedMb = [];
      let peakRssMb = 0;
      for (let i = 0; i < runs; i++) {
        await server.start();
        coldLoadMs.push(await timeLoad(server, docName, book));
        rssLoadedMb.push(server.memory().rssMb);
        peakRssMb = Math.max(peakRssMb, server.memory().peakRssMb);
        await server.stop();
      }
      results[name] = { uploadMs: sent.ms, diskBytes: diskBytes(server.dir), coldLoadMs, rssLoadedMb: median(rssLoadedMb), peakRssMb };
      if (name === 'tandem' && params.browser) results[name].page = await browserAndHistory(server, docName, book, params, { profile, profileDir, log });
    } catch (error) {
      log(`bench: (k) ${name} failed: ${error.stack || error}`);
      results[name] = { ...results[name], error: String(error.message || error).split('\n')[0].slice(0, 300) };
    } finally {
      await server.dispose();
    }
  }
  const { chunks, fragmentString, stateVector, ...described } = book;
  return { book: { ...described, updatesSent: chunks.length }, results, profileDir: profile ? profileDir : null };
}
