/**
 * The document content conversions (lib/editor), loaded the first time the document API or a
 * restore needs them: TipTap, ProseMirror and happy-dom add about 34 MB to the process (idle RSS
 * 68 → 102 MB), which a server that only relays and stores edits never needs. The bundle puts them
 * in a chunk of their own (esbuild --splitting).
 */
type Export = typeof import('../lib/editor/document-export');
type Import = typeof import('../lib/editor/document-import');

export type ContentConversions = Pick<Export, 'readDocument' | 'renderDocument'> &
  Pick<Import, 'parseContent' | 'appendedContent' | 'writeDocument'>;

let loading: Promise<ContentConversions> | null = null;

export function contentConversions(): Promise<ContentConversions> {
  loading ??= Promise.all([import('../lib/editor/document-export'), import('../lib/editor/document-import')]).then(
    ([exported, imported]) => ({
      readDocument: exported.readDocument,
      renderDocument: exported.renderDocument,
      parseContent: imported.parseContent,
      appendedContent: imported.appendedContent,
      writeDocument: imported.writeDocument,
    }),
  );
  return loading;
}
