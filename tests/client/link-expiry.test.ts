import { describe, expect, it } from 'vitest';
import { expiresAtFor } from '../../lib/client/documents/link-expiry';

const now = new Date('2026-12-03T15:00:00Z');

describe('link expiry choices', () => {
  it('sends nothing for never and whole days from now for a number of days', () => {
    expect(expiresAtFor({ kind: 'never' }, now)).toEqual({ expiresAt: null });
    expect(expiresAtFor({ kind: 'days', days: 1 }, now)).toEqual({ expiresAt: '2026-12-04T15:00:00.000Z' });
    expect(expiresAtFor({ kind: 'days', days: 7 }, now)).toEqual({ expiresAt: '2026-12-10T15:00:00.000Z' });
    expect(expiresAtFor({ kind: 'days', days: 30 }, now)).toEqual({ expiresAt: '2027-01-02T15:00:00.000Z' });
  });

  it('ends a chosen day at its last second in the local time zone', () => {
    const result = expiresAtFor({ kind: 'date', date: '2027-01-15' }, now);
    expect(result).toEqual({ expiresAt: new Date(2027, 0, 15, 23, 59, 59).toISOString() });
  });

  it('refuses a past day, an impossible day and anything not a date, with a reason', () => {
    expect(expiresAtFor({ kind: 'date', date: '2026-11-01' }, now)).toEqual({ problem: 'Pick a day from today on.' });
    expect(expiresAtFor({ kind: 'date', date: '2027-02-30' }, now)).toEqual({ problem: 'That day does not exist.' });
    expect(expiresAtFor({ kind: 'date', date: '' }, now)).toEqual({ problem: 'Pick the day the link should end.' });
    expect(expiresAtFor({ kind: 'date', date: 'tomorrow' }, now)).toEqual({ problem: 'Pick the day the link should end.' });
  });
});
