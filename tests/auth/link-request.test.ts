import { describe, expect, it } from 'vitest';
import { describeLink } from '../../sync-server/auth/link-description';
import { MAX_LINK_NAME_LENGTH, linkRequestFromBody } from '../../sync-server/auth/link-request';

const NOW = Date.parse('2027-01-01T00:00:00.000Z');

describe('POST /docs/<id>/links: the body', () => {
  it('a role alone: no name, no expiry', () => {
    expect(linkRequestFromBody({ role: 'view' }, NOW)).toEqual({ role: 'view', name: null, expiresAt: null });
    expect(linkRequestFromBody({ role: 'edit' }, NOW)).toEqual({ role: 'edit', name: null, expiresAt: null });
  });

  it('a name is trimmed; an empty one or null is no name', () => {
    expect(linkRequestFromBody({ role: 'view', name: '  Reviewers ' }, NOW)).toMatchObject({ name: 'Reviewers' });
    expect(linkRequestFromBody({ role: 'view', name: '   ' }, NOW)).toMatchObject({ name: null });
    expect(linkRequestFromBody({ role: 'view', name: null }, NOW)).toMatchObject({ name: null });
    expect(linkRequestFromBody({ role: 'view', name: 'x'.repeat(MAX_LINK_NAME_LENGTH) }, NOW)).toMatchObject({ name: 'x'.repeat(200) });
  });

  it('an expiry in ISO-8601 with a time zone, in milliseconds, down to the whole second a token carries', () => {
    expect(linkRequestFromBody({ role: 'edit', expiresAt: '2027-01-31T18:00:00Z' }, NOW)).toEqual({
      role: 'edit',
      name: null,
      expiresAt: Date.parse('2027-01-31T18:00:00Z'),
    });
    expect(linkRequestFromBody({ role: 'edit', expiresAt: '2027-01-31T18:00:00.999Z' }, NOW)).toMatchObject({
      expiresAt: Date.parse('2027-01-31T18:00:00Z'),
    });
    expect(linkRequestFromBody({ role: 'edit', expiresAt: '2027-01-31T20:30+02:30' }, NOW)).toMatchObject({
      expiresAt: Date.parse('2027-01-31T18:00:00Z'),
    });
    expect(linkRequestFromBody({ role: 'edit', expiresAt: '2027-01-01T00:00:01Z' }, NOW)).toMatchObject({ expiresAt: NOW + 1000 });
    expect(linkRequestFromBody({ role: 'edit', expiresAt: null }, NOW)).toMatchObject({ expiresAt: null });
  });

  const refusals: Array<[string, unknown, RegExp]> = [
    ['not an object', 'view', /JSON object/],
    ['null', null, /JSON object/],
    ['an array', [{ role: 'view' }], /JSON object/],
    ['no role', {}, /role is view or comment or edit/],
    ['an unknown role', { role: 'admin' }, /role is view or comment or edit/],
    ['a role in another case', { role: 'Edit' }, /role is view or comment or edit/],
    ['a role that is not a string', { role: 2 }, /role is view or comment or edit/],
    ['the owner role', { role: 'owner' }, /owner/],
    ['a name over 200 characters', { role: 'view', name: 'x'.repeat(201) }, /at most 200 characters/],
    ['a name that is not a string', { role: 'view', name: 42 }, /name is a string/],
    ['a name that is an object', { role: 'view', name: { first: 'a' } }, /name is a string/],
    ['an expiry that is a number', { role: 'view', expiresAt: NOW + 60_000 }, /ISO-8601/],
    ['a date without a time', { role: 'view', expiresAt: '2027-02-01' }, /ISO-8601/],
    ['a time without a zone', { role: 'view', expiresAt: '2027-02-01T10:00:00' }, /ISO-8601/],
    ['prose', { role: 'view', expiresAt: 'next Tuesday' }, /ISO-8601/],
    ['a date Date.parse would roll over', { role: 'view', expiresAt: '2027-02-30T10:00:00Z' }, /ISO-8601/],
    ['hour 24', { role: 'view', expiresAt: '2027-02-01T24:00:00Z' }, /ISO-8601/],
    ['month 13', { role: 'view', expiresAt: '2027-13-01T10:00:00Z' }, /ISO-8601/],
    ['an offset out of range', { role: 'view', expiresAt: '2027-02-01T10:00:00+24:00' }, /ISO-8601/],
    ['an expiry in the past', { role: 'view', expiresAt: '2026-12-31T23:59:59Z' }, /in the past/],
    ['an expiry now', { role: 'view', expiresAt: '2027-01-01T00:00:00Z' }, /in the past/],
    ['an expiry within the current second', { role: 'view', expiresAt: '2027-01-01T00:00:00.500Z' }, /in the past/],
    ['an unknown field', { role: 'view', expires_at: '2027-02-01T10:00:00Z' }, /unknown field "expires_at"/],
    ['a __proto__ field', JSON.parse('{"role":"view","__proto__":{"role":"owner"}}'), /unknown field "__proto__"/],
  ];
  for (const [what, body, message] of refusals) {
    it(`refuses ${what}`, () => {
      const result = linkRequestFromBody(body, NOW);
      expect(result).toEqual({ refused: expect.stringMatching(message) });
    });
  }
});

describe('a link as the API shows it', () => {
  it('has ISO-8601 times, or null', () => {
    const created = Date.parse('2027-01-01T10:00:00.250Z');
    const link = { id: 'AAECAwQFBgcICQoLDA0ODw', name: 'Reviewers', role: 'view' as const, createdAt: created, expiresAt: null, revokedAt: null };
    expect(describeLink(link, 'the-token')).toEqual({
      id: 'AAECAwQFBgcICQoLDA0ODw',
      name: 'Reviewers',
      role: 'view',
      token: 'the-token',
      createdAt: '2027-01-01T10:00:00.250Z',
      expiresAt: null,
      revokedAt: null,
    });
    const ended = { ...link, name: null, role: 'owner' as const, expiresAt: created + 3_600_000, revokedAt: created + 60_000 };
    expect(describeLink(ended, 't')).toEqual({
      id: 'AAECAwQFBgcICQoLDA0ODw',
      name: null,
      role: 'owner',
      token: 't',
      createdAt: '2027-01-01T10:00:00.250Z',
      expiresAt: '2027-01-01T11:00:00.250Z',
      revokedAt: '2027-01-01T10:01:00.250Z',
    });
    expect(Object.keys(describeLink(ended, 't'))).toEqual(['id', 'name', 'role', 'token', 'createdAt', 'expiresAt', 'revokedAt']);
  });
});
