/**
 * Keeps each thread's stored quote close to its text, so that a thread whose text is later deleted
 * (detached) still shows the last words it was about. Only a page that edited the text writes,
 * about a second after its edits stop, and only quotes that changed. The words a thread last read
 * come from the page's own list of threads, which it reads again after every change to the text
 * (`noteLive`): a passage deleted within that second still leaves its last words, not the ones it
 * had when the thread was made.
 */
import * as Y from 'yjs';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { reboundAnchors } from '../../comments/anchor-rebinding';
import { hasThreads, readThreads, setThreadQuote } from '../../comments/comment-store';
import { listThreads, type ThreadView } from '../../comments/thread-list';
import { CONTENT_FIELD } from '../../editor/schema';
import { systemClock, type Clock, type TimerHandle } from '../page/clock';

export const QUOTE_UPDATE_DELAY_MS = 1_000;

/** Transaction origin of the quote updates, so they can be told from a person's comment. */
export const QUOTE_KEEPER_ORIGIN = 'tandem:quote-keeper';

export class QuoteKeeper {
  /** Each thread's last non-empty words while attached. */
  private readonly lastWords = new Map<string, string>();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly text: Y.Doc,
    private readonly comments: Y.Doc,
    private readonly clock: Clock = systemClock,
    private readonly delayMs = QUOTE_UPDATE_DELAY_MS,
  ) {
    text.on('update', this.onTextUpdate);
  }

  /** The threads as last listed: remembers the words of every attached one. */
  noteLive(views: readonly ThreadView[]): void {
    for (const view of views) if (!view.detached && view.quote.trim() !== '') this.lastWords.set(view.id, view.quote);
    // This page's own edit has just deleted a passage: its last words are written now, not a
    // second later, so that nobody sees the detached thread with older words meanwhile.
    if (this.timer !== null && views.some((view) => view.detached && view.quote !== this.lastWords.get(view.id) && this.lastWords.has(view.id))) this.flush();
  }

  /**
   * Anchors again every thread that is only found by its quote now (text a split or join wrote anew:
   * a resolved thread, which has no highlight to carry it), then writes every quote that differs from
   * the words its thread last read.
   */
  flush(): void {
    this.timer?.cancel();
    this.timer = null;
    // Both reads below walk the whole text (0.4 s on a book of 20,000 paragraphs): not for nothing.
    if (!hasThreads(this.comments)) return;
    const fragment = this.text.getXmlFragment(CONTENT_FIELD);
    reboundAnchors(this.comments, fragment, QUOTE_KEEPER_ORIGIN);
    this.noteLive(listThreads(this.comments, fragment));
    const stale = readThreads(this.comments).filter((thread) => {
      const words = this.lastWords.get(thread.id);
      return words !== undefined && words !== thread.quote;
    });
    if (stale.length === 0) return;
    this.comments.transact(() => {
      for (const thread of stale) setThreadQuote(this.comments, thread.id, this.lastWords.get(thread.id) ?? thread.quote, QUOTE_KEEPER_ORIGIN);
    }, QUOTE_KEEPER_ORIGIN);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.text.off('update', this.onTextUpdate);
  }

  private readonly onTextUpdate = (_update: Uint8Array, origin: unknown): void => {
    // The editor's own typing (through the binding) and its undo and redo; not what others sent.
    if (origin !== ySyncPluginKey && !(origin instanceof Y.UndoManager)) return;
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => this.flush(), this.delayMs);
  };
}
