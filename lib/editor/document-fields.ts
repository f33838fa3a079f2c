/**
 * Where a document's parts are in its Yjs document: the body (a Y.XmlFragment, as y-prosemirror
 * writes it) and the title (a Y.Text). Apart from the schema so that code that only finds text in
 * a document, such as the comment routes, does not load TipTap to know where to look.
 */
export const CONTENT_FIELD = 'content';
export const TITLE_FIELD = 'title';
