import { describe, expect, it } from 'vitest';
import { GRANTABLE_ROLES, ROLES, isGrantableRole, parseRole, roleAtLeast } from '../../lib/auth/roles';

describe('roles', () => {
  it('are ordered lowest to highest', () => {
    expect(ROLES).toEqual(['view', 'comment', 'edit', 'owner']);
  });

  it('roleAtLeast compares by that order', () => {
    const table: Array<[(typeof ROLES)[number], (typeof ROLES)[number], boolean]> = [
      ['view', 'view', true],
      ['view', 'edit', false],
      ['view', 'owner', false],
      ['view', 'comment', false],
      ['comment', 'view', true],
      ['comment', 'comment', true],
      ['comment', 'edit', false],
      ['edit', 'comment', true],
      ['edit', 'view', true],
      ['edit', 'edit', true],
      ['edit', 'owner', false],
      ['owner', 'view', true],
      ['owner', 'edit', true],
      ['owner', 'owner', true],
    ];
    for (const [role, required, expected] of table) {
      expect(roleAtLeast(role, required), `${role} ≥ ${required}`).toBe(expected);
    }
  });

  it('a link may grant view, comment or edit, never owner', () => {
    expect(GRANTABLE_ROLES).toEqual(['view', 'comment', 'edit']);
    expect(isGrantableRole('comment')).toBe(true);
    expect(isGrantableRole('view')).toBe(true);
    expect(isGrantableRole('edit')).toBe(true);
    expect(isGrantableRole('owner')).toBe(false);
  });

  it('parseRole reads exactly the role names and nothing else', () => {
    expect(parseRole('view')).toBe('view');
    expect(parseRole('edit')).toBe('edit');
    expect(parseRole('owner')).toBe('owner');
    expect(parseRole('comment')).toBe('comment');
    for (const other of ['', 'View', ' edit', 'admin', 'Comment', 'toString', '__proto__', 'constructor', null, 1, {}, ['view']]) {
      expect(parseRole(other), JSON.stringify(other)).toBeNull();
    }
  });
});
