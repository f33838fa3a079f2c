/**
 * Anchors on the TEXT document: made from a quote (the HTTP API) or from positions (the editor's
 * selection), and read back as the range and text they cover now. Callers pass the text document's
 * `doc.getXmlFragment(CONTENT_FIELD)`; nothing here knows the editor's schema. Browser-safe.
 */
import * as Y from 'yjs';
import type { ThreadAnchor } from './comment-model';
import { flattenText, type FlattenedText } from './flattened-text';

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
}

/**
 * The anchor of the first occurrence of `quote` in the text, or null when it is not there (or is
 * blank). Runs of white space in the quote match any run of white space, so a quote copied across
 * a paragraph or a line break (one '\n' here, two in the text export, a space when pasted) is found.
 */
export function anchorForQuote(text: Y.XmlFragment, quote: string): ThreadAnchor | null {
  const flat = flattenText(text);
  const range = findQuote(flat, quote);
  return range === null ? null : anchorOfRange(flat, range.from, range.to);
}

/** Where `quote` first occurs in `flat` (flattened offsets), or null. */
export function findQuote(flat: FlattenedText, quote: string, fromOffset = 0): { from: number; to: number } | null {
  const words = quote.trim().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return null;
  const pattern = new RegExp(words.map(escapeRegExp).join('\\s+'), 'g');
  pattern.lastIndex = fromOffset;
  const match = pattern.exec(flat.text);
  return match === null ? null : { from: match.index, to: match.index + match[0].length };
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
  return {
    start: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(start.type, start.index, 0)),
    end: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(end.type, end.index, -1)),
  };
}

export function decodeAnchor(anchor: ThreadAnchor): { start: Y.RelativePosition; end: Y.RelativePosition } {
  return { start: Y.decodeRelativePosition(anchor.start), end: Y.decodeRelativePosition(anchor.end) };
}

/**
 * The range and text `anchor` covers now, or null when it covers nothing: its text was deleted
 * (or all that is left between its ends is white space), it cannot be decoded, or it points into a
 * document state this copy has not seen yet. Null is "detached".
 */
export function resolveAnchor(text: Y.XmlFragment, anchor: ThreadAnchor): ResolvedAnchor | null {
  return resolveAnchorIn(text, flattenText(text), anchor);
}

/** resolveAnchor on a flattened text already made from `text`, for callers that resolve many anchors. */
export function resolveAnchorIn(text: Y.XmlFragment, flat: FlattenedText, anchor: ThreadAnchor): ResolvedAnchor | null {
  const doc = text.doc;
  if (doc === null) return null;
  let positions: { start: Y.RelativePosition; end: Y.RelativePosition };
  try {
    positions = decodeAnchor(anchor);
  } catch {
    return null; // stored by a client that wrote something else there
  }
  const from = offsetOf(flat, Y.createAbsolutePositionFromRelativePosition(positions.start, doc));
  const to = offsetOf(flat, Y.createAbsolutePositionFromRelativePosition(positions.end, doc));
  if (from === null || to === null || to <= from) return null;
  const quote = flat.text.slice(from, to);
  return quote.trim() === '' ? null : { from, to, quote };
}

function offsetOf(flat: FlattenedText, position: Y.AbsolutePosition | null): number | null {
  return position === null ? null : flat.offsetOf(position.type, position.index);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
