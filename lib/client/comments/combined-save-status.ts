/**
 * The one "Saved" the page shows covers the text and the comments: a comment kept only in this
 * browser is as unsaved as a paragraph. The least advanced of the two wins.
 */
import type { SaveStatus } from '../sync/save-state';

const ORDER: readonly SaveStatus[] = ['unsaved', 'paused', 'saving', 'saved'];

export function combinedSaveStatus(text: SaveStatus, comments: SaveStatus | null): SaveStatus {
  if (comments === null) return text;
  return ORDER.indexOf(comments) < ORDER.indexOf(text) ? comments : text;
}
