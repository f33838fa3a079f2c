/**
 * The formats a document's content comes in and goes out as, and the error for content that cannot
 * be read. Apart from the conversions themselves (document-export.ts, document-import.ts) so that a
 * server can check a request before it loads TipTap at all.
 */
export const exportFormats = ['json', 'html', 'markdown', 'text'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export const exportContentTypes: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

export const importFormats = ['markdown', 'html'] as const;
export type ImportFormat = (typeof importFormats)[number];

export class ContentError extends Error {
  override readonly name = 'ContentError';
}
