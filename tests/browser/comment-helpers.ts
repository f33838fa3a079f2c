/**
 * What a person sees and does with comments on a document page, as helpers over Playwright's Page:
 * selecting a passage, writing a comment on it, and reading the threads and highlights back; and
 * the set-up the comments tests share: a document with a comment link, pages that report errors.
 */
import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { waitUntil, type BrowserHarness } from './harness';
import { actAs } from './page-helpers';

/** A console line that reports a policy violation, in any of the ways Chromium words one. */
const VIOLATION = /Content Security Policy|Content-Security-Policy|securitypolicyviolation|Refused to/i;

export interface ThreadSeen {
  readonly id: string;
  readonly resolved: boolean;
  readonly detached: boolean;
  readonly quote: string;
  readonly comments: readonly { readonly author: string; readonly color: string; readonly body: string }[];
}

/** Every thread in the sidebar, open and resolved, as the page shows them. */
export async function threadsOn(page: Page): Promise<ThreadSeen[]> {
  return page.locator('[data-testid="comment-thread"]').evaluateAll((elements) =>
    elements.map((element) => ({
      id: element.getAttribute('data-thread-id') ?? '',
      resolved: element.getAttribute('data-resolved') === 'true',
      detached: element.getAttribute('data-detached') === 'true',
      quote: element.querySelector('[data-testid="comment-quote"]')?.textContent ?? '',
      comments: [...element.querySelectorAll('[data-testid="comment"]')].map((comment) => ({
        author: comment.querySelector('[data-testid="comment-author"]')?.textContent ?? '',
        color: comment.querySelector('[data-testid="comment-author"]')?.getAttribute('data-color') ?? '',
        body: comment.querySelector('[data-testid="comment-body"]')?.textContent ?? '',
      })),
    })),
  );
}

/** The text highlighted for a thread, pieces joined (a highlight over two paragraphs is two pieces). */
export async function highlightedText(page: Page, threadId: string): Promise<string> {
  return page
    .locator(`[data-testid="editor"] [data-comment-thread="${threadId}"]`)
    .evaluateAll((pieces) => pieces.map((piece) => piece.textContent ?? '').join(''));
}

export async function highlightCount(page: Page): Promise<number> {
  return page.locator('[data-testid="editor"] [data-comment-thread]').count();
}

/**
 * Selects the first occurrence of `text` in the editor (within one paragraph) as a person dragging
 * over it would: a DOM selection, which the editor takes as its own, editable or not. A remote
 * edit arriving before the editor has read the selection makes it draw its own selection back,
 * so the selection is made again until it holds.
 */
