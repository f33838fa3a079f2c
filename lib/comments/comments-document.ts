/**
 * A document's comments live in a Yjs document of their own, beside its text: `<id>/comments`.
 * That is what lets a commenter write comments and provably not the text (its connection to the
 * text is read-only, as a viewer's), what keeps comments from view links (they cannot open it),
 * and what keeps a restore of the text from touching a discussion. Anchors are Yjs relative
 * positions into the text document, so they follow the text through everyone's edits.
 * Pure and browser-safe.
 */
import { isDocumentName } from '../protocol/document-path';

const COMMENTS_SUFFIX = '/comments';

/** The name of the document that holds `documentName`'s comments. */
export function commentsDocumentName(documentName: string): string {
  return `${documentName}${COMMENTS_SUFFIX}`;
}

/**
 * The text document whose comments `name` holds, or null when `name` is not a comments document.
 * A name that only looks like one (`/comments` with nothing before it) is an ordinary document.
 */
export function commentedDocumentOf(name: string): string | null {
  if (!name.endsWith(COMMENTS_SUFFIX)) return null;
  const parent = name.slice(0, -COMMENTS_SUFFIX.length);
  return isDocumentName(parent) ? parent : null;
}
