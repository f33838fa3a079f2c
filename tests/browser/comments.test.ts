/**
 * Comments in real Chromium against the real sync server: two editors and a commenter on one
 * document. Threads made on each side reach the others with the author's name and colour; replies,
 * resolve and reopen; highlights that follow the text through concurrent edits; a deleted passage
 * leaving its thread detached with its last quote; a comment written offline arriving later, also
 * after the browser was closed; a restore of the text keeping every thread; and a commenter whose
 * keystrokes, paste and drop change nothing, for anyone, even after a reload. No policy violation.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseToken } from '../../lib/auth/capability-token';
import { useBrowserHarness, waitUntil } from './harness';
import { alice, bob, carol, editor, editorText, flushLocalCopy, openDocument, saveState, screenshot, waitForState, waitForText } from './page-helpers';
import {
  commentOn,
  highlightCount,
  highlightedText,
  newDocument,
  selectText,
  threadCard,
  threadsOn,
  timeUntil,
  waitForHighlight,
  waitForThread,
  watch,
  watchContext,
} from './comment-helpers';

const browser = useBrowserHarness();
const problems: string[] = [];

async function personPage(person: { name: string; color: string }): Promise<Page> {
  const context = await browser.newContext();
  await watchContext(context, person);
  const page = await context.newPage();
  watch(page, problems);
  return page;
}

/** Alice (owner), Bob (edit link) and Carol (comment link) on a new document Alice has written. */
async function threePeople(paragraphs: readonly string[]) {
  const links = await newDocument(browser.harness);
  const a = await personPage(alice);
  await openDocument(a, links.owner);
  await editor(a).click();
  for (const [index, paragraph] of paragraphs.entries()) {
    if (index > 0) await a.keyboard.press('Enter');
    await a.keyboard.type(paragraph);
  }
  const b = await personPage(bob);
  const c = await personPage(carol);
  await Promise.all([openDocument(b, links.edit), openDocument(c, links.comment)]);
  const expected = paragraphs.join('');
  for (const page of [a, b, c]) await waitForText(page, (text) => text === expected, 'everyone to have the text');
  await Promise.all([a, b, c].map((page) => waitForState(page, 'connected', 'saved')));
  return { a, b, c, links };
}