export async function selectText(page: Page, text: string): Promise<void> {
  let last = '';
  try {
    await waitUntil(
      async () => {
        last = await page.evaluate(() => window.getSelection()?.toString() ?? '');
        if (last !== text) {
          if (!(await page.evaluate(placeSelection, text))) throw new Error(`"${text}" is not in the editor`);
          return false;
        }
        return page.getByTestId('comment-add').isEnabled();
      },
      { what: `the selection of "${text}"`, intervalMs: 100 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; the selection was ${JSON.stringify(last)}`);
  }
}

/** Runs in the page: selects the first occurrence of `wanted` in the editor; false when there is none. */
function placeSelection(wanted: string): boolean {
  const root = document.querySelector<HTMLElement>('[data-testid="editor"]');
  if (!root) return false;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => (node.parentElement?.closest('.collaboration-carets__caret') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  for (const block of root.querySelectorAll('p, h1, h2, h3, li, pre')) {
    const pieces: { node: Text; start: number }[] = [];
    let joined = '';
    walker.currentNode = block;
    for (let node = walker.nextNode(); node !== null && block.contains(node); node = walker.nextNode()) {
      pieces.push({ node: node as Text, start: joined.length });
      joined += node.textContent ?? '';
    }
    const at = joined.indexOf(wanted);
    if (at === -1) continue;
    const locate = (offset: number, isEnd: boolean) => {
      const piece = [...pieces].reverse().find((candidate) => (isEnd ? candidate.start < offset : candidate.start <= offset));
      return piece ? { node: piece.node, offset: offset - piece.start } : null;
    };
    const start = locate(at, false);
    const end = locate(at + wanted.length, true);
    if (!start || !end) return false;
    root.focus();
    const range = document.createRange();
    range.setStart(start.node, start.offset);
    range.setEnd(end.node, end.offset);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return true;
  }
  return false;
}

/** Waits until the thread's highlight reads `expected` ('' for none). */
export async function waitForHighlight(page: Page, threadId: string, expected: string, what: string): Promise<void> {
  let last = '';
  try {
    await waitUntil(
      async () => {
        last = await highlightedText(page, threadId);
        return last === expected;
      },
      { what },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; the highlight read ${JSON.stringify(last)}`);
  }
}

/** Selects `text`, presses Comment, writes `body` and posts it; returns the new thread's id. */
export async function commentOn(page: Page, text: string, body: string): Promise<string> {
  await selectText(page, text);
  const before = new Set((await threadsOn(page)).map((thread) => thread.id));
  await page.getByTestId('comment-add').click();
  await page.getByTestId('comment-input').fill(body);
  await page.getByTestId('comment-submit').click();
  const created = await waitUntil(async () => (await threadsOn(page)).find((thread) => !before.has(thread.id)) ?? null, {
    what: `the thread on "${text}"`,
  });
  if (created === null) throw new Error('no thread was made');
  return created.id;
}

export function threadCard(page: Page, threadId: string) {
  return page.locator(`[data-testid="comment-thread"][data-thread-id="${threadId}"]`);
}

/** Polls until `check` holds for the thread on `page`; returns the thread as last seen. */
export async function waitForThread(page: Page, threadId: string, check: (thread: ThreadSeen) => boolean, what: string, timeoutMs = 15_000): Promise<ThreadSeen> {
  let last: ThreadSeen | undefined;
  try {
    await waitUntil(
      async () => {
        last = (await threadsOn(page)).find((thread) => thread.id === threadId);
        return last !== undefined && check(last);
      },
      { what, timeoutMs, intervalMs: 20 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; the thread was ${JSON.stringify(last ?? null)}`);
  }
  if (last === undefined) throw new Error(`no thread ${threadId}`);
  return last;
}

/** Collects uncaught errors and policy violations a page reports into `problems`. */
export function watch(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (VIOLATION.test(message.text())) problems.push(`${page.url()}: ${message.text()}`);
  });
}

/** Sets the person and makes every frame report its policy violations to the console. */
export async function watchContext(context: BrowserContext, person: { name: string; color: string }): Promise<void> {
  await actAs(context, person);
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`securitypolicyviolation: ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
}

export interface Links {
  readonly id: string;
  readonly owner: string;
  readonly edit: string;
  readonly comment: string;
  readonly view: string;
  readonly ownerToken: string;
}

/** A new document and its links: the owner's, the default edit and view links, and a comment link. */
export async function newDocument(harness: BrowserHarness): Promise<Links> {
  const sync = `http://127.0.0.1:${harness.syncPort}`;
  const created = (await (await fetch(`${sync}/docs`, { method: 'POST' })).json()) as { id: string; ownerToken: string; editToken: string; viewToken: string };
  const response = await fetch(`${sync}/docs/${created.id}/links`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${created.ownerToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ role: 'comment', name: 'Reviewers' }),
  });
  expect(response.status).toBe(201);
  const { token: commentToken } = (await response.json()) as { token: string };
  const page = (token: string) => `${harness.appUrl}/d/${created.id}#token=${token}`;
  return { id: created.id, owner: page(created.ownerToken), edit: page(created.editToken), comment: page(commentToken), view: page(created.viewToken), ownerToken: created.ownerToken };
}

/** Milliseconds until `check` holds, polled every 10 ms. */
export async function timeUntil(check: () => Promise<boolean>, what: string): Promise<number> {
  const started = Date.now();
  await waitUntil(check, { what, intervalMs: 10 });
  return Date.now() - started;
}
