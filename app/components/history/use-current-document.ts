'use client';

import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { readDocument, type PortableDocument } from '@/lib/editor/document-export';

// Typing fires an update per keystroke; the preview's comparison needs the text a few times a second at most.
const REREAD_DELAY_MS = 250;

/** The open document as it is now (local Y.Doc, so it includes everyone's live edits), re-read as it changes. */
export function useCurrentDocument(doc: Y.Doc): PortableDocument {
  const [current, setCurrent] = useState(() => readDocument(doc));
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const onUpdate = () => {
      timer ??= setTimeout(() => {
        timer = null;
        setCurrent(readDocument(doc));
      }, REREAD_DELAY_MS);
    };
    doc.on('update', onUpdate);
    setCurrent(readDocument(doc));
    return () => {
      doc.off('update', onUpdate);
      if (timer !== null) clearTimeout(timer);
    };
  }, [doc]);
  return current;
}
