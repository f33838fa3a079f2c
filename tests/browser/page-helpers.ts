/**
 * What a person sees and does on a document page, as small helpers over Playwright's Page.
 */
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { SCREENSHOT_DIR, waitUntil } from './harness';

export interface Person {
  readonly name: string;
  readonly color: string;
}

/** The people of the browser tests, each with a colour of the editor's palette. */
export const alice: Person = { name: 'Alice', color: '#d9480f' };
export const bob: Person = { name: 'Bob', color: '#1971c2' };
export const carol: Person = { name: 'Carol', color: '#2b8a3e' };

/** Sets the remembered identity before any page script runs, as if chosen on an earlier visit. */
export async function actAs(context: BrowserContext, person: Person): Promise<void> {
  await context.addInitScript((identity: Person) => {
    window.localStorage.setItem('tandem:identity', JSON.stringify(identity));
  }, person);
}

export function editor(page: Page) {
  return page.locator('[data-testid="editor"]');
}

/** The document's text as a reader sees it: remote caret labels are decorations, not content. */
export async function editorText(page: Page): Promise<string> {
  return editor(page).evaluate((element) => {
    const copy = element.cloneNode(true) as HTMLElement;
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
    return copy.textContent ?? '';
  });
}

export async function connectionState(page: Page): Promise<string | null> {
  return page.getAttribute('[data-testid="connection-status"]', 'data-state');
}

export async function saveState(page: Page): Promise<string | null> {
  return page.getAttribute('[data-testid="save-status"]', 'data-state');
}

/** Opens a document link (`/d/<id>#token=…`) as someone who was sent it. */
export async function openDocument(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await editor(page).waitFor({ state: 'visible', timeout: 30_000 });
}

export async function waitForState(page: Page, connection: string, save?: string, timeoutMs = 15_000): Promise<void> {
  await waitUntil(
    async () => (await connectionState(page)) === connection && (save === undefined || (await saveState(page)) === save),
    { timeoutMs, what: `connection ${connection}${save ? ` and save ${save}` : ''}` },
  );
}

export async function waitForText(page: Page, predicate: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  let last = '';
  try {
    await waitUntil(
      async () => {
        last = await editorText(page);
        return predicate(last);
      },
      { timeoutMs, what },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; editor text was ${JSON.stringify(last)}`);
  }
  return last;
}

/** Waits until IndexedDB has committed every update written so far (later transactions see earlier ones). */
export async function flushLocalCopy(page: Page, docId: string): Promise<number> {
  return page.evaluate(
    (name: string) =>
      new Promise<number>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onerror = () => reject(new Error('cannot open the local copy'));
        request.onsuccess = () => {
          const db = request.result;
          const count = db.transaction('updates', 'readonly').objectStore('updates').count();
          count.onsuccess = () => {
            db.close();
            resolve(count.result);
          };
          count.onerror = () => reject(new Error('cannot read the local copy'));
        };
      }),
    `tandem:${docId}`,
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  const lower = sorted[middle - 1] ?? upper;
  return sorted.length % 2 === 0 ? (lower + upper) / 2 : upper;
}

/** The document id in a document link. */
export function documentIdOf(link: string): string {
  const match = /\/d\/([^#?/]+)/.exec(link);
  if (!match?.[1]) throw new Error(`not a document link: ${link}`);
  return decodeURIComponent(match[1]);
}
