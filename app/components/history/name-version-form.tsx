'use client';

import { useState, type FormEvent } from 'react';
import { messageOf } from './use-version-history';

const MAX_NAME_LENGTH = 200;

/** "Name current version": a button that opens into a one-field form; a failure stays in it, to try again. */
export function NameVersionForm({ onName }: { onName: (name: string) => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (!open) {
    return (
      <button type="button" className="button button--small name-version__open" data-testid="name-version" onClick={() => setOpen(true)}>
        Name current version
      </button>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '') return;
    setPending(true);
    setError(null);
    try {
      await onName(name.trim());
      setOpen(false);
      setName('');
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setPending(false);
    }
  };

  const cancel = () => {
    setOpen(false);
    setError(null);
  };

  return (
    <form className="name-version" onSubmit={submit} data-testid="name-version-form">
      <label className="name-version__label" htmlFor="version-name">
        Name for the current version
      </label>
      <div className="name-version__row">
        <input
          id="version-name"
          data-testid="version-name"
          autoFocus
          required
          maxLength={MAX_NAME_LENGTH}
          placeholder="e.g. Sent for review"
          value={name}
          disabled={pending}
          onChange={(event) => setName(event.target.value)}
          onKeyDown={(event) => {
            // Escape here closes the form only, not the whole panel around it.
            if (event.key !== 'Escape') return;
            event.stopPropagation();
            cancel();
          }}
        />
        <button type="submit" className="button button--small button--primary" data-testid="version-name-save" disabled={pending || name.trim() === ''}>
          {pending ? 'Saving…' : error !== null ? 'Try again' : 'Save'}
        </button>
        <button type="button" className="button button--small" onClick={cancel} disabled={pending}>
          Cancel
        </button>
      </div>
      {error !== null ? (
        <p className="banner banner--error name-version__error" role="alert" data-testid="name-version-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
