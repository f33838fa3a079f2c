'use client';

import { useEffect, useState } from 'react';
import { PALETTE, type Identity } from '@/lib/client/page/identity';

/** Your name and colour as others see them; saved on blur or Enter so typing is not broadcast per key. */
export function IdentityEditor({ identity, onChange }: { identity: Identity; onChange: (next: Identity) => void }) {
  const [draft, setDraft] = useState(identity.name);
  useEffect(() => setDraft(identity.name), [identity.name]);

  const commit = () => {
    if (draft.trim() && draft !== identity.name) onChange({ ...identity, name: draft });
    else setDraft(identity.name);
  };

  return (
    <div className="identity">
      <label className="identity__name">
        <span className="visually-hidden">Your name</span>
        <input
          data-testid="user-name"
          value={draft}
          maxLength={40}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={commit}
          onKeyDown={(event) => {
            if (event.key === 'Enter') event.currentTarget.blur();
          }}
        />
      </label>
      <div className="identity__colors" role="radiogroup" aria-label="Your colour">
        {PALETTE.map((color) => (
          <button
            key={color}
            type="button"
            role="radio"
            aria-checked={color === identity.color}
            aria-label={`Colour ${color}`}
            className="swatch"
            style={{ backgroundColor: color }}
            onClick={() => onChange({ ...identity, color })}
          />
        ))}
      </div>
    </div>
  );
}
