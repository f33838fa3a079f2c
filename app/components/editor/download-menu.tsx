'use client';

import { useEffect, useRef, useState } from 'react';
import type * as Y from 'yjs';
import { downloadFileName, saveTextFile, type DownloadFormat } from '@/lib/client/documents/download-file';

const choices: ReadonlyArray<{ format: DownloadFormat; label: string }> = [
  { format: 'markdown', label: 'Markdown (.md)' },
  { format: 'html', label: 'HTML (.html)' },
  { format: 'text', label: 'Plain text (.txt)' },
];

/**
 * The header's document menu: download the document as Markdown, HTML or plain text. The file is
 * made in the page from the local Y.Doc, so it works offline and for viewers alike.
 */
export function DownloadMenu({ doc }: { doc: Y.Doc }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const closeOutside = (event: PointerEvent) => {
      if (!(event.target instanceof Node && root.current?.contains(event.target))) setOpen(false);
    };
    document.addEventListener('pointerdown', closeOutside);
    root.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    return () => document.removeEventListener('pointerdown', closeOutside);
  }, [open]);

  const download = async (format: DownloadFormat) => {
    setOpen(false);
    setError(null);
    try {
      // The conversions (TipTap's Markdown and HTML renderers) load on the first download, not with the page.
      const { exportContentTypes, readDocument, renderDocument } = await import('@/lib/editor/document-export');
      const content = readDocument(doc);
      saveTextFile(renderDocument(content, format), downloadFileName(content.title, format), exportContentTypes[format]);
    } catch (failure) {
      setError(failure instanceof Error ? `The download failed: ${failure.message}` : 'The download failed.');
    }
  };

  return (
    <div
      ref={root}
      className="menu"
      onKeyDown={(event) => {
        if (!open) return;
        if (event.key === 'Escape') {
          setOpen(false);
          button.current?.focus();
        } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
          // A menu is walked with the arrow keys, wrapping around at either end.
          event.preventDefault();
          const items = [...(root.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
          const at = items.findIndex((item) => item === document.activeElement);
          const step = event.key === 'ArrowDown' ? 1 : -1;
          items[(at + step + items.length) % items.length]?.focus();
        }
      }}
    >
      <button
        ref={button}
        type="button"
        className="button button--small"
        data-testid="document-menu"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((was) => !was)}
      >
        Download
      </button>
      {open ? (
        <div className="menu__list" role="menu" aria-label="Download as">
          {choices.map(({ format, label }) => (
            <button key={format} type="button" role="menuitem" className="menu__item" data-testid={`download-${format}`} onClick={() => void download(format)}>
              {label}
            </button>
          ))}
        </div>
      ) : null}
      {error !== null ? (
        <p className="menu__error banner banner--error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
