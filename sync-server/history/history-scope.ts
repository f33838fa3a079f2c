/**
 * Which documents keep a version history. A document's text does; its comments (`<id>/comments`)
 * do not: a version is the text as it read (previewed, compared and restored as text), a restore of
 * the text must leave every discussion made since as it is, and versions of every comment typed
 * would only cost storage. Pure.
 */
import { commentedDocumentOf } from '../../lib/comments/comments-document';

export function keepsVersionHistory(docName: string): boolean {
  return commentedDocumentOf(docName) === null;
}
