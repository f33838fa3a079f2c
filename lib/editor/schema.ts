/**
 * The document's content schema, as TipTap extensions: what the editor edits and what the server
 * reads, converts and writes. Everything that touches a document's content builds its schema
 * from this one list, or content one side cannot represent is silently dropped by the other.
 */
import type { Extensions } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { isAllowedLinkHref } from './link-policy';

export { CONTENT_FIELD, TITLE_FIELD } from './document-fields';

export function contentExtensions(): Extensions {
  return [
    // ProseMirror's own history would undo other people's edits; the editor's Collaboration
    // extension brings a Yjs UndoManager that tracks only this client's transactions.
    StarterKit.configure({
      undoRedo: false,
      // The one link policy decides what the editor renders, accepts from the toolbar, links as you
      // type and takes from pasted HTML, as it decides what the server imports and exports.
      link: {
        openOnClick: false,
        autolink: true,
        defaultProtocol: 'https',
        // TipTap passes a mark's href as it is, null included.
        isAllowedUri: (url) => typeof url === 'string' && isAllowedLinkHref(url),
      },
    }),
  ];
}
