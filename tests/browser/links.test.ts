/**
 * The editor in real Chromium shows links a stock Yjs client wrote straight into the document: the
 * ones the link policy allows lead where they say, the others keep their text and lead nowhere.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { tokenFromFragment } from '../../lib/client/documents/create-document';
import { connectClient, waitForSync } from '../helpers/server-harness';
import { useBrowserHarness } from './harness';
import { actAs, documentIdOf, editor, waitForText } from './page-helpers';

const browser = useBrowserHarness();

describe('links in the editor', { timeout: 90_000 }, () => {
  it('renders a link a stock client wrote only when the link policy allows its target', async () => {
    const context = await browser.newContext();
    await actAs(context, { name: 'Alice', color: '#d9480f' });
    const page = await context.newPage();
    await page.goto(browser.harness.appUrl);
    await page.getByTestId('new-doc').click();
    await page.waitForURL(/\/d\/[A-Za-z0-9_-]{22}#token=/);
    await editor(page).waitFor({ state: 'visible', timeout: 30_000 });
    const token = tokenFromFragment(new URL(page.url()).hash);
    expect(token).not.toBeNull();

    const mallory = connectClient(`ws://127.0.0.1:${browser.harness.syncPort}`, documentIdOf(page.url()), new Y.Doc(), { token: token! });
    try {
      await waitForSync(mallory);
      const links: Array<[string, string]> = [
        ['one', 'javascript:alert(1)'],
        ['two', '&#106;avascript:alert(2)'],
        ['three', '%6Aavascript:alert(3)'],
        ['four', 'data:text/html,<script>alert(4)</script>'],
        ['five', 'https://ok.example/fine'],
        ['six', '#top'],
      ];
      mallory.doc.transact(() => {
        const paragraph = new Y.XmlElement('paragraph');
        mallory.doc.getXmlFragment('content').insert(0, [paragraph]);
        const text = new Y.XmlText();
        paragraph.insert(0, [text]);
        for (const [word, href] of links) {
          text.insert(text.length, word, { link: { href } });
          text.insert(text.length, ' ', { link: null });
        }
      });
      await waitForText(page, (text) => text.includes('six'), 'the editor to show the links');

      const anchors = await editor(page).evaluate((element) =>
        [...element.querySelectorAll('a')].map((anchor) => ({ text: anchor.textContent, href: anchor.getAttribute('href') })),
      );
      expect(anchors).toEqual([
        { text: 'one', href: '' },
        { text: 'two', href: '' },
        { text: 'three', href: '' },
        { text: 'four', href: '' },
        { text: 'five', href: 'https://ok.example/fine' },
        { text: 'six', href: '#top' },
      ]);
    } finally {
      mallory.destroy();
    }
  });
});
