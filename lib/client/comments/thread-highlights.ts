/**
 * The highlight source the editor draws from (lib/editor/comment-highlights.ts): the open threads
 * of a comments document, decoded, and which one the reader is looking at. Resolved threads are
 * not highlighted; a detached one draws nothing by itself (both its ends are in one place). When
 * this page's own edit carries a passage to new characters (a split or a join), the thread is
 * anchored again there, by the one page that knows exactly where the passage went.
 */
import type * as Y from 'yjs';
import { anchorFromPositions, decodeAnchor } from '../../comments/thread-anchor';
import { observeThreads, readThreads, setThreadAnchor } from '../../comments/comment-store';
import type { HighlightRange, HighlightSource, TypeIndex } from '../../editor/comment-highlights';

/** Transaction origin of an anchor moved by this page's edit. */
export const REANCHOR_ORIGIN = 'tandem:reanchor';

/** Observes the comments document only while someone listens: nothing to dispose of by hand. */
export class ThreadHighlights implements HighlightSource {
  private activeId: string | null = null;
  private readonly listeners = new Set<() => void>();
  private stopObserving: (() => void) | null = null;
  private decoded: readonly HighlightRange[] | null = null;

  constructor(private readonly comments: Y.Doc) {}

  /** Decoded once per change of the threads while observed: the editor asks on every local edit. */
  ranges(): readonly HighlightRange[] {
    if (this.decoded !== null) return this.decoded;
    const ranges = readThreads(this.comments)
      .filter((thread) => !thread.resolved)
      .map((thread) => ({ id: thread.id, ...decodeAnchor(thread.anchor) }));
    if (this.stopObserving !== null) this.decoded = ranges;
    return ranges;
  }

  /** This page split or joined the paragraph of a thread's passage: anchor it where the passage went. */
  moved(threadId: string, start: TypeIndex, end: TypeIndex): void {
    setThreadAnchor(this.comments, threadId, anchorFromPositions(start, end), REANCHOR_ORIGIN);
  }

  active(): string | null {
    return this.activeId;
  }

  setActive(threadId: string | null): void {
    if (threadId === this.activeId) return;
    this.activeId = threadId;
    this.emit();
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    this.stopObserving ??= observeThreads(this.comments, () => {
      this.decoded = null;
      this.emit();
    });
    return () => {
      this.listeners.delete(onChange);
      if (this.listeners.size > 0) return;
      this.stopObserving?.();
      this.stopObserving = null;
      this.decoded = null;
    };
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
