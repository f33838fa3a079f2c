/**
 * The document content conversions (lib/editor), loaded the first time the document API or a
 * restore needs them: TipTap, ProseMirror and happy-dom add about 34 MB to the process (idle RSS
 * 68 → 102 MB), which a server that only relays and stores edits never needs. The bundle puts them
 * in a chunk of their own (esbuild --splitting).
 */
type Export = typeof import('../../lib/editor/document-export');
type Import = typeof import('../../lib/editor/document-import');

export type ContentConversions = Pick<Export, 'readDocument' | 'renderDocument'> &
  Pick<Import, 'parseContent' | 'appendedContent' | 'writeDocument'>;

function loadConversions(): Promise<ContentConversions> {
  return Promise.all([import('../../lib/editor/document-export'), import('../../lib/editor/document-import')]).then(([exported, imported]) => ({
    readDocument: exported.readDocument,
    renderDocument: exported.renderDocument,
    parseContent: imported.parseContent,
    appendedContent: imported.appendedContent,
    writeDocument: imported.writeDocument,
  }));
}

/**
 * `load` on the first call, its promise shared with every later caller. A failed load
 * (a file the process could not open at that moment, memory short) is forgotten, so the next call
 * loads again: kept, one failure would break every import, export and restore until a restart.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | null = null;
  return () => {
    if (loading === null) {
      const attempt = load();
      loading = attempt;
      attempt.catch(() => {
        if (loading === attempt) loading = null;
      });
    }
    return loading;
  };
}

export const contentConversions = loadOnce(loadConversions);
