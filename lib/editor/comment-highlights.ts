/**
 * Comment highlights: each open thread's anchored text drawn as a ProseMirror decoration carrying
 * `data-comment-thread="<thread id>"`. Decorations, never marks: a mark would be an edit of the text,
 * which a commenter may not make and which would travel to everyone as a change of the document.
 *
 * Anchors are Yjs relative positions into the text document; y-tiptap's binding turns them into
 * editor positions. That needs the binding's Y-to-ProseMirror mapping to be current, which it is
 * when the binding dispatches (a remote change, the first render) and when the threads change,
 * but not while a local keystroke is being applied (the binding writes it to Yjs after). So a
 * local edit maps the decorations it already has (exact for the range it changes), and everything
 * else draws them again from the anchors.
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import {
  absolutePositionToRelativePosition,
  relativePositionToAbsolutePosition,
  ySyncPluginKey,
  type ProsemirrorBinding,
} from '@tiptap/y-tiptap';
import * as Y from 'yjs';

/** One open thread's anchor, decoded. */
export interface HighlightRange {
  readonly id: string;
  readonly start: Y.RelativePosition;
  readonly end: Y.RelativePosition;
}

/** Where the highlights come from: the open threads, and a signal when they change. */
export interface HighlightSource {
  ranges(): readonly HighlightRange[];
  /** The thread the reader is looking at, drawn stronger; null for none. */
  active(): string | null;
  subscribe(onChange: () => void): () => void;
  /**
   * This editor's own edit moved a thread's passage to characters its anchor does not follow (the
   * binding rewrites the text of a paragraph that is split or joined): here is where the passage
   * is now, for the thread to be anchored again.
   */
  moved?(threadId: string, start: TypeIndex, end: TypeIndex): void;
}

export interface CommentHighlightsOptions {
  readonly source: HighlightSource | null;
}

interface HighlightState {
  readonly set: DecorationSet;
  /** Where this editor's own edit changed the document (the set was mapped through it), or null. */
  readonly touched: { readonly from: number; readonly to: number } | null;
}

export const commentHighlightsKey = new PluginKey<HighlightState>('commentHighlights');
const REDRAW = 'commentHighlightsRedraw';
export const HIGHLIGHT_CLASS = 'comment-highlight';

export const CommentHighlights = Extension.create<CommentHighlightsOptions>({
  name: 'commentHighlights',

  addOptions() {
    return { source: null };
  },

  addProseMirrorPlugins() {
    const source = this.options.source;
    if (source === null) return [];
    return [
      new Plugin<HighlightState>({
        key: commentHighlightsKey,
        state: {
          init: () => ({ set: DecorationSet.empty, touched: null }),
          apply: (tr, previous, _before, after) => {
            if (tr.getMeta(REDRAW) === true || tr.getMeta(ySyncPluginKey) !== undefined) return { set: draw(after, source), touched: null };
            return tr.docChanged ? { set: previous.set.map(tr.mapping, tr.doc), touched: touchedRange(tr) } : { set: previous.set, touched: null };
          },
        },
        props: { decorations: (state) => commentHighlightsKey.getState(state)?.set ?? DecorationSet.empty },
        view: (view) => {
          let destroyed = false;
          let queued = false;
          // Drawn after the current task's work, never inside another update (a thread anchored
          // again from `update` below changes the threads while the view is updating), and once
          // for any number of changes in one go.
          const redraw = () => {
            if (queued) return;
            queued = true;
            queueMicrotask(() => {
              queued = false;
              if (!destroyed && !view.isDestroyed) view.dispatch(view.state.tr.setMeta(REDRAW, true).setMeta('addToHistory', false));
            });
          };
          const stop = source.subscribe(redraw);
          // The binding renders the document in its own view's constructor; draw once after it.
          redraw();
          return {
            // The binding has written this editor's edit to Yjs by now (its view updates first).
            update: (updated, before) => {
              const touched = commentHighlightsKey.getState(updated.state)?.touched;
              if (updated.state.doc !== before.doc && touched) reportMoved(updated.state, source, touched);
            },
            destroy: () => {
              destroyed = true;
              stop();
            },
          };
        },
      }),
    ];
  },
});

function draw(state: EditorState, source: HighlightSource): DecorationSet {
  const binding = bindingOf(state);
  if (binding === null) return DecorationSet.empty;
  const active = source.active();
  const size = state.doc.content.size;
  const decorations: Decoration[] = [];
  for (const range of source.ranges()) {
    const found = editorRange(binding, range);
    if (found === null) continue;
    const from = Math.max(0, Math.min(found.from, size));
    const to = Math.max(0, Math.min(found.to, size));
    // Both ends in one place: the anchored text is gone (a detached thread has no highlight).
    if (from >= to) continue;
    const className = range.id === active ? `${HIGHLIGHT_CLASS} ${HIGHLIGHT_CLASS}--active` : HIGHLIGHT_CLASS;
    decorations.push(Decoration.inline(from, to, { class: className, 'data-comment-thread': range.id }, { threadId: range.id }));
  }
  return DecorationSet.create(state.doc, decorations);
}

