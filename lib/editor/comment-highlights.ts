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
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
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
}

export interface CommentHighlightsOptions {
  readonly source: HighlightSource | null;
}

export const commentHighlightsKey = new PluginKey<DecorationSet>('commentHighlights');
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
      new Plugin<DecorationSet>({
        key: commentHighlightsKey,
        state: {
          init: () => DecorationSet.empty,
          apply: (tr, previous, _before, after) => {
            if (tr.getMeta(REDRAW) === true || tr.getMeta(ySyncPluginKey) !== undefined) return draw(after, source);
            return tr.docChanged ? previous.map(tr.mapping, tr.doc) : previous;
          },
        },
        props: { decorations: (state) => commentHighlightsKey.getState(state) ?? DecorationSet.empty },
        view: (view) => {
          let destroyed = false;
          const redraw = () => {
            if (!destroyed && !view.isDestroyed) view.dispatch(view.state.tr.setMeta(REDRAW, true).setMeta('addToHistory', false));
          };
          const stop = source.subscribe(redraw);
          // The binding renders the document in its own view's constructor; draw once after it.
          queueMicrotask(redraw);
          return {
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
  const set = commentHighlightsKey.getState(state);
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
  const binding = bindingOf(state);
  if (empty || binding === null) return null;
  const place = (pos: number): TypeIndex | null => {
    const relative: Y.RelativePosition = absolutePositionToRelativePosition(pos, binding.type, binding.mapping);
    const absolute = Y.createAbsolutePositionFromRelativePosition(relative, binding.doc);
    return absolute === null ? null : { type: absolute.type, index: absolute.index };
  };
  const start = place(from);
  const end = place(to);
  return start === null || end === null ? null : { start, end };
}
