/**
 * The one definition of the document schema. Every editor of a document must build the same
 * schema from the same Y.XmlFragment, or content one of them cannot represent is silently dropped.
 */
import type { Extensions } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import StarterKit from '@tiptap/starter-kit';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';

export const CONTENT_FIELD = 'content';
export const TITLE_FIELD = 'title';

export interface CaretUser {
  readonly name: string;
  readonly color: string;
}

export function editorExtensions(doc: Y.Doc, awareness: Awareness, user: CaretUser): Extensions {
  return [
    // ProseMirror's own history would undo other people's edits; Collaboration brings a Yjs
    // UndoManager that tracks only this client's transactions.
    StarterKit.configure({
      undoRedo: false,
      link: { openOnClick: false, autolink: true, defaultProtocol: 'https' },
    }),
    Collaboration.configure({ document: doc, field: CONTENT_FIELD }),
    // The caret extension only needs `provider.awareness`.
    CollaborationCaret.configure({ provider: { awareness }, user: { name: user.name, color: user.color } }),
  ];
}
