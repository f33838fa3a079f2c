/**
 * Keeps each thread's stored quote close to its text, so that a thread whose text is later deleted
 * (detached) still shows the last words it was about. Only the page that edited the text writes,
 * about a second after its edits stop, and only quotes that changed and still read as something:
 * an emptied range is exactly when the old quote must be kept.
 */
import * as Y from 'yjs';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { readThreads, setThreadQuote } from '../../comments/comment-store';
import { listThreads } from '../../comments/thread-list';
import { CONTENT_FIELD } from '../../editor/schema';
import { systemClock, type Clock, type TimerHandle } from '../page/clock';

export const QUOTE_UPDATE_DELAY_MS = 1_000;

/** Transaction origin of the quote updates, so they can be told from a person's comment. */
export const QUOTE_KEEPER_ORIGIN = 'tandem:quote-keeper';

/** The threads whose stored quote differs from their live, non-empty text: id → the live text. */
export function staleQuotes(comments: Y.Doc, text: Y.XmlFragment): Map<string, string> {
  const stored = new Map(readThreads(comments).map((thread) => [thread.id, thread.quote]));
  const stale = new Map<string, string>();
  for (const view of listThreads(comments, text)) {
    if (view.detached || view.quote.trim() === '') continue;
    if (stored.get(view.id) !== view.quote) stale.set(view.id, view.quote);
  }
  return stale;
}

/** Watches the text document for this page's own edits; returns a stop function. */
export function keepQuotesCurrent(text: Y.Doc, comments: Y.Doc, clock: Clock = systemClock, delayMs = QUOTE_UPDATE_DELAY_MS): () => void {
  let timer: TimerHandle | null = null;
  const update = () => {
    timer = null;
    const stale = staleQuotes(comments, text.getXmlFragment(CONTENT_FIELD));
    if (stale.size === 0) return;
    comments.transact(() => {
      for (const [threadId, quote] of stale) setThreadQuote(comments, threadId, quote, QUOTE_KEEPER_ORIGIN);
    }, QUOTE_KEEPER_ORIGIN);
  };
  const onUpdate = (_update: Uint8Array, origin: unknown) => {
    // The editor's own typing (through the binding) and its undo/redo; not what others sent.
    if (origin !== ySyncPluginKey && !(origin instanceof Y.UndoManager)) return;
    timer?.cancel();
    timer = clock.setTimeout(update, delayMs);
  };
  text.on('update', onUpdate);
  return () => {
    timer?.cancel();
    text.off('update', onUpdate);
  };
}
