/**
 * A document's content in the formats people and programs read: ProseMirror JSON, HTML, Markdown
 * and plain text, all made by TipTap's and ProseMirror's own tools from the one schema (schema.ts).
 * Used by the server's document API and by the editor's downloads alike.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { MarkdownManager } from '@tiptap/markdown';
import type { Schema } from '@tiptap/pm/model';
import { renderToHTMLString } from '@tiptap/static-renderer';
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { withoutRefusedLinks } from './content-links';
import type { ExportFormat } from './content-formats';
import { markdownSafeContent } from './markdown-safe-content';
import { CONTENT_FIELD, TITLE_FIELD, contentExtensions } from './schema';

export { exportContentTypes, exportFormats, type ExportFormat } from './content-formats';

/** A document apart from its CRDT: the title and the body as ProseMirror JSON. */
export interface PortableDocument {
  readonly title: string;
  readonly content: JSONContent;
}

let cached: { schema: Schema; markdown: MarkdownManager } | null = null;

/** The schema and the Markdown serializer, built once: both are the same for every document. */
export function contentTools(): { schema: Schema; markdown: MarkdownManager } {
  if (cached === null) {
    const extensions = contentExtensions();
    cached = { schema: getSchema(extensions), markdown: new MarkdownManager({ extensions }) };
  }
  return cached;
}

export function readDocument(doc: Y.Doc): PortableDocument {
  const root = yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(CONTENT_FIELD), contentTools().schema);
  return { title: doc.getText(TITLE_FIELD).toString(), content: root.toJSON() as JSONContent };
}

/**
 * The document in `format`. Every format leaves out the links the link policy refuses (keeping their
 * text), whatever the Yjs document holds: any client can write any link target into it.
 */
export function renderDocument(document: PortableDocument, format: ExportFormat): string {
  const exported: PortableDocument = { title: document.title, content: withoutRefusedLinks(document.content) };
  switch (format) {
    case 'json':
      return JSON.stringify(exported);
    case 'html':
      return renderHtmlPage(exported);
    case 'markdown': {
      const body = contentTools().markdown.serialize(markdownSafeContent(exported.content));
      return exported.title.trim() === '' ? body : `# ${exported.title.trim()}\n\n${body}`;
    }
    case 'text':
      return renderText(exported);
  }
}

/** The body alone as HTML (no page around it), e.g. to preview a version inside the editor. */
export function renderBodyHtml(content: JSONContent): string {
  return renderToHTMLString({ extensions: contentExtensions(), content: withoutRefusedLinks(content) });
}

function renderHtmlPage(document: PortableDocument): string {
  const title = escapeHtml(document.title.trim() || 'Untitled');
  const heading = document.title.trim() === '' ? '' : `<h1>${title}</h1>\n`;
  return `<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n${heading}${renderBodyHtml(document.content)}\n</body>\n</html>\n`;
}

function renderText(document: PortableDocument): string {
  // ProseMirror's own text walk: one separator between text blocks, however deeply lists nest them.
  const node = contentTools().schema.nodeFromJSON(document.content);
  const body = node.textBetween(0, node.content.size, '\n\n', (leaf) => (leaf.type.name === 'hardBreak' ? '\n' : ''));
  return document.title.trim() === '' ? `${body}\n` : `${document.title.trim()}\n\n${body}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
