/**
 * The highlight source the editor draws from (lib/editor/comment-highlights.ts): the open threads
 * of a comments document, decoded, and which one the reader is looking at. Resolved threads are
 * not highlighted; a detached one draws nothing by itself (both its ends are in one place).
 */
import type * as Y from 'yjs';
import { decodeAnchor } from '../../comments/thread-anchor';
import { observeThreads, readThreads } from '../../comments/comment-store';
import type { HighlightRange, HighlightSource } from '../../editor/comment-highlights';

/** Observes the comments document only while someone listens: nothing to dispose of by hand. */
export class ThreadHighlights implements HighlightSource {
  private activeId: string | null = null;
  private readonly listeners = new Set<() => void>();
  private stopObserving: (() => void) | null = null;

  constructor(private readonly comments: Y.Doc) {}

  ranges(): readonly HighlightRange[] {
    return readThreads(this.comments)
      .filter((thread) => !thread.resolved)
      .map((thread) => ({ id: thread.id, ...decodeAnchor(thread.anchor) }));
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
    this.stopObserving ??= observeThreads(this.comments, () => this.emit());
    return () => {
      this.listeners.delete(onChange);
      if (this.listeners.size > 0) return;
      this.stopObserving?.();
      this.stopObserving = null;
    };
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
