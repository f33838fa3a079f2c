/**
 * Content from outside (Markdown, HTML) into a live document, as a normal Yjs change. Parsing uses
 * TipTap's own parsers with the one schema, so what cannot be represented (scripts, unknown tags)
 * is dropped by the schema, not by hand; a link whose target the link policy refuses keeps only its
 * text. Writing changes only what differs, so the CRDT merges it with concurrent and offline edits
 * like any other edit. Server side only (HTML parsing needs a DOM).
 */
import type { JSONContent } from '@tiptap/core';
import { generateJSON } from '@tiptap/html/server';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { initProseMirrorDoc, updateYFragment } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { diffToSplice } from './text-diff';
import { withoutRefusedLinks } from './content-links';
import { contentTools, type PortableDocument } from './document-export';
import { ContentError, type ImportFormat } from './content-formats';
import { CONTENT_FIELD, TITLE_FIELD, contentExtensions } from './schema';

export { ContentError, importFormats, type ImportFormat } from './content-formats';

export function parseContent(source: string, format: ImportFormat): JSONContent {
  let json: JSONContent;
  try {
    json = format === 'markdown' ? contentTools().markdown.parse(source) : generateJSON(source, contentExtensions());
  } catch (error) {
    throw new ContentError(`the ${format} could not be parsed: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Nothing at all is still a document: one empty paragraph, as the editor shows it.
  if (json.content === undefined || json.content.length === 0) json = { type: 'doc', content: [{ type: 'paragraph' }] };
  // The HTML parser already skips such links (the schema's link mark asks the same policy); Markdown's does not.
  json = withoutRefusedLinks(json);
  toNode(json); // refuses content the schema cannot hold
  return json;
}

/** The body followed by `more`'s blocks. */
export function appendedContent(body: JSONContent, more: JSONContent): JSONContent {
  const existing = (body.content ?? []).filter((block) => !isEmptyParagraph(block));
  return { ...body, content: [...existing, ...(more.content ?? [])] };
}

/**
 * Makes the document equal `target` in one transaction with `origin`: the body through
 * y-prosemirror's structural diff (unchanged blocks and text keep their Yjs identity, so edits
 * others made in them still land), the title as one splice.
 */
export function writeDocument(doc: Y.Doc, target: PortableDocument, origin: unknown): void {
  const node = toNode(target.content);
  doc.transact(() => {
    const fragment = doc.getXmlFragment(CONTENT_FIELD);
    const { meta } = initProseMirrorDoc(fragment, contentTools().schema);
    updateYFragment(doc, fragment, node, meta);
    const title = doc.getText(TITLE_FIELD);
    const splice = diffToSplice(title.toString(), target.title);
    if (splice !== null) {
      if (splice.deleteCount > 0) title.delete(splice.index, splice.deleteCount);
      if (splice.insert) title.insert(splice.index, splice.insert);
    }
  }, origin);
}

function toNode(json: JSONContent): ProseMirrorNode {
  try {
    const node = contentTools().schema.nodeFromJSON(json);
    node.check();
    return node;
  } catch (error) {
    throw new ContentError(`the content does not fit the document schema: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isEmptyParagraph(block: JSONContent): boolean {
  return block.type === 'paragraph' && (block.content === undefined || block.content.length === 0);
}