/** Where a transaction changed the document, in the coordinates of the document it made. */
function touchedRange(tr: Transaction): { from: number; to: number } | null {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  tr.mapping.maps.forEach((map, index) => {
    const later = tr.mapping.slice(index + 1);
    map.forEach((_oldStart, _oldEnd, newStart, newEnd) => {
      from = Math.min(from, later.map(newStart, -1));
      to = Math.max(to, later.map(newEnd, 1));
    });
  });
  return from <= to ? { from, to } : null;
}

/**
 * Tells the source about every highlight this editor's edit carried where its anchor does not lead.
 * Only the top-level blocks the edit touched are looked at (a split or join moves text within
 * them), so a keystroke costs the highlights near it, not every thread of the document.
 */
function reportMoved(state: EditorState, source: HighlightSource, touched: { from: number; to: number }): void {
  const binding = bindingOf(state);
  const set = commentHighlightsKey.getState(state)?.set;
  if (!source.moved || binding === null || !set) return;
  const size = state.doc.content.size;
  const $from = state.doc.resolve(Math.max(0, Math.min(touched.from, size)));
  const $to = state.doc.resolve(Math.max(0, Math.min(touched.to, size)));
  const shown = new Map<string, { from: number; to: number }>();
  for (const piece of set.find($from.depth > 0 ? $from.before(1) : 0, $to.depth > 0 ? $to.after(1) : size)) {
    const threadId = (piece.spec as { threadId?: string }).threadId;
    if (threadId === undefined) continue;
    const known = shown.get(threadId);
    shown.set(threadId, known ? { from: Math.min(known.from, piece.from), to: Math.max(known.to, piece.to) } : { from: piece.from, to: piece.to });
  }
  if (shown.size === 0) return;
  for (const range of source.ranges()) {
    const where = shown.get(range.id);
    if (where === undefined) continue;
    // The whole highlight, also its pieces outside the touched blocks.
    const whole = highlightedRange(state, range.id) ?? where;
    const anchored = editorRange(binding, range);
    if (anchored !== null && anchored.from === whole.from && anchored.to === whole.to) continue;
    const positions = typePositions(state, whole.from, whole.to);
    if (positions !== null) source.moved(range.id, positions.start, positions.end);
  }
}

function bindingOf(state: EditorState): ProsemirrorBinding | null {
  const sync: unknown = ySyncPluginKey.getState(state);
  if (typeof sync !== 'object' || sync === null || !('binding' in sync)) return null;
  const binding = (sync as { binding: ProsemirrorBinding | null }).binding;
  return binding ?? null;
}

function editorRange(binding: ProsemirrorBinding, range: HighlightRange): { from: number; to: number } | null {
  try {
    const from = editorPosition(binding, range.start);
    const to = editorPosition(binding, range.end);
    return from === null || to === null ? null : { from, to };
  } catch {
    // A position into a part of the document the editor has not rendered: nothing to draw yet.
    return null;
  }
}

/**
 * Where a relative position is in the editor. y-tiptap refuses a position bound to a character that
 * resolves to the very start of the document (its guard against positions misplaced by a block
 * moved elsewhere), which is exactly where a comment on the first words starts; so the position is
 * first resolved in Yjs and handed over bound to its place rather than to its character.
 */
function editorPosition(binding: ProsemirrorBinding, relative: Y.RelativePosition): number | null {
  const absolute = Y.createAbsolutePositionFromRelativePosition(relative, binding.doc);
  if (absolute === null) return null;
  const placed = Y.createRelativePositionFromTypeIndex(absolute.type, absolute.index, -1);
  return relativePositionToAbsolutePosition(binding.doc, binding.type, placed, binding.mapping);
}

/** The editor range a thread's highlight covers now (its first and last piece), or null when none is drawn. */
export function highlightedRange(state: EditorState, threadId: string): { from: number; to: number } | null {
  const set = commentHighlightsKey.getState(state)?.set;
  if (!set) return null;
  const pieces = set.find(undefined, undefined, (spec: { threadId?: string }) => spec.threadId === threadId);
  if (pieces.length === 0) return null;
  return { from: Math.min(...pieces.map((piece) => piece.from)), to: Math.max(...pieces.map((piece) => piece.to)) };
}

export interface TypeIndex {
  readonly type: Y.AbstractType<unknown>;
  readonly index: number;
}

/**
 * The selection as two Yjs (type, index) positions in the text document, for anchoring a new
 * thread: the start before the first selected character, the end after the last. Null for an
 * empty selection or one the binding cannot place. Called outside a transaction, when the
 * binding's mapping is current.
 */
export function selectionTypePositions(state: EditorState): { start: TypeIndex; end: TypeIndex } | null {
  const { from, to, empty } = state.selection;
  return empty ? null : typePositions(state, from, to);
}

function typePositions(state: EditorState, from: number, to: number): { start: TypeIndex; end: TypeIndex } | null {
  const binding = bindingOf(state);
  if (binding === null) return null;
  const place = (pos: number): TypeIndex | null => {
    const relative: Y.RelativePosition = absolutePositionToRelativePosition(pos, binding.type, binding.mapping);
    const absolute = Y.createAbsolutePositionFromRelativePosition(relative, binding.doc);
    return absolute === null ? null : { type: absolute.type, index: absolute.index };
  };
  const start = place(from);
  const end = place(to);
  return start === null || end === null ? null : { start, end };
}
