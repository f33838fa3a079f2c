/**
 * Anchors on the TEXT document: made from a quote (the HTTP API) or from positions (the editor's
 * selection), and read back as the range and text they cover now. Callers pass the text document's
 * `doc.getXmlFragment(CONTENT_FIELD)`; nothing here knows the editor's schema. Browser-safe.
 */
import * as Y from 'yjs';
import type { ThreadAnchor } from './comment-model';
import { anchorEnd, blockRegions, recoverRange, type AnchorEnd, type Region } from './anchor-recovery';
import { flattenText, type FlattenedText } from './flattened-text';
import { findQuote, sameWords } from './quote-search';

/** A Yjs position: `index` inside `type` (generic so that a Y.XmlText, typed by its own events, fits). */
export interface TypePosition<Event = unknown> {
  readonly type: Y.AbstractType<Event>;
  readonly index: number;
}

/** A range in flattened offsets (flattened-text.ts) and the text it covers. */
export interface ResolvedAnchor {
  readonly from: number;
  readonly to: number;
  readonly quote: string;
  /** True when the range was found again by the last quote (anchor-recovery.ts), not by the anchor's own ends. */
  readonly rebound?: boolean;
}

/**
 * The anchor of the first occurrence of `quote` in the text, or null when it is not there (or is
 * blank). Runs of white space in the quote match any run of white space (quote-search.ts).
 */
export function anchorForQuote(text: Y.XmlFragment, quote: string): ThreadAnchor | null {
  const flat = flattenText(text);
  const range = findQuote(flat, quote);
  return range === null ? null : anchorOfRange(flat, range.from, range.to);
}

/**
 * The anchor of [from, to) in `flat`, both ends on text characters (a found quote begins and ends
 * with one: it is trimmed and separators are white space). Null when either end is a separator.
 */
export function anchorOfRange(flat: FlattenedText, from: number, to: number): ThreadAnchor | null {
  const first = flat.positionAt(from);
  const last = flat.positionAt(to - 1);
  if (first === null || last === null || to <= from) return null;
  return anchorFromPositions(first, { type: last.type, index: last.index + 1 });
}

/**
 * An anchor from Yjs (type, index) positions, e.g. the editor's selection mapped through y-tiptap:
 * `start` is the first anchored character (bound to it, assoc 0), `end` the position AFTER the last
 * one (bound to the character before it, assoc -1), so typing at either edge does not extend it.
 */
export function anchorFromPositions<StartEvent, EndEvent>(start: TypePosition<StartEvent>, end: TypePosition<EndEvent>): ThreadAnchor {
  const anchor = {
    start: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(start.type, start.index, 0)),
    end: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(end.type, end.index, -1)),
  };
  const blocks = blocksHolding(start.type);
  return blocks.length === 0 ? anchor : { ...anchor, blocks };
}

/** The positions of the elements that hold `type`, innermost first, up to a child of the root fragment. */
function blocksHolding<Event>(type: Y.AbstractType<Event>): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  for (let node = type.parent; node !== null && node._item !== null; node = node.parent) {
    const parent = node.parent;
    if (parent === null) break;
    let index = 0;
    for (let left = node._item.left; left !== null; left = left.left) if (!left.deleted && left.countable) index += left.length;
    blocks.push(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(parent, index, 0)));
  }
  return blocks;
}

export function decodeAnchor(anchor: ThreadAnchor): { start: Y.RelativePosition; end: Y.RelativePosition } {
  return { start: Y.decodeRelativePosition(anchor.start), end: Y.decodeRelativePosition(anchor.end) };
}

/**
 * The range and text `anchor` covers now, or null when it covers nothing: its text was deleted
 * (or all that is left between its ends is white space), it cannot be decoded, or it points into a
 * document state this copy has not seen yet. Null is "detached". With `lastQuote` (the thread's
 * stored quote), text that a paragraph split or join wrote anew is found again (anchor-recovery.ts).
 */
export function resolveAnchor(text: Y.XmlFragment, anchor: ThreadAnchor, lastQuote?: string): ResolvedAnchor | null {
  return resolveAnchorIn(text, flattenText(text), anchor, lastQuote);
}

/** resolveAnchor on a flattened text already made from `text`, for callers that resolve many anchors. */
export function resolveAnchorIn(text: Y.XmlFragment, flat: FlattenedText, anchor: ThreadAnchor, lastQuote?: string): ResolvedAnchor | null {
  const doc = text.doc;
  if (doc === null) return null;
  let start: AnchorEnd;
  let end: AnchorEnd;
  let startItem: Y.ID | null;
  try {
    const positions = decodeAnchor(anchor);
    startItem = positions.start.item;
    start = anchorEnd(doc, flat, positions.start, 'start');
    end = anchorEnd(doc, flat, positions.end, 'end');
  } catch {
    return null; // stored by a client that wrote something else there
  }
  const positional = start.kind === 'placed' && end.kind === 'placed' ? rangeIn(flat, start.offset, end.offset) : null;
  // Both ends on live characters: the anchor says where its text is, whatever the last quote says.
  const intact = start.kind === 'placed' && !start.deleted && end.kind === 'placed' && !end.deleted;
  if (lastQuote === undefined || intact || (positional !== null && sameWords(positional.quote, lastQuote))) return positional;
  const lost = start.kind === 'lost' || end.kind === 'lost';
  const regions = lost && anchor.blocks !== undefined ? regionsOf(doc, flat, anchor.blocks) : [];
  const recovered = recoverRange(flat, positional, start, end, lastQuote, regions, startItem);
  if (recovered === null) return positional;
  if (positional !== null && recovered.from === positional.from && recovered.to === positional.to) return positional;
  const range = rangeIn(flat, recovered.from, recovered.to);
  return range === null ? positional : { ...range, rebound: true };
}

function regionsOf(doc: Y.Doc, flat: FlattenedText, blocks: readonly Uint8Array[]): Region[] {
  try {
    return blockRegions(doc, flat, blocks);
  } catch {
    return []; // stored by a client that wrote something else there
  }
}

function rangeIn(flat: FlattenedText, from: number, to: number): ResolvedAnchor | null {
  if (to <= from) return null;
  const quote = flat.text.slice(from, to);
  return quote.trim() === '' ? null : { from, to, quote };
}
