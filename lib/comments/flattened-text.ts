/**
 * A text document's fragment read as one string, the "flattened text", with a map between offsets
 * in it and Yjs (XmlText, index) positions. Quote search, live quotes and document order all
 * measure in it, so they agree. The walk is depth first over the structure y-prosemirror writes:
 * each Y.XmlText gives its characters (an embed is one U+FFFC, so an offset inside a text is its Yjs
 * index); a block boundary between two blocks that hold text is one '\n'; an element inside a
 * block that holds text (a hard break) is one '\n'. No schema is needed: a block "holds text" when
 * one of its children is a Y.XmlText. Pure and browser-safe.
 */
import * as Y from 'yjs';

export const EMBED_CHARACTER = '\uFFFC';
const BREAK = '\n';

interface TextSpan {
  readonly type: Y.XmlText;
  readonly from: number;
  readonly length: number;
}

export interface FlattenedText {
  readonly text: string;
  /** The Yjs position of the character at `offset`, or null when that character is a separator. */
  positionAt(offset: number): { readonly type: Y.XmlText; readonly index: number } | null;
  /** The offset of `index` in `type`, or null when `type` is not (or no longer) part of the text. */
  offsetOf<Event>(type: Y.AbstractType<Event>, index: number): number | null;
  /** Where an element's text is (its leading block boundary included), or null when it is not part of the text. */
  rangeOf<Event>(type: Y.AbstractType<Event>): { readonly from: number; readonly to: number } | null;
}

export function flattenText(fragment: Y.XmlFragment): FlattenedText {
  const spans: TextSpan[] = [];
  const offsets = new Map<object, TextSpan>();
  const elements = new Map<object, { from: number; to: number }>();
  let text = '';

  const visitBlock = (children: readonly unknown[]): void => {
    const parts: string[] = [];
    const pending: { type: Y.XmlText; at: number; length: number }[] = [];
    let length = 0;
    for (const child of children) {
      if (child instanceof Y.XmlText) {
        const content = textOf(child);
        pending.push({ type: child, at: length, length: content.length });
        parts.push(content);
        length += content.length;
      } else {
        parts.push(BREAK);
        length += 1;
      }
    }
    if (length > 0 && text !== '') text += BREAK;
    for (const part of pending) {
      const span = { type: part.type, from: text.length + part.at, length: part.length };
      if (span.length > 0) spans.push(span);
      offsets.set(part.type, span);
    }
    text += parts.join('');
  };

  const visit = (parent: Y.XmlFragment | Y.XmlElement): void => {
    const from = text.length;
    const children = parent.toArray();
    if (children.some((child) => child instanceof Y.XmlText)) visitBlock(children);
    else for (const child of children) if (child instanceof Y.XmlElement) visit(child);
    elements.set(parent, { from, to: text.length });
  };
  visit(fragment);

  return {
    text,
    positionAt(offset) {
      let low = 0;
      let high = spans.length - 1;
      while (low <= high) {
        const middle = (low + high) >> 1;
        const span = spans[middle] as TextSpan;
        if (offset < span.from) high = middle - 1;
        else if (offset >= span.from + span.length) low = middle + 1;
        else return { type: span.type, index: offset - span.from };
      }
      return null;
    },
    offsetOf(type, index) {
      const span = offsets.get(type);
      return span === undefined ? null : span.from + Math.min(Math.max(index, 0), span.length);
    },
    rangeOf(type) {
      return elements.get(type) ?? null;
    },
  };
}

function textOf(type: Y.XmlText): string {
  let content = '';
  for (const op of type.toDelta() as { insert?: unknown }[]) {
    content += typeof op.insert === 'string' ? op.insert : EMBED_CHARACTER;
  }
  return content;
}
