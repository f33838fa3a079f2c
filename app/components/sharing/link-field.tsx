'use client';

import { useEffect, useRef, useState } from 'react';

/** One link to pass on: shown in full, selected on focus, with a copy button. */
export function LinkField({ label, testId, value }: { label: string; testId: string; value: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard permission (plain http, some browsers): select it so Ctrl+C does the rest.
      input.current?.select();
      return;
    }
    setCopied(true);
  };

  return (
    <label className="share-field">
      <span className="share-field__label">{label}</span>
      <span className="share-field__row">
        <input ref={input} readOnly value={value} data-testid={testId} onFocus={(event) => event.target.select()} />
        <button type="button" className="button button--small" onClick={copy} aria-label={`Copy the ${label.toLowerCase()} link`}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </span>
    </label>
  );
}
