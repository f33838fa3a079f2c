/**
 * What a person sees and does with comments on a document page, as helpers over Playwright's Page:
 * selecting a passage, writing a comment on it, and reading the threads and highlights back.
 */
import type { Page } from 'playwright-core';
import { waitUntil } from './harness';

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
