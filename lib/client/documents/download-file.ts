/**
 * Downloading the open document as a file: the file name from its title, and the download itself
 * from text made in the page (from the local Y.Doc, so it works offline).
 */
import type { ExportFormat } from '../../editor/document-export';

export type DownloadFormat = Exclude<ExportFormat, 'json'>;

export const downloadExtensions: Record<DownloadFormat, string> = { markdown: 'md', html: 'html', text: 'txt' };

const MAX_NAME_LENGTH = 120;

/**
 * "Weekly notes.md" for the title "Weekly notes"; "Untitled.md" when there is no title. Characters
 * that Windows, macOS or Linux refuse in a file name become spaces.
 */
export function downloadFileName(title: string, format: DownloadFormat): string {
  const cleaned = title
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    // A name of dots only ("..") means something else to every file system; a trailing dot is dropped by Windows.
    .replace(/^\.+$/, '')
    .replace(/[. ]+$/, '')
    .slice(0, MAX_NAME_LENGTH)
    .trim();
  return `${cleaned || 'Untitled'}.${downloadExtensions[format]}`;
}

/** Hands `text` to the browser as a file download. */
export function saveTextFile(text: string, fileName: string, contentType: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: contentType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later rather than at once: a browser that reads the blob after the click returns would
  // otherwise find it gone.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
