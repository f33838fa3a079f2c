/**
 * Renders another person's change by building again only the blocks it touched.
 *
 * y-tiptap (3.0.9) answers every remote change by clearing its whole Yjs-to-ProseMirror mapping and
 * building every block of the document anew from Yjs. On a book of 20,000 paragraphs that is
 * 20,000 `toDelta` reads and a document of new nodes for each keystroke someone else types, which
 * ProseMirror then compares block by block with what it shows: the page fell behind a person
 * typing 5 keys a second. Before clearing, y-tiptap already drops the mapping of every type the
 * change touched, of their ancestors and of every deleted type (what y-prosemirror does without
 * clearing), so the blocks left mapped are exactly those the change did not touch: keeping them
 * keeps their nodes, and ProseMirror finds them unchanged by identity.
 *
 * The binding is the library's: this swaps its observer for one that calls the original with the
 * mapping's `clear` held back, and only for a remote change rendered as content (a snapshot view,
 * or a forced render, still clears).
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import { ySyncPluginKey, type ProsemirrorBinding } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';

type RemoteChangeObserver = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction) => void;

/** What this module touches of the binding; `_observeFunction` is the observer it registers on its fragment. */
interface ObservedBinding {
  readonly type: Y.XmlFragment;
  readonly mapping: Map<unknown, unknown>;
  prosemirrorView: unknown;
  _observeFunction: RemoteChangeObserver;
}

export const incrementalRemoteRenderKey = new PluginKey('incrementalRemoteRender');

export const IncrementalRemoteRender = Extension.create({
  name: 'incrementalRemoteRender',

  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: incrementalRemoteRenderKey,
        view: (view) => {
          const binding = bindingOf(view.state);
          const restore = binding === null ? () => undefined : keepMappingOnRemoteChanges(binding, () => renderingSnapshot(view.state));
          return { destroy: restore };
        },
      }),
    ];
  },
});

/**
 * Makes the binding keep the mapping of untouched blocks while it renders a remote change; returns
 * what undoes that.
 */
export function keepMappingOnRemoteChanges(binding: ProsemirrorBinding, renderingSnapshot: () => boolean): () => void {
  const observed = binding as unknown as ObservedBinding;
  // Another y-tiptap may keep these otherwise: then every block is built again, as y-tiptap does
  // (slow on a book, never wrong); tests/editor/incremental-remote-render.test.ts fails and says so.
  if (typeof observed._observeFunction !== 'function' || !(observed.mapping instanceof Map)) return () => undefined;
  const { mapping } = observed;
  const original = observed._observeFunction;
  let keeping = false;
  mapping.clear = function clear(this: Map<unknown, unknown>): void {
    if (!keeping) Map.prototype.clear.call(this);
  };
  const observer: RemoteChangeObserver = (events, transaction) => {
    // y-tiptap renders a snapshot (or nothing changed) on this path, with a clear it needs.
    keeping = events.length > 0 && !renderingSnapshot();
    try {
      original(events, transaction);
    } finally {
      keeping = false;
    }
  };
  swapObserver(observed, original, observer);
  return () => {
    delete (mapping as { clear?: unknown }).clear;
    swapObserver(observed, observer, original);
  };
}

/** Replaces the binding's fragment observer; re-registers it if the binding already observes (its view is set). */
function swapObserver(binding: ObservedBinding, from: RemoteChangeObserver, to: RemoteChangeObserver): void {
  if (binding._observeFunction !== from) return;
  binding._observeFunction = to;
  if (binding.prosemirrorView !== null) {
    binding.type.unobserveDeep(from);
    binding.type.observeDeep(to);
  }
}

function bindingOf(state: EditorState): ProsemirrorBinding | null {
  const sync: unknown = ySyncPluginKey.getState(state);
  if (typeof sync !== 'object' || sync === null || !('binding' in sync)) return null;
  return (sync as { binding: ProsemirrorBinding | null }).binding ?? null;
}

function renderingSnapshot(state: EditorState): boolean {
  const sync = ySyncPluginKey.getState(state) as { snapshot?: unknown; prevSnapshot?: unknown } | undefined;
  return sync?.snapshot != null || sync?.prevSnapshot != null;
}