describe('comments in the browser', { timeout: 120_000 }, () => {
  it('shows a comment from each side to the others within a second, with replies, resolve and reopen', async () => {
    const { a, b, c, links } = await threePeople(['The plan is ready for review.', 'Budget goes here.']);
    await c.getByTestId('comment-only-badge').waitFor({ state: 'visible' });

    const fromAlice = await commentOn(a, 'ready for review', 'Is it, though?');
    const seenAt = await Promise.all(
      [b, c].map((page) => timeUntil(async () => (await highlightedText(page, fromAlice)) === 'ready for review' && (await threadCard(page, fromAlice).count()) === 1, 'Alice’s thread elsewhere')),
    );
    const fromCarol = await commentOn(c, 'Budget', 'Numbers by Friday, please.');
    const carolSeenAt = await Promise.all([a, b].map((page) => timeUntil(async () => (await highlightedText(page, fromCarol)) === 'Budget', 'Carol’s thread elsewhere')));
    console.log(`[figure] a new comment seen on the other pages after ${[...seenAt, ...carolSeenAt].join(', ')} ms (editor → others, commenter → others)`);

    for (const page of [a, b, c]) {
      const seen = await waitForThread(page, fromCarol, (thread) => thread.comments.length === 1, 'Carol’s thread');
      expect(seen.comments[0]).toEqual({ author: 'Carol', color: carol.color, body: 'Numbers by Friday, please.' });
      expect(seen.quote).toBe('Budget');
      // Document order: Alice's passage comes first in the text.
      expect((await threadsOn(page)).map((thread) => thread.id)).toEqual([fromAlice, fromCarol]);
    }

    // Bob replies to Alice; everyone sees it under hers, in his name and colour.
    await threadCard(b, fromAlice).getByTestId('comment-reply-input').fill('It is.');
    await threadCard(b, fromAlice).getByTestId('comment-reply-submit').click();
    for (const page of [a, c]) {
      const seen = await waitForThread(page, fromAlice, (thread) => thread.comments.length === 2, 'Bob’s reply');
      expect(seen.comments).toEqual([
        { author: 'Alice', color: alice.color, body: 'Is it, though?' },
        { author: 'Bob', color: bob.color, body: 'It is.' },
      ]);
    }

    // Clicking a highlight opens its thread; the thread's quote selects its text.
    await c.locator(`[data-comment-thread="${fromCarol}"]`).first().click();
    await waitUntil(async () => (await threadCard(c, fromCarol).getAttribute('data-active')) === 'true', { what: 'the clicked thread to be active' });
    await threadCard(a, fromAlice).getByTestId('comment-quote').click();
    await waitUntil(async () => (await a.evaluate(() => window.getSelection()?.toString())) === 'ready for review', { what: 'the quote to select its text' });

    // Carol, a commenter, resolves Alice's thread: its highlight goes everywhere, it moves to Resolved.
    await threadCard(c, fromAlice).getByTestId('comment-resolve').click();
    for (const page of [a, b, c]) {
      await waitForThread(page, fromAlice, (thread) => thread.resolved, 'the thread resolved');
      await waitForHighlight(page, fromAlice, '', 'the resolved highlight to go');
      expect(await page.locator(`[data-testid="comment-resolved-list"] [data-thread-id="${fromAlice}"]`).count()).toBe(1);
    }
    expect(await highlightedText(a, fromCarol)).toBe('Budget');
    await screenshot(a, 'comments-resolved');
    await b.getByTestId('comment-resolved-list').locator('summary').click();
    await threadCard(b, fromAlice).getByTestId('comment-reopen').click();
    for (const page of [a, b, c]) {
      await waitForThread(page, fromAlice, (thread) => !thread.resolved, 'the thread reopened');
      await waitForHighlight(page, fromAlice, 'ready for review', 'the highlight back');
    }

    // A comment through the HTTP API appears live on every page, anchored on its quote.
    const posted = await fetch(`http://127.0.0.1:${browser.harness.syncPort}/docs/${links.id}/comments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${links.ownerToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ quote: 'goes here', body: 'From a script.', author: { name: 'Robot', color: '#5f3dc4' } }),
    });
    expect(posted.status).toBe(201);
    const { id: fromApi } = (await posted.json()) as { id: string };
    for (const page of [a, b, c]) {
      await waitForHighlight(page, fromApi, 'goes here', 'the API’s comment highlighted');
      const seen = await waitForThread(page, fromApi, (thread) => thread.comments.length === 1, 'the API’s thread');
      expect(seen.comments[0]).toEqual({ author: 'Robot', color: '#5f3dc4', body: 'From a script.' });
    }

    // Bob edits and then deletes his own reply; nobody else is offered either on his comment.
    const bobsReply = threadCard(b, fromAlice).locator('[data-testid="comment"]').nth(1);
    expect(await threadCard(a, fromAlice).locator('[data-testid="comment"]').nth(1).getByTestId('comment-edit').count()).toBe(0);
    expect(await threadCard(b, fromAlice).locator('[data-testid="comment"]').nth(0).getByTestId('comment-edit').count()).toBe(0);
    await bobsReply.getByTestId('comment-edit').click();
    await bobsReply.getByTestId('comment-edit-input').fill('It is, since Monday.');
    await bobsReply.getByTestId('comment-edit-submit').click();
    await waitForThread(a, fromAlice, (thread) => thread.comments[1]?.body === 'It is, since Monday.', 'the edited reply at Alice');
    await bobsReply.getByTestId('comment-delete').click();
    await waitForThread(c, fromAlice, (thread) => thread.comments.length === 1, 'the deleted reply gone at Carol');

    // On a phone the comments come below the text.
    await c.setViewportSize({ width: 390, height: 844 });
    const text = await editor(c).boundingBox();
    const sidebar = await c.getByTestId('comments-sidebar').boundingBox();
    expect(text !== null && sidebar !== null && sidebar.y >= text.y + text.height).toBe(true);
    await screenshot(c, 'comments-phone');
    await c.setViewportSize({ width: 1280, height: 800 });

    // The share dialog hands on a "Can comment" link; a commenter's offers it and the view link only.
    await a.getByTestId('share-button').click();
    const commentLink = await a.getByTestId('share-comment-link').inputValue();
    expect(parseToken(commentLink.split('#token=')[1] ?? '')?.role).toBe('comment');
    await a.getByTestId('create-link-role').selectOption('comment');
    await a.keyboard.press('Escape');
    await c.getByTestId('share-button').click();
    expect(await c.getByTestId('share-comment-link').inputValue()).toBe(commentLink);
    expect(await c.getByTestId('share-edit-link').count()).toBe(0);
    await c.keyboard.press('Escape');

    // A viewer sees the text and nothing of the comments, and opens no comments connection.
    const viewer = await personPage(carol);
    const sockets: string[] = [];
    viewer.on('websocket', (socket) => sockets.push(socket.url()));
    await openDocument(viewer, links.view);
    await waitForText(viewer, (text) => text.includes('Budget goes here.'), 'the viewer to read');
    await waitForState(viewer, 'connected', 'saved');
    expect(await viewer.getByTestId('comments-sidebar').count()).toBe(0);
    expect(await highlightCount(viewer)).toBe(0);
    expect(sockets.some((url) => url.includes('%2Fcomments'))).toBe(false);
    await screenshot(c, 'comments-commenter');
  });

  it('keeps a commenter’s keystrokes, paste and drop out of the text, for everyone and after a reload', async () => {
    const { a, c, links } = await threePeople(['Nobody edits this but us.']);
    expect(await editor(c).getAttribute('contenteditable')).toBe('false');
    await editor(c).click();
    await c.keyboard.type('VANDALISM');
    await c.keyboard.press('Enter');
    await c.keyboard.press('Backspace');
    await c.keyboard.press('Control+a');
    await c.keyboard.press('Delete');
    await editor(c).evaluate((element) => {
      const data = new DataTransfer();
      data.setData('text/plain', 'PASTED');
      element.querySelector('p')?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      const dropped = new DataTransfer();
      dropped.setData('text/plain', 'DROPPED');
      element.querySelector('p')?.dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true, clientX: 10, clientY: 10 }));
    });
    // A comment from the same page (by its shortcut, Ctrl+Alt+M) goes through and round-trips
    // through the server; nothing the keys did went with it.
    await selectText(c, 'edits this');
    await c.keyboard.press('Control+Alt+m');
    await c.getByTestId('comment-input').fill('Only a comment.');
    await c.getByTestId('comment-submit').click();
    const thread = await waitUntil(async () => (await threadsOn(c))[0]?.id ?? null, { what: 'the commenter’s thread' });
    if (thread === null) throw new Error('no thread');
    await waitForThread(a, thread, (seen) => seen.comments.length === 1, 'the commenter’s comment at Alice');
    await waitForState(c, 'connected', 'saved');
    expect(await editorText(c)).toBe('Nobody edits this but us.');
    expect(await editorText(a)).toBe('Nobody edits this but us.');
    await c.reload();
    await editor(c).waitFor({ state: 'visible', timeout: 30_000 });
    await waitForState(c, 'connected', 'saved');
    await waitForThread(c, thread, (seen) => !seen.detached, 'the thread after the reload').catch(async (error: Error) => {
      throw new Error(`${error.message}; text ${JSON.stringify(await editorText(c))}`);
    });
    await waitForHighlight(c, thread, 'edits this', 'the highlight after the reload');
    expect(await editorText(c)).toBe('Nobody edits this but us.');
    const fresh = await personPage(bob);
    await openDocument(fresh, links.edit);
    await waitForText(fresh, (text) => text === 'Nobody edits this but us.', 'a fresh reader to see the text unchanged');
  });

  it('follows the text through concurrent edits, and keeps a deleted passage’s thread as detached with its last quote', async () => {
    const { a, b, c } = await threePeople(['Alpha beta gamma delta.', 'Second line.']);
    const thread = await commentOn(c, 'beta gamma', 'Check these two words.');
    for (const page of [a, b]) await waitForHighlight(page, thread, 'beta gamma', 'the highlight');

    // Alice types just before the passage while Bob types inside it and after it.
    await selectText(a, 'Alpha ');
    await a.keyboard.press('ArrowRight');
    await selectText(b, 'gamma');
    await b.keyboard.press('ArrowLeft');
    await Promise.all([a.keyboard.type('NEW '), b.keyboard.type('very ')]);
    await selectText(b, ' delta');
    await b.keyboard.press('ArrowLeft');
    await b.keyboard.type(' (after)');
    for (const page of [a, b, c]) {
      await waitForText(page, (text) => text === 'Alpha NEW beta very gamma (after) delta.Second line.', 'the concurrent edits merged');
      await waitForHighlight(page, thread, 'beta very gamma', 'the highlight to cover the passage and no more');
    }
    // Split the paragraph right after the passage: the highlight stays on it.
    await selectText(a, ' (after)');
    await a.keyboard.press('ArrowLeft');
    await a.keyboard.press('Enter');
    for (const page of [a, b, c]) {
      await waitUntil(async () => (await editor(page).locator('p').count()) === 3, { what: 'the split' });
      await waitForHighlight(page, thread, 'beta very gamma', 'the highlight after the split');
    }
    // Split the paragraph just before the passage, then join the line after it onto it: the
    // binding writes the moved text as new characters, and the page that did it anchors the
    // thread again where the passage went.
    await selectText(b, 'beta very');
    await b.keyboard.press('ArrowLeft');
    await b.keyboard.press('Enter');
    for (const page of [a, b, c]) {
      await waitUntil(async () => (await editor(page).locator('p').count()) === 4, { what: 'the split before the passage' });
      await waitForHighlight(page, thread, 'beta very gamma', 'the highlight after the split before it');
    }
    await selectText(b, 'beta very');
    await b.keyboard.press('ArrowLeft');
    await b.keyboard.press('Backspace');
    for (const page of [a, b, c]) {
      await waitUntil(async () => (await editor(page).locator('p').count()) === 3, { what: 'the join' });
      await waitForHighlight(page, thread, 'beta very gamma', 'the highlight after the join');
      await waitForThread(page, thread, (seen) => !seen.detached, 'the thread attached after the join');
    }
    // The editor who changed the passage stores its new words as the quote (about a second later).
    await waitForThread(c, thread, (seen) => seen.quote === 'beta very gamma', 'the live quote');

    // Bob deletes the passage: the thread stays, detached, showing the words it was about.
    await selectText(b, 'beta very gamma');
    await b.keyboard.press('Delete');
    for (const page of [a, b, c]) {
      const seen = await waitForThread(page, thread, (candidate) => candidate.detached && candidate.quote === 'beta very gamma', 'the thread detached with its last words');
      expect(seen.comments.map((comment) => comment.body)).toEqual(['Check these two words.']);
      expect(await highlightedText(page, thread)).toBe('');
    }
    await screenshot(c, 'comments-detached');
  });

  it('posts a comment written offline when the connection returns, also after the browser was closed', async () => {
    const { a, links } = await threePeople(['Offline reviewers welcome.']);
    const first = await browser.harness.persistentContext();
    await watchContext(first.context, bob);
    const laptop = first.context.pages()[0] ?? (await first.context.newPage());
    watch(laptop, problems);
    await openDocument(laptop, links.edit);
    await waitForState(laptop, 'connected', 'saved');
    await first.context.setOffline(true);
    await waitForState(laptop, 'offline', undefined, 5_000);
    // Nothing unsent yet: the text is saved. A comment written now is not, and the page says so.
    expect(await saveState(laptop)).toBe('saved');
    const thread = await commentOn(laptop, 'reviewers', 'Written on the train.');
    await waitUntil(async () => (await saveState(laptop)) === 'unsaved', { what: '"Not saved yet" for the offline comment' });
    expect((await threadsOn(a)).some((seen) => seen.id === thread)).toBe(false);
    await flushLocalCopy(laptop, `${links.id}/comments`);
    await first.context.close();

    const second = await browser.persistentContext(first.dir);
    await watchContext(second.context, bob);
    const reopened = second.context.pages()[0] ?? (await second.context.newPage());
    watch(reopened, problems);
    await openDocument(reopened, links.edit);
    await waitForState(reopened, 'connected', 'saved');
    const seen = await waitForThread(a, thread, (candidate) => candidate.comments.length === 1, 'the offline comment at Alice');
    expect(seen.comments[0]).toEqual({ author: 'Bob', color: bob.color, body: 'Written on the train.' });
    await waitForHighlight(a, thread, 'reviewers', 'its highlight at Alice');

    // Offline and back on the same page: the comment goes when the network does.
    await a.context().setOffline(true);
    await waitForState(a, 'offline', undefined, 5_000);
    const second2 = await commentOn(a, 'welcome', 'And back.');
    await a.context().setOffline(false);
    await waitForThread(reopened, second2, (candidate) => candidate.comments.length === 1, 'the comment made offline, after reconnecting');
    await waitForState(a, 'connected', 'saved');
  });

  it('keeps every thread through a restore of the text; threads whose text the restore removed become detached', async () => {
    const { a, b, links } = await threePeople(['Kept paragraph.']);
    const sync = `http://127.0.0.1:${browser.harness.syncPort}`;
    const auth = { Authorization: `Bearer ${links.ownerToken}`, 'Content-Type': 'application/json' };
    const named = await fetch(`${sync}/docs/${links.id}/versions`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Before the draft' }) });
    expect(named.status).toBe(201);
    const version = (await named.json()) as { id: number };
    await editor(a).click();
    await a.keyboard.press('Control+End');
    await a.keyboard.press('Enter');
    await a.keyboard.type('Draft paragraph.');
    await waitForText(b, (text) => text === 'Kept paragraph.Draft paragraph.', 'the draft at Bob');
    const onKept = await commentOn(b, 'Kept', 'Keep this.');
    const onDraft = await commentOn(b, 'Draft', 'Not sure about this.');
    await waitForThread(a, onDraft, () => true, 'the draft thread at Alice');

    const restored = await fetch(`${sync}/docs/${links.id}/versions/${version.id}/restore`, { method: 'POST', headers: auth });
    expect(restored.status).toBe(200);
    for (const page of [a, b]) {
      await waitForText(page, (text) => text === 'Kept paragraph.', 'the restored text');
      await waitForThread(page, onDraft, (seen) => seen.detached && seen.quote === 'Draft', 'the draft thread detached, kept');
      await waitForThread(page, onKept, (seen) => !seen.detached, 'the kept thread attached');
      await waitForHighlight(page, onKept, 'Kept', 'the kept highlight');
    }
  });

  it('reported no policy violation and no uncaught error in any page', () => {
    expect(problems).toEqual([]);
  });
});
