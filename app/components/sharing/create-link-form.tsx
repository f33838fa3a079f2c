'use client';

import { useState, type FormEvent } from 'react';
import { GRANTABLE_ROLES, type GrantableRole } from '@/lib/auth/roles';
import { EXPIRY_DAYS, expiresAtFor, type ExpiryChoice } from '@/lib/client/documents/link-expiry';
import type { NewShareLink } from '@/lib/client/documents/link-management';

const MAX_NAME_LENGTH = 200;

type ExpiryOption = 'never' | `${(typeof EXPIRY_DAYS)[number]}` | 'date';

const expiryLabels: Record<ExpiryOption, string> = { never: 'Never', '1': 'In 1 day', '7': 'In 7 days', '30': 'In 30 days', date: 'On a date…' };

/**
 * "Create link": who it is for, what it allows, when it ends. Checks what it can before asking
 * (a day in the past, a name too long); the server's refusal, if any, is shown as it says it.
 */
export function CreateLinkForm({ onCreate }: { onCreate: (link: NewShareLink) => Promise<void> }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<GrantableRole>('view');
  const [expiry, setExpiry] = useState<ExpiryOption>('never');
  const [date, setDate] = useState('');
  const [state, setState] = useState<{ kind: 'editing' } | { kind: 'sending' } | { kind: 'failed'; message: string }>({ kind: 'editing' });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const when = expiresAtFor(choiceOf(expiry, date), new Date());
    if ('problem' in when) return setState({ kind: 'failed', message: when.problem });
    setState({ kind: 'sending' });
    try {
      await onCreate({ role, ...(name.trim() !== '' ? { name: name.trim() } : {}), ...(when.expiresAt !== null ? { expiresAt: when.expiresAt } : {}) });
      setName('');
      setExpiry('never');
      setDate('');
      setState({ kind: 'editing' });
    } catch (error) {
      setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  };

  return (
    <form className="create-link" onSubmit={(event) => void submit(event)} data-testid="create-link-form">
      <h3 className="share-dialog__subheading">Create link</h3>
      <label className="create-link__field">
        <span>For</span>
        <input
          value={name}
          maxLength={MAX_NAME_LENGTH}
          placeholder="e.g. Reviewers, Dana at Acme"
          data-testid="create-link-name"
          onChange={(event) => setName(event.target.value)}
        />
      </label>
      <label className="create-link__field">
        <span>Can</span>
        <select value={role} data-testid="create-link-role" onChange={(event) => setRole(grantableRoleOf(event.target.value))}>
          <option value="view">View</option>
          <option value="comment">Comment</option>
          <option value="edit">Edit</option>
        </select>
      </label>
      <label className="create-link__field">
        <span>Expires</span>
        <select value={expiry} data-testid="create-link-expiry" onChange={(event) => setExpiry(expiryOptionOf(event.target.value))}>
          {(Object.keys(expiryLabels) as ExpiryOption[]).map((option) => (
            <option key={option} value={option}>
              {expiryLabels[option]}
            </option>
          ))}
        </select>
      </label>
      {expiry === 'date' ? (
        <label className="create-link__field">
          <span>Last day</span>
          <input type="date" value={date} required data-testid="create-link-date" onChange={(event) => setDate(event.target.value)} />
        </label>
      ) : null}
      <div className="create-link__actions">
        <button type="submit" className="button button--small button--primary" data-testid="create-link-submit" disabled={state.kind === 'sending'}>
          {state.kind === 'sending' ? 'Creating…' : 'Create link'}
        </button>
      </div>
      {state.kind === 'failed' ? (
        <p className="banner banner--error share-dialog__error" role="alert" data-testid="create-link-error">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}

function grantableRoleOf(value: string): GrantableRole {
  return (GRANTABLE_ROLES as readonly string[]).includes(value) ? (value as GrantableRole) : 'view';
}

function expiryOptionOf(value: string): ExpiryOption {
  return value === '1' || value === '7' || value === '30' || value === 'date' ? value : 'never';
}

function choiceOf(option: ExpiryOption, date: string): ExpiryChoice {
  if (option === 'never') return { kind: 'never' };
  if (option === 'date') return { kind: 'date', date };
  return { kind: 'days', days: Number(option) as (typeof EXPIRY_DAYS)[number] };
}
