/**
 * The History panel and downloads in real Chromium against the real sync server: two people on a
 * document, a named version, everything deleted, the version previewed with its changes marked and
 * restored live for both; downloads equal to what the server's API returns; a viewer sees no
 * history; the panel on a phone and with the server gone.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useBrowserHarness, waitUntil } from './harness';
import { actAs, alice, bob, carol, documentIdOf, editor, editorText, openDocument, screenshot, waitForState, waitForText } from './page-helpers';

const paragraphs = ['Monday: plan the release with the whole team.', 'Tuesday: write the notes and send them round.', 'Wednesday: review the open questions.'];

const browser = useBrowserHarness();
const pageErrors: string[] = [];

/** Set by the first test, used by the ones after it: the same document throughout. */
let scenario: { a: Page; b: Page; link: string; docId: string; token: string } | null = null;

function watchForErrors(page: Page): void {
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    // Refused connections while the sync server is down are expected and logged by the browser itself.
    if (message.type() === 'error' && !/WebSocket|ERR_CONNECTION_REFUSED/.test(message.text())) pageErrors.push(`${page.url()}: console: ${message.text()}`);
  });
}

async function personPage(person: { name: string; color: string }): Promise<Page> {
  const context = await browser.newContext();
  await actAs(context, person);
  const page = await context.newPage();
  watchForErrors(page);
  return page;
}

function serverContent(docId: string, token: string, format: 'markdown' | 'text'): Promise<string> {
  return fetch(`http://127.0.0.1:${browser.harness.syncPort}/docs/${encodeURIComponent(docId)}?format=${format}`, {
    headers: { Authorization: `Bearer ${token}` },
  }).then((response) => {
    if (!response.ok) throw new Error(`GET ${format}: ${response.status}`);
    return response.text();
  });
}

async function serverVersions(docId: string, token: string): Promise<Array<{ authors: Array<{ name: string }> }>> {
  const response = await fetch(`http://127.0.0.1:${browser.harness.syncPort}/docs/${encodeURIComponent(docId)}/versions`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`GET versions: ${response.status}`);
  return ((await response.json()) as { versions: Array<{ authors: Array<{ name: string }> }> }).versions;
}

async function downloadFrom(page: Page, format: 'markdown' | 'html' | 'text'): Promise<{ name: string; text: string }> {
  await page.getByTestId('document-menu').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`download-${format}`).click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), text: await readFile(file, 'utf8') };
}

async function openHistory(page: Page): Promise<void> {
  await page.getByTestId('history-button').click();
  await page.getByTestId('history-panel').waitFor({ state: 'visible' });
}

function versionItems(page: Page) {
  return page.getByTestId('version-item');
}

