/**
 * Where a quote is in the flattened text (flattened-text.ts). A quote is matched literally, except
 * that a run of white space in it matches any run of white space: a quote copied across a paragraph
 * or a line break reads one '\n' here, two in the text export and a space when pasted. Pure.
 */
import type { FlattenedText } from './flattened-text';

export interface TextRange {
  readonly from: number;
  readonly to: number;
}

/**
 * `gaps: 'optional'` lets a run of white space in the quote match nothing at all, as when a joined
 * paragraph lost the boundary between two words. Null when the quote is blank or not there.
 */
export function findQuote(flat: FlattenedText, quote: string, fromOffset = 0, gaps: 'required' | 'optional' = 'required'): TextRange | null {
  const words = quote.trim().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return null;
  const pattern = new RegExp(words.map(escapeRegExp).join(gaps === 'required' ? '\\s+' : '\\s*'), 'g');
  pattern.lastIndex = fromOffset;
  const match = pattern.exec(flat.text);
  return match === null ? null : { from: match.index, to: match.index + match[0].length };
}

/** Every occurrence, overlapping ones included, up to `limit`. */
export function occurrencesOf(flat: FlattenedText, quote: string, limit: number, gaps: 'required' | 'optional' = 'required'): TextRange[] {
  const found: TextRange[] = [];
  for (let at = 0; found.length < limit; ) {
    const occurrence = findQuote(flat, quote, at, gaps);
    if (occurrence === null) break;
    found.push(occurrence);
    at = occurrence.from + 1;
  }
  return found;
}

/** Whether two quotes read the same, white space aside (a split turns a space into a block boundary). */
export function sameWords(a: string, b: string): boolean {
  return a.trim().split(/\s+/).join(' ') === b.trim().split(/\s+/).join(' ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
