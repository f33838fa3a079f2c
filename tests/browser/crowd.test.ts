/**
 * A crowded document in real Chromium: the page names a few people and counts the rest, sees the
 * caret of whoever writes, and stops counting once the crowd thins out. The server here calls more
 * than eight people a crowd (PRESENCE_CROWD_SIZE; sync-server/room/presence-audience.ts).
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { tokenFromFragment } from '../../lib/client/documents/create-document';
import { connectClient, waitForSync } from '../helpers/server-harness';
import { useBrowserHarness, waitUntil } from './harness';
import { NAMED_PEOPLE } from '../../app/components/presence/presence-list';
import { actAs, alice, documentIdOf, editor, screenshot, waitForText } from './page-helpers';

const browser = useBrowserHarness({ syncEnv: { PRESENCE_CROWD_SIZE: '8' } });

describe('a crowded document in the browser', { timeout: 120_000 }, () => {
  it('names the first people, counts the rest, shows the caret of whoever writes, and stops counting when the crowd thins', async () => {
    const context = await browser.newContext();
    await actAs(context, alice);
    const page = await context.newPage();
    await page.goto(browser.harness.appUrl);
    await page.getByTestId('new-doc').click();
    await page.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    await editor(page).waitFor({ state: 'visible', timeout: 30_000 });
    const token = tokenFromFragment(new URL(page.url()).hash)!;
    const url = `ws://127.0.0.1:${browser.harness.syncPort}`;

    const others: WebsocketProvider[] = [];
    const join = async (name: string): Promise<WebsocketProvider> => {
      const person = connectClient(url, documentIdOf(page.url()), new Y.Doc(), { token });
      person.awareness.setLocalStateField('user', { name, color: '#1971c2' });
      await waitForSync(person);
      others.push(person);
      return person;
    };
    const more = () => page.getByTestId('presence-more');
    try {
      // Alice and seven readers: eight, not a crowd. The writer makes nine, and the late joiner ten.
      for (let i = 1; i <= 7; i++) await join(`Reader ${i}`);
      const writer = await join('Writer');
      // A stock client that joins the crowd is sent the active people only: nobody yet.
      const late = await join('Late');
      const seenByLate = () => [...late.awareness.getStates().keys()].filter((id) => id !== late.awareness.clientID);
      expect(seenByLate()).toEqual([]);

      await waitUntil(async () => (await more().count()) === 1 && (await more().textContent()) === '+4', { what: '"+4" beside the named people' });
      expect(await page.getByTestId('presence-user').count()).toBe(NAMED_PEOPLE);
      expect(await page.locator('[data-testid="presence-user"] .presence__name').first().textContent()).toBe('Alice (you)');
      await screenshot(page, 'crowd-presence');

      // The writer came into the crowd unseen; its first edit brings its caret with it.
      const paragraph = new Y.XmlElement('paragraph');
      const text = new Y.XmlText();
      writer.doc.transact(() => {
        writer.doc.getXmlFragment('content').insert(0, [paragraph]);
        paragraph.insert(0, [text]);
        text.insert(0, 'Hello from the writer');
      });
      const caret = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, text.length));
      writer.awareness.setLocalStateField('cursor', { anchor: caret, head: caret });
      await waitForText(page, (content) => content.includes('Hello from the writer'), 'the writer’s text on the page');
      await waitUntil(async () => (await page.locator('.collaboration-carets__caret', { hasText: 'Writer' }).count()) === 1, { what: 'the writer’s caret' });
      expect(await page.locator('.collaboration-carets__caret').count()).toBe(1); // the readers have none
      await waitUntil(() => seenByLate().includes(writer.awareness.clientID), { what: 'the writer at the late stock client' });
      expect(seenByLate()).toEqual([writer.awareness.clientID]);

      // Four readers leave: six people, not a crowd any more; everyone is named again.
      for (const reader of others.splice(0, 4)) reader.destroy();
      await waitUntil(async () => (await more().count()) === 0, { what: 'the count to go' });
      await waitUntil(async () => (await page.getByTestId('presence-user').count()) === 6, { what: 'six named people' });
    } finally {
      for (const person of others) person.destroy();
    }
  });
});
