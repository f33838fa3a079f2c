import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { createThread, readThreads, setThreadResolved } from '../../lib/comments/comment-store';
import { anchorForQuote } from '../../lib/comments/thread-anchor';
import { listThreads } from '../../lib/comments/thread-list';
import { QUOTE_UPDATE_DELAY_MS, QuoteKeeper } from '../../lib/client/comments/quote-keeper';
import { ManualScheduler } from '../helpers/manual-scheduler';
import { contentOf, nthText, rewrite, textDocument } from '../comments/text-fixture';

const author = { name: 'Alice', color: '#d9480f' };

function setUp() {
  const text = textDocument('Alpha beta gamma delta.');
  const comments = new Y.Doc();
  const anchor = anchorForQuote(contentOf(text), 'beta gamma');
  if (anchor === null) throw new Error('no anchor');
  const thread = createThread(comments, { anchor, quote: 'beta gamma', body: 'Check.', author, now: 1 });
  const clock = new ManualScheduler();
  const keeper = new QuoteKeeper(text, comments, clock);
  const storedQuote = () => readThreads(comments)[0]?.quote;
  /** An edit as the editor's binding makes it. */
  const edit = (change: (words: Y.XmlText) => void) => text.transact(() => change(nthText(text, 0)), ySyncPluginKey);
  return { text, comments, thread, clock, keeper, storedQuote, edit };
}

describe('the quote a thread keeps', () => {
  it('follows this page’s edits about a second after they stop, and not others’ edits', () => {
    const { text, clock, keeper, storedQuote, edit } = setUp();
    edit((words) => words.insert('Alpha beta '.length, 'very '));
    clock.advance(QUOTE_UPDATE_DELAY_MS - 1);
    expect(storedQuote()).toBe('beta gamma');
    clock.advance(1);
    expect(storedQuote()).toBe('beta very gamma');

    // Another person's edit, arriving from the server: that page keeps the quote, not this one.
    text.transact(() => nthText(text, 0).insert('Alpha beta '.length, 'quite '), 'remote');
    clock.advance(QUOTE_UPDATE_DELAY_MS * 2);
    expect(storedQuote()).toBe('beta very gamma');
    keeper.stop();
  });

  it('keeps the last words of a passage deleted within that second, and the thread detached', () => {
    const { text, comments, clock, keeper, storedQuote, edit } = setUp();
    edit((words) => words.insert('Alpha beta '.length, 'very '));
    // The page lists its threads after each change; then the whole passage goes at once.
    keeper.noteLive(listThreads(comments, contentOf(text)));
    edit((words) => words.delete('Alpha '.length, 'beta very gamma'.length));
    // Listing the threads after the deletion writes the last words at once.
    keeper.noteLive(listThreads(comments, contentOf(text)));
    expect(storedQuote()).toBe('beta very gamma');
    clock.advance(QUOTE_UPDATE_DELAY_MS);
    expect(storedQuote()).toBe('beta very gamma');
    expect(listThreads(comments, contentOf(text))[0]).toMatchObject({ detached: true, quote: 'beta very gamma' });
    keeper.stop();
  });

  it('writes nothing once stopped', () => {
    const { clock, keeper, storedQuote, edit } = setUp();
    keeper.stop();
    edit((words) => words.insert('Alpha beta '.length, 'very '));
    clock.advance(QUOTE_UPDATE_DELAY_MS * 2);
    expect(storedQuote()).toBe('beta gamma');
  });
});

describe('a resolved thread whose paragraph is split before it', () => {
  it('is anchored again by the page that split it, at its next quiet second', () => {
    const { text, comments, thread, clock, keeper } = setUp();
    setThreadResolved(comments, thread.id, true);
    const anchorBefore = readThreads(comments)[0]?.anchor;
    // The split as the binding writes it: the second half of the paragraph as new characters.
    text.transact(() => rewrite(text, 'Alpha\n\nbeta gamma delta.'), ySyncPluginKey);
    clock.advance(QUOTE_UPDATE_DELAY_MS);
    const after = readThreads(comments)[0];
    expect(after?.anchor).not.toEqual(anchorBefore);
    expect(listThreads(comments, contentOf(text))[0]).toMatchObject({ detached: false, quote: 'beta gamma', resolved: true });
    keeper.stop();
  });
});
