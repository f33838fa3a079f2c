'use client';

import { useEffect, useRef, useState } from 'react';
import { messageOf } from './use-version-history';

/**
 * Asks before a restore, and says what it does: everyone's document changes, and it can be undone
 * by restoring the version the server takes just before it. A failure stays in the dialog with the
 * button to try again.
 */
export function RestoreDialog(props: { versionTitle: string; versionId: number; onConfirm: () => Promise<void>; onClose: () => void }) {
  const { versionTitle, versionId, onConfirm, onClose } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);

  const confirm = async () => {
    setPending(true);
    setError(null);
    try {
      await onConfirm();
    } catch (failure) {
      setError(messageOf(failure));
      setPending(false);
    }
  };

  return (
    <dialog ref={dialog} className="confirm-dialog" aria-labelledby="restore-heading" data-testid="restore-dialog" onClose={onClose}>
      <h2 id="restore-heading">Restore “{versionTitle}”?</h2>
      <p>
        The document becomes what it was in version {versionId}, for everyone who has it open, as a new change.
      </p>
      <p className="muted">
        Nothing is lost: the server keeps the document as it is now as a version first (“Before restore”), so you can undo
        this by restoring that version.
      </p>
      {error !== null ? (
        <p className="banner banner--error confirm-dialog__error" role="alert" data-testid="restore-error">
          {error}
        </p>
      ) : null}
      <div className="confirm-dialog__actions">
        <button type="button" className="button" onClick={() => dialog.current?.close()} disabled={pending}>
          Cancel
        </button>
        <button type="button" className="button button--primary" data-testid="restore-confirm" onClick={confirm} disabled={pending}>
          {pending ? 'Restoring…' : error !== null ? 'Try again' : 'Restore'}
        </button>
      </div>
    </dialog>
  );
}
