/**
 * Share-link management in real Chromium against the real sync server: the creator of a document
 * makes a named edit link, a second person opens the document through it and types, the creator
 * revokes it, and the second page says so within a few seconds, stops, and still hands over the
 * text it holds as a download.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useBrowserHarness, waitUntil } from './harness';
import { actAs, connectionState, editor, openDocument, waitForState, waitForText } from './page-helpers';

const browser = useBrowserHarness();

async function personPage(person: { name: string; color: string }): Promise<Page> {
  const context = await browser.newContext();
  await actAs(context, person);
  return context.newPage();
}

describe('share links in the editor', { timeout: 120_000 }, () => {
  it('lets the owner make a named link and revoke it; the page using it shows the revoked screen and keeps its text', async () => {
    const alice = await personPage({ name: 'Alice', color: '#d9480f' });
    await alice.goto(browser.harness.appUrl);
    await alice.getByTestId('new-doc').click();
    await alice.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    await editor(alice).waitFor({ state: 'visible', timeout: 30_000 });
    await editor(alice).click();
    await alice.keyboard.type('Before the link.');
    await waitForState(alice, 'connected', 'saved');

    await alice.getByTestId('share-button').click();
    await alice.getByTestId('link-manager').waitFor({ state: 'visible', timeout: 10_000 });
    await alice.getByTestId('create-link-name').fill('Dana at Acme');
    await alice.getByTestId('create-link-role').selectOption('edit');
    await alice.getByTestId('create-link-expiry').selectOption('7');
    await alice.getByTestId('create-link-submit').click();
    const danaLink = await alice.getByTestId('created-link').inputValue();
    const row = alice.locator('[data-testid="link-row"][data-name="Dana at Acme"]');
    await row.waitFor({ state: 'visible' });
    expect(await row.getAttribute('data-state')).toBe('active');
    await alice.keyboard.press('Escape');

    const dana = await personPage({ name: 'Dana', color: '#1971c2' });
    await openDocument(dana, danaLink);
    await waitForText(dana, (text) => text.includes('Before the link.'), 'Dana to read the document');
    await editor(dana).click();
    await dana.keyboard.press('End');
    await dana.keyboard.type(' Dana was here.');
    await waitForState(dana, 'connected', 'saved');

    await alice.getByTestId('share-button').click();
    await row.getByTestId('link-revoke').click();
    await row.getByTestId('link-revoke-confirm').click();
    const revokedAt = Date.now();
    await waitUntil(async () => (await row.getAttribute('data-state')) === 'revoked', { what: 'the list to show the link revoked' });

    const screen = dana.getByTestId('link-ended');
    await screen.waitFor({ state: 'visible', timeout: 5_000 });
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
    expect(await screen.getAttribute('data-ending')).toBe('revoked');
    expect(await connectionState(dana)).toBe('ended');
    expect(await dana.getByText('Try again').count()).toBe(0);
    expect(await dana.getByTestId('link-ended-text').inputValue()).toContain('Dana was here.');
    await dana.getByTestId('document-menu').click();
    const [download] = await Promise.all([dana.waitForEvent('download'), dana.getByTestId('download-markdown').click()]);
    expect(await readFile(await download.path(), 'utf8')).toContain('Dana was here.');

    // Alice's own link is untouched, and she has what Dana wrote before the revocation.
    await waitForText(alice, (text) => text.includes('Dana was here.'), 'Alice to have Dana’s edit');
    expect(await connectionState(alice)).toBe('connected');
  });
});