describe('Version history in the browser', { timeout: 150_000 }, () => {
  it('names a version, previews it against an emptied document with the changes marked, and restores it live for everyone', async () => {
    const a = await personPage(alice);
    await a.goto(browser.harness.appUrl);
    await a.getByTestId('new-doc').click();
    await a.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    await editor(a).waitFor({ state: 'visible', timeout: 30_000 });
    const link = a.url();
    const docId = documentIdOf(link);
    const token = link.split('#token=')[1] ?? '';
    const b = await personPage(bob);
    await openDocument(b, link);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    scenario = { a, b, link, docId, token };

    await a.getByTestId('doc-title').fill('Weekly notes');
    await editor(a).click();
    await a.keyboard.type(paragraphs.join('\n'));
    await waitForText(b, (text) => text === paragraphs.join(''), 'Bob to see Alice’s paragraphs');
    await waitForState(a, 'connected', 'saved');

    // Name the current version from the panel's own form.
    await openHistory(a);
    await a.getByTestId('name-version').click();
    await a.getByTestId('version-name').fill('First draft');
    await a.getByTestId('version-name-save').click();
    await waitUntil(async () => (await versionItems(a).first().locator('.version-item__title').textContent()) === 'First draft', { what: 'the named version in the list' });
    const namedId = Number(await versionItems(a).first().getAttribute('data-version-id'));
    expect(await a.getByTestId('history-notice').textContent()).toContain('First draft');
    expect(await versionItems(a).first().getByTestId('version-author').allTextContents()).toContain('Alice');
    await a.getByTestId('history-close').click();

    // Everything goes: select all in the body and delete it.
    await editor(a).click();
    await a.keyboard.press('Control+a');
    await a.keyboard.press('Delete');
    await waitForText(b, (text) => text === '', 'Bob to see the empty document');
    await waitForState(a, 'connected', 'saved');
    // Bob must get the restore live, not by loading the page again.
    await b.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    await openHistory(a);
    const named = versionItems(a).filter({ hasText: 'First draft' });
    await named.waitFor({ state: 'visible' });
    await named.click();
    const preview = a.getByTestId('version-preview');
    await preview.getByTestId('version-content').waitFor({ state: 'visible' });
    expect(await preview.getAttribute('data-version-id')).toBe(String(namedId));
    // What restoring brings back is marked: all three paragraphs, against an empty body.
    const marked = (await preview.getByTestId('version-content').locator('[data-change="version"], ins.diff--version').allTextContents()).join(' ');
    for (const paragraph of paragraphs) expect(marked).toContain(paragraph);
    expect(await preview.getByTestId('diff-legend').isVisible()).toBe(true);
    // The title did not change, so it is not marked.
    expect(await preview.locator('.version-block--title').getAttribute('data-change')).toBe('both');
    await screenshot(a, 'history-preview');

    await preview.getByTestId('restore-version').click();
    const dialog = a.getByTestId('restore-dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.textContent()).toMatch(/undo this by restoring that version/);
    await screenshot(a, 'history-restore-confirm');
    await dialog.getByTestId('restore-confirm').click();
    await dialog.waitFor({ state: 'hidden' });

    await waitForText(b, (text) => text === paragraphs.join(''), 'Bob to see the restored text');
    expect(await b.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await waitForText(a, (text) => text === paragraphs.join(''), 'Alice to see the restored text');

    // The list now starts with the restore and the version taken just before it.
    await waitUntil(async () => (await versionItems(a).first().getAttribute('data-kind')) === 'restore', { what: 'the restore in the list' });
    expect(await versionItems(a).first().locator('.version-item__title').textContent()).toBe(`Restored version ${namedId}`);
    expect(await versionItems(a).nth(1).getAttribute('data-kind')).toBe('before-restore');
    expect(await versionItems(a).nth(1).locator('.version-item__title').textContent()).toBe('Before restore');
    expect(await a.getByTestId('history-notice').textContent()).toMatch(/To undo, restore “Before restore”/);
    // The selected version now equals the document: nothing left to mark.
    await preview.getByTestId('diff-same').waitFor({ state: 'visible' });
    await screenshot(a, 'history-after-restore');
    await Promise.all([waitForState(a, 'connected', 'saved'), waitForState(b, 'connected', 'saved')]);

    // Downloads are made in the page; they equal what the server's API returns.
    const markdown = await downloadFrom(a, 'markdown');
    expect(markdown.name).toBe('Weekly notes.md');
    expect(markdown.text).toBe(await serverContent(docId, token, 'markdown'));
    expect(markdown.text).toContain(paragraphs[0]);
    const text = await downloadFrom(a, 'text');
    expect(text.name).toBe('Weekly notes.txt');
    expect(text.text).toBe(await serverContent(docId, token, 'text'));
    const html = await downloadFrom(a, 'html');
    expect(html.name).toBe('Weekly notes.html');
    expect(html.text).toContain('<title>Weekly notes</title>');
    expect(html.text).toContain(`<p>${paragraphs[1]}</p>`);
  });

  it('shows a viewer no history and no restore, but lets them download', async () => {
    if (scenario === null) throw new Error('needs the document of the first test');
    const { a, docId, token } = scenario;
    await a.getByTestId('share-button').click();
    const viewLink = await a.getByTestId('share-view-link').inputValue();
    await a.keyboard.press('Escape');

    const viewer = await personPage(carol);
    await openDocument(viewer, viewLink);
    await waitForText(viewer, (text) => text === paragraphs.join(''), 'the viewer to read the document');
    await viewer.getByTestId('view-only-badge').waitFor({ state: 'visible' });
    expect(await viewer.getByTestId('history-button').count()).toBe(0);
    expect(await viewer.getByTestId('history-panel').count()).toBe(0);
    expect(await viewer.getByTestId('restore-version').count()).toBe(0);
    expect(await viewer.getByRole('button', { name: /history/i }).count()).toBe(0);
    const markdown = await downloadFrom(viewer, 'markdown');
    expect(markdown.name).toBe('Weekly notes.md');
    expect(markdown.text).toBe(await serverContent(docId, token, 'markdown'));
    await screenshot(viewer, 'history-viewer');
  });

  it('credits both people in the version recorded when they close their tabs', async () => {
    const a = await personPage(alice);
    await a.goto(browser.harness.appUrl);
    await a.getByTestId('new-doc').click();
    await a.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    await editor(a).waitFor({ state: 'visible', timeout: 30_000 });
    const link = a.url();
    const docId = documentIdOf(link);
    const token = link.split('#token=')[1] ?? '';
    const b = await personPage(bob);
    await openDocument(b, link);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);

    await editor(a).click();
    await a.keyboard.type('Alice writes. ');
    await waitForText(b, (text) => text === 'Alice writes. ', 'Bob to see Alice’s words');
    await editor(b).click();
    await b.keyboard.press('Control+End');
    await b.keyboard.type('Bob answers.');
    await waitForText(a, (text) => text === 'Alice writes. Bob answers.', 'Alice to see Bob’s words');
    await Promise.all([waitForState(a, 'connected', 'saved'), waitForState(b, 'connected', 'saved')]);

    // Closing a tab withdraws its presence (pagehide) before the socket goes.
    await a.close();
    await b.close();
    const versions = await waitUntil(async () => {
      const listed = await serverVersions(docId, token);
      return listed.length > 0 ? listed : null;
    }, { what: 'the version recorded when the last editor left' });
    expect(versions).toHaveLength(1);
    expect(versions?.[0]?.authors.map((author) => author.name).sort()).toEqual(['Alice', 'Bob']);
  });

  it('works at phone width, and says so with a retry when the server cannot be reached', async () => {
    if (scenario === null) throw new Error('needs the document of the first test');
    const { a } = scenario;
    if (await a.getByTestId('history-panel').isVisible()) await a.getByTestId('history-close').click();

    // One word typed after the restore: the named version's preview marks just that word.
    await editor(a).click();
    await a.keyboard.press('Control+Home');
    await a.keyboard.type('Early ');
    await waitForText(scenario.b, (text) => text.startsWith('Early Monday'), 'Bob to see the new word');
    await openHistory(a);
    await versionItems(a).filter({ hasText: 'First draft' }).click();
    const wordPreview = a.getByTestId('version-preview');
    const wordContent = wordPreview.getByTestId('version-content');
    await waitUntil(async () => (await wordContent.locator('del.diff--current').allTextContents()).join('|').trim() === 'Early', { what: 'the one word marked' });
    expect(await wordContent.locator('[data-change="changed"]').count()).toBe(1);
    expect(await wordContent.locator('ins.diff--version, [data-change="version"], [data-change="current"]').count()).toBe(0);
    await screenshot(a, 'history-word-diff');
    await a.getByTestId('history-close').click();

    await a.setViewportSize({ width: 390, height: 844 });
    await screenshot(a, 'history-phone-header');
    await openHistory(a);
    await waitUntil(async () => (await versionItems(a).count()) >= 3, { what: 'the list on a phone' });
    await screenshot(a, 'history-phone-list');
    await versionItems(a).filter({ hasText: 'Before restore' }).click();
    const preview = a.getByTestId('version-preview');
    await preview.getByTestId('version-content').waitFor({ state: 'visible' });
    // On a phone the preview takes the list's place, with the way back.
    expect(await a.getByTestId('version-list').isVisible()).toBe(false);
    await screenshot(a, 'history-phone-preview');
    await preview.getByRole('button', { name: '← All versions' }).click();
    await versionItems(a).first().waitFor({ state: 'visible' });
    await a.getByTestId('history-close').click();
    await a.setViewportSize({ width: 1280, height: 800 });

    await browser.harness.killSyncServer();
    await openHistory(a);
    const error = a.getByTestId('history-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toContain('cannot be reached');
    await screenshot(a, 'history-unreachable');
    await browser.harness.startSyncServer();
    await a.getByTestId('history-retry').click();
    await waitUntil(async () => (await versionItems(a).count()) >= 3 && (await error.count()) === 0, { what: 'the list after a retry' });
    expect(pageErrors).toEqual([]);
  });
});
