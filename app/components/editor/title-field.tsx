'use client';

import { useEffect, useRef, useState } from 'react';
import type * as Y from 'yjs';
import { diffToSplice } from '@/lib/editor/text-diff';

/** The shared title: a plain input bound to a Y.Text, edited as splices so concurrent edits merge. */
export function TitleField({ text, onTitle, readOnly }: { text: Y.Text; onTitle: (title: string) => void; readOnly: boolean }) {
  const [value, setValue] = useState(() => text.toString());
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const sync = (event?: Y.YTextEvent) => {
      const current = text.toString();
      const element = input.current;
      // Someone else's edit must not throw your caret to the end of the line: shift it by what
      // was inserted or deleted before it.
      if (event && !event.transaction.local && element && document.activeElement === element) {
        const start = shift(element.selectionStart ?? current.length, event.delta);
        const end = shift(element.selectionEnd ?? current.length, event.delta);
        element.value = current;
        element.setSelectionRange(start, end);
      }
      setValue(current);
      onTitle(current);
    };
    sync();
    text.observe(sync);
    return () => text.unobserve(sync);
  }, [text, onTitle]);

  return (
    <input
      ref={input}
      className="title-input"
      data-testid="doc-title"
      aria-label="Document title"
      placeholder="Untitled"
      maxLength={200}
      readOnly={readOnly}
      value={value}
      onChange={(event) => {
        const splice = diffToSplice(text.toString(), event.target.value);
        if (!splice) return;
        text.doc?.transact(() => {
          if (splice.deleteCount > 0) text.delete(splice.index, splice.deleteCount);
          if (splice.insert) text.insert(splice.index, splice.insert);
        });
      }}
    />
  );
}

type Delta = Y.YTextEvent['delta'];

function shift(position: number, delta: Delta): number {
  // `index` walks the old text; inserts do not consume it, deletes do.
  let index = 0;
  let result = position;
  for (const op of delta) {
    if (index > position) break;
    if (op.retain !== undefined) {
      index += op.retain;
    } else if (typeof op.insert === 'string') {
      result += op.insert.length;
    } else if (op.delete !== undefined) {
      result -= Math.min(op.delete, Math.max(0, position - index));
      index += op.delete;
    }
  }
  return Math.max(0, result);
}
