/**
 * Finding a thread's text again after y-prosemirror wrote it anew. Splitting or joining a paragraph
 * through its structural diff (updateYFragment: the editor's binding and the server's import alike)
 * keeps one paragraph and writes the other half's text again as NEW characters, deleting the old
 * ones: a relative position bound to an old character collapses to where the old text was (a split)
 * or is lost with its deleted paragraph (a join). The text itself is still there, right beside where
 * it was, and the thread still knows it (its last quote). So the range is taken from the last quote
 * where, and only where, a rewrite would have put it: overlapping what is left of the range, starting
 * or ending where the old characters were, or, when its paragraph went, in the block it was joined
 * into. A thread whose text was really deleted stays detached. Browser-safe.
 */
import * as Y from 'yjs';
import type { FlattenedText } from './flattened-text';
import { occurrencesOf, type TextRange } from './quote-search';

/** Where one end of an anchor is now. */
export type AnchorEnd =
  /** On its character, or collapsed onto the place where its deleted character was. */
  | { readonly kind: 'placed'; readonly offset: number; readonly deleted: boolean; readonly hint: number }
  /** Its character went with its whole paragraph (deleted, or joined into another one). */
  | { readonly kind: 'lost' }
  /** This copy has not seen its character yet, or the position is not one: nothing to recover. */
  | { readonly kind: 'unknown' };

/** Enough occurrences to decide; a quote found more often than this is too common to recover by. */
const MAX_OCCURRENCES = 1000;

/**
 * Where `position` is in `flat`. `side` is the end's role: a start is bound to its character, an end
 * to the place after it. For a deleted character the hint is where it would be had it been written
 * again after the next block boundary, as a split writes the second half.
 */
export function anchorEnd(doc: Y.Doc, flat: FlattenedText, position: Y.RelativePosition, side: 'start' | 'end'): AnchorEnd {
  const id = position.item;
  const named = id ?? position.type;
  if (named !== null && Y.getState(doc.store, named.client) <= named.clock) return { kind: 'unknown' };
  const absolute = Y.createAbsolutePositionFromRelativePosition(position, doc);
  // Seen, yet nowhere: collected with the deleted paragraph that held it.
  if (absolute === null) return { kind: 'lost' };
  const offset = flat.offsetOf(absolute.type, absolute.index);
  if (offset === null) return { kind: 'lost' };
  const item = id === null ? null : Y.getItem(doc.store, id);
  if (!(item instanceof Y.Item) || !item.deleted || item.redone !== null || id === null) {
    return { kind: 'placed', offset, deleted: false, hint: offset };
  }
  // Deleted characters right before this one were deleted with it, and are written again before it.
  let before = id.clock - item.id.clock;
  for (let left = item.left; left !== null && (left.deleted || !left.countable); left = left.left) {
    if (left.countable) before += left.length;
  }
  return { kind: 'placed', offset, deleted: true, hint: offset + 1 + before + (side === 'end' ? 1 : 0) };
}

/**
 * Where a lost end's text may have gone. Of the elements that held the anchor's start
 * (ThreadAnchor.blocks, innermost first), the innermost that was not collected with a deleted parent
 * says: still there, it is the region (the paragraph kept, its text written anew); deleted, the live
 * element before it is (a join appends a paragraph's or list item's text to the one before; when the
 * diff keeps the later one instead, the thread is left detached rather than guessed).
 */
export interface Region extends TextRange {
  /** Where in the region the moved text is: at its end (`before`), or anywhere (`same`). */
  readonly side: 'same' | 'before';
}

export function blockRegions(doc: Y.Doc, flat: FlattenedText, blocks: readonly Uint8Array[]): Region[] {
  for (const block of blocks) {
    const id = Y.decodeRelativePosition(block).item;
    if (id === null || Y.getState(doc.store, id.client) <= id.clock) return [];
    const item = Y.getItem(doc.store, id);
    if (!(item instanceof Y.Item)) continue; // collected with its deleted parent: the parent says more
    if (!item.deleted) return regionOf(flat, item, 'same');
    let before = item.left;
    while (before !== null && before.deleted) before = before.left;
    return regionOf(flat, before, 'before');
  }
  return [];
}

function regionOf(flat: FlattenedText, item: Y.Item | null, side: Region['side']): Region[] {
  const range = item !== null && item.content instanceof Y.ContentType ? flat.rangeOf(item.content.type) : null;
  return range === null ? [] : [{ ...range, side }];
}

/**
 * The range of `lastQuote` that `positional` (what the anchor's ends cover, null when nothing) was
 * rewritten into, or null when there is none. `regions` (blockRegions) are where to look when an
 * end was lost with its paragraph.
 */
export function recoverRange(
  flat: FlattenedText,
  positional: TextRange | null,
  start: AnchorEnd,
  end: AnchorEnd,
  lastQuote: string,
  regions: readonly Region[],
  /** The anchor's first character as it was made: a copy of it is younger than it. */
  original: Y.ID | null,
): TextRange | null {
  if (start.kind === 'unknown' || end.kind === 'unknown') return null;
  // A join may leave no white space where the quote had some; the places below are what keep this strict.
  const occurrences = occurrencesOf(flat, lastQuote, MAX_OCCURRENCES, 'optional');
  const startHint = start.kind === 'placed' && (start.deleted || end.kind !== 'placed') ? start.hint : null;
  const endHint = end.kind === 'placed' && (end.deleted || start.kind !== 'placed') ? end.hint : null;
  const fits = (occurrence: TextRange): boolean =>
    (positional !== null && occurrence.from < positional.to && positional.from < occurrence.to) ||
    (startHint !== null && Math.abs(occurrence.from - startHint) <= 1) ||
    (endHint !== null && Math.abs(occurrence.to - endHint) <= 1);
  const reference = positional?.from ?? startHint ?? endHint ?? 0;
  let best: TextRange | null = null;
  for (const occurrence of occurrences) {
    if (!fits(occurrence)) continue;
    if (best === null || Math.abs(occurrence.from - reference) < Math.abs(best.from - reference)) best = occurrence;
  }
  if (best !== null || (start.kind !== 'lost' && end.kind !== 'lost')) return best;
  for (const region of regions) {
    const inside = occurrences.filter(
      (occurrence) => occurrence.from >= region.from && occurrence.to <= region.to && !olderThan(flat, occurrence, original),
    );
    if (inside.length > 0) return region.side === 'before' ? inside[inside.length - 1]! : inside[0]!;
  }
  return null;
}

/**
 * Whether the occurrence's first character was written before `original` by the same client: then it
 * is not a copy made when the anchored text was moved, but the same words that were there already
 * (a deleted paragraph beside one that says the same). Characters of two clients cannot be ordered.
 */
function olderThan(flat: FlattenedText, occurrence: TextRange, original: Y.ID | null): boolean {
  const at = flat.positionAt(occurrence.from);
  if (original === null || at === null) return false;
  const id = Y.createRelativePositionFromTypeIndex(at.type, at.index, 0).item;
  return id !== null && id.client === original.client && id.clock < original.clock;
}
