/**
 * Moving threads whose text was found again by their last quote (anchor-recovery.ts) onto the
 * characters they read now, so later edits move them by themselves again instead of by a search.
 * Browser-safe.
 */
import type * as Y from 'yjs';
import { readThreads, setThreadAnchor } from './comment-store';
import { flattenText } from './flattened-text';
import { anchorOfRange, resolveAnchorIn } from './thread-anchor';

/**
 * Gives every such thread a new anchor, in one transaction with `origin`; returns how many moved.
 * Meant for whoever changed the text (the editor after its own edits, the server after its writes):
 * replicas doing it at once write equal anchors, and the last write wins.
 */
export function reboundAnchors(comments: Y.Doc, text: Y.XmlFragment, origin?: unknown): number {
  const flat = flattenText(text);
  const moves = readThreads(comments).flatMap((thread) => {
    const range = resolveAnchorIn(text, flat, thread.anchor, thread.quote);
    const anchor = range?.rebound === true ? anchorOfRange(flat, range.from, range.to) : null;
    return anchor === null ? [] : [{ id: thread.id, anchor }];
  });
  if (moves.length > 0) comments.transact(() => moves.forEach((move) => setThreadAnchor(comments, move.id, move.anchor, origin)), origin);
  return moves.length;
}
