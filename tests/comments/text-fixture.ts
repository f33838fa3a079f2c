/**
 * Text documents built the way the editor and the server build them: Markdown through the editor's
 * own import (TipTap's parser and y-prosemirror's updateYFragment), so the Yjs structure is what
 * TipTap produces: paragraphs and list items as Y.XmlElement, text with marks as Y.XmlText
 * attributes, a hard break as an element between two texts.
 */
import * as Y from 'yjs';
import { parseContent, writeDocument } from '../../lib/editor/document-import';
import { CONTENT_FIELD } from '../../lib/editor/schema';

export function textDocument(markdown: string): Y.Doc {
  const doc = new Y.Doc();
  rewrite(doc, markdown);
  return doc;
}

/** Makes the document read `markdown` through the server's import path (a structural diff, as the editor's binding makes). */
export function rewrite(doc: Y.Doc, markdown: string): void {
  writeDocument(doc, { title: '', content: parseContent(markdown, 'markdown') }, 'test');
}

export function contentOf(doc: Y.Doc): Y.XmlFragment {
  return doc.getXmlFragment(CONTENT_FIELD);
}

/** The n-th (0-based) Y.XmlText of the document, depth first. */
export function nthText(doc: Y.Doc, n: number): Y.XmlText {
  const texts: Y.XmlText[] = [];
  const walk = (type: Y.XmlFragment | Y.XmlElement): void => {
    for (const child of type.toArray()) {
      if (child instanceof Y.XmlText) texts.push(child);
      else if (child instanceof Y.XmlElement) walk(child);
    }
  };
  walk(contentOf(doc));
  const text = texts[n];
  if (text === undefined) throw new Error(`no text ${n}: the document has ${texts.length}`);
  return text;
}

/** A copy of `doc` with its own client id, as another replica. */
export function replicaOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

/** Exchanges what each has that the other has not. */
export function syncReplicas(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}
