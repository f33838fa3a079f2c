'use client';

import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import type * as Y from 'yjs';
import type { LinkEnding } from '@/lib/protocol/close-reasons';
import { DownloadMenu } from '../editor/download-menu';

const headings: Record<LinkEnding, string> = {
  revoked: 'This link was revoked.',
  expired: 'This link has expired.',
};

const explanations: Record<LinkEnding, string> = {
  revoked: 'Its owner took back the access it gave, so this page can no longer reach the document.',
  expired: 'It was only valid until a set time, so this page can no longer reach the document.',
};

type TextState = { kind: 'loading' } | { kind: 'ready'; text: string } | { kind: 'failed' };

/**
 * What a person sees once their link was revoked or has expired: what happened, said once, and the
 * text as this browser has it (what they typed last included, synced or not) to copy or download.
 * Nothing here offers to try again: the same link will be refused every time.
 */
export function LinkEndedScreen({ ending, doc }: { ending: LinkEnding; doc: Y.Doc }) {
  const [text, setText] = useState<TextState>({ kind: 'loading' });
  const area = useRef<HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    let active = true;
    let render: (() => void) | null = null;
    // The same conversions as the download menu, loaded on demand rather than with the page.
    import('@/lib/editor/document-export').then(
      ({ readDocument, renderDocument }) => {
        if (!active) return;
        render = () => setText({ kind: 'ready', text: renderDocument(readDocument(doc), 'markdown') });
        render();
        // A page opened on a link that had already ended gets this browser's stored copy a moment
        // later (IndexedDB): the text follows it.
        doc.on('update', render);
      },
      () => active && setText({ kind: 'failed' }),
    );
    return () => {
      active = false;
      if (render !== null) doc.off('update', render);
    };
  }, [doc]);

  const copy = async () => {
    if (text.kind !== 'ready') return;
    try {
      await navigator.clipboard.writeText(text.text);
      setCopied(true);
    } catch {
      // No clipboard permission: select it so Ctrl+C does the rest.
      area.current?.select();
    }
  };

  return (
    <main className="doc-main link-ended" data-testid="link-ended" data-ending={ending}>
      <div className="banner banner--error" role="alert">
        <strong>{headings[ending]}</strong> {explanations[ending]} Ask the person who shared it for a new link.
      </div>
      <h2 className="link-ended__heading">Your copy of the text</h2>
      <p className="muted">Everything this browser has, including what you typed last. Copy it or download it before you close this tab.</p>
      {text.kind === 'ready' ? (
        <textarea ref={area} className="link-ended__text" readOnly value={text.text} data-testid="link-ended-text" rows={14} />
      ) : text.kind === 'failed' ? (
        <p className="muted">The text could not be shown here; the download below still works.</p>
      ) : (
        <div className="editor editor--loading" aria-busy="true" />
      )}
      <div className="link-ended__actions">
        <button type="button" className="button button--small" data-testid="link-ended-copy" disabled={text.kind !== 'ready'} onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy text'}
        </button>
        <DownloadMenu doc={doc} />
        <Link href="/" className="button button--small">
          Back to your documents
        </Link>
      </div>
    </main>
  );
}
