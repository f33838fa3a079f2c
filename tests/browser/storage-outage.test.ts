/**
 * The sync server's disk fills up while a person types. The server is still there, so the editor
 * must stay connected (no "Offline", no reconnect loop), say truthfully that the server cannot save
 * and that the edits are kept, lose nothing, and show "Saved" again once space is freed, on the same
 * connection. DATA_DIR is a real 16 MB tmpfs, filled with a filler file until ENOSPC.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { fillDisk, mountSmallDisk, type SmallDisk } from '../helpers/small-disk';
import { BrowserHarness, waitUntil } from './harness';
import { actAs, alice, carol, connectionState, editor, openDocument, saveState, screenshot, waitForState, waitForText } from './page-helpers';

let harness: BrowserHarness | null = null;
let dataDir: string | null = null;
let disk: SmallDisk | null = null;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  disk = await mountSmallDisk(16, 'tests/browser/storage-outage.test.ts');
  dataDir = disk.dir;
  harness = await BrowserHarness.start({ dataDir });
}, 360_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await harness?.close();
  await disk?.unmount();
}, 60_000);

async function personPage(person: { name: string; color: string }): Promise<Page> {
  if (harness === null) throw new Error('no harness');
  const context = await harness.newContext();
  contexts.push(context);
  await actAs(context, person);
  return context.newPage();
}

async function connectionCloses(syncPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${syncPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('tandem_connection_closes_total'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

async function problemKind(page: Page): Promise<string | null> {
  const banner = page.getByTestId('problem');
  return (await banner.count()) === 0 ? null : banner.getAttribute('data-kind');
}

describe('a full disk on the sync server', { timeout: 120_000 }, () => {
  it('keeps the editor connected and truthful, loses nothing, and is saved again once space is freed', async () => {
    if (harness === null || dataDir === null) throw new Error('no harness');
    const page = await personPage(alice);
    let sockets = 0;
    page.on('websocket', () => sockets++);
    await page.goto(harness.appUrl);
    await page.getByTestId('new-doc').click();
    await page.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    const link = page.url();
    await editor(page).waitFor({ state: 'visible', timeout: 30_000 });
    await editor(page).click();
    await page.keyboard.type('Before the disk filled.');
    await waitForState(page, 'connected', 'saved');
    const socketsBefore = sockets;
    const closesBefore = await connectionCloses(harness.syncPort);

    // A person keeps typing while the disk fills up underneath the server.
    const words: string[] = [];
    let typing = true;
    const typist = (async () => {
      for (let i = 0; typing && i < 300; i++) {
        const word = ` w${i}`;
        await page.keyboard.type(word);
        words.push(word);
      }
    })();
    const filler = path.join(dataDir, 'filler');
    const filled = await fillDisk(filler);
    const filledAt = Date.now();
    await waitUntil(async () => (await problemKind(page)) === 'storage-degraded', { timeoutMs: 20_000, what: 'the storage warning' });
    const warnedAfter = Date.now() - filledAt;

    // Several seconds of outage, typing for the first of them: never offline, never "Saved", always explained.
    const samples: string[] = [];
    const watchStart = Date.now();
    while (Date.now() - watchStart < 6_000) {
      if (Date.now() - watchStart > 1_500) typing = false;
      samples.push(`${await connectionState(page)}/${await saveState(page)}/${await problemKind(page)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    typing = false;
    await typist;
    const connectedFor = Date.now() - filledAt;
    expect(new Set(samples)).toEqual(new Set(['connected/paused/storage-degraded']));
    expect(await page.getByTestId('problem').textContent()).toContain('The server cannot save right now.');
    expect(await page.getByTestId('save-status').textContent()).toBe('Saving paused');
    expect(sockets).toBe(socketsBefore);
    await screenshot(page, 'storage-degraded');

    await rm(filler);
    const freedAt = Date.now();
    await waitForState(page, 'connected', 'saved', 20_000);
    const savedAfter = Date.now() - freedAt;
    expect(await problemKind(page)).toBeNull();
    expect(sockets).toBe(socketsBefore);
    expect(await connectionCloses(harness.syncPort)).toBe(closesBefore);
    console.log(
      `[figure] disk full (${(filled / 1024 / 1024).toFixed(1)} MB filler): storage warning after ${warnedAfter} ms; ` +
        `stayed connected for ${connectedFor} ms (${samples.length} samples, ${words.length} words typed); ` +
        `"Saved" ${savedAfter} ms after the disk was freed; WebSocket connections opened: ${sockets} (no reconnect)`,
    );

    const expected = `Before the disk filled.${words.join('')}`;
    const reader = await personPage(carol);
    await openDocument(reader, link);
    await waitForText(reader, (text) => text === expected, 'a fresh reader to see everything typed during the outage');
  });
});
