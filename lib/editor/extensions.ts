/**
 * The editor's extensions: the content schema (schema.ts) bound to a Yjs document and its presence,
 * and, where the page shows comments, their highlights (decorations, not content).
 */
import type { Extensions } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { CommentHighlights, type HighlightSource } from './comment-highlights';
import { IncrementalRemoteRender } from './incremental-remote-render';
import { CONTENT_FIELD, contentExtensions } from './schema';

export { CONTENT_FIELD, TITLE_FIELD } from './schema';

export interface CaretUser {
  readonly name: string;
  readonly color: string;
}

export function editorExtensions(doc: Y.Doc, awareness: Awareness, user: CaretUser, highlights: HighlightSource | null = null): Extensions {
  return [
    ...contentExtensions(),
    Collaboration.configure({ document: doc, field: CONTENT_FIELD }),
    IncrementalRemoteRender,
    // The caret extension only needs `provider.awareness`.
    CollaborationCaret.configure({ provider: { awareness }, user: { name: user.name, color: user.color } }),
    ...(highlights !== null ? [CommentHighlights.configure({ source: highlights })] : []),
  ];
}
