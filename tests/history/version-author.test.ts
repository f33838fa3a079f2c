/** The one rule for who a version credits, as presence (made to fit) and the API (refused) read it. */
import { describe, expect, it } from 'vitest';
import { authorFromPresenceUser, authorFromRequest, MAX_AUTHOR_NAME_LENGTH } from '../../sync-server/history/version-author';

const long = 'n'.repeat(MAX_AUTHOR_NAME_LENGTH + 1);

describe('an author from presence', () => {
  it('keeps a name and a hex colour', () => {
    expect(authorFromPresenceUser({ name: 'Ada', color: '#d9480f' })).toEqual({ name: 'Ada', color: '#d9480f' });
  });

  it('cuts a long name and drops what is not a colour, since a stock client cannot be refused', () => {
    expect(authorFromPresenceUser({ name: long, color: 'red' })).toEqual({ name: long.slice(0, MAX_AUTHOR_NAME_LENGTH), color: null });
  });

  it('names no one without a name', () => {
    for (const user of [null, 'Ada', {}, { name: '  ' }, { name: 7 }]) expect(authorFromPresenceUser(user)).toBeNull();
  });
});

describe('an author from an API request', () => {
  it('keeps a trimmed name and an optional colour', () => {
    expect(authorFromRequest({ name: ' Ada ' })).toEqual({ name: 'Ada', color: null });
    expect(authorFromRequest({ name: 'Ada', color: '#abc' })).toEqual({ name: 'Ada', color: '#abc' });
  });

  it('refuses, with the reason, what presence would have made to fit', () => {
    expect(authorFromRequest({ name: long })).toEqual({ refused: `author.name is 1 to ${MAX_AUTHOR_NAME_LENGTH} characters` });
    expect(authorFromRequest({ name: '' })).toEqual({ refused: `author.name is 1 to ${MAX_AUTHOR_NAME_LENGTH} characters` });
    expect(authorFromRequest('Ada')).toEqual({ refused: `author.name is 1 to ${MAX_AUTHOR_NAME_LENGTH} characters` });
    expect(authorFromRequest({ name: 'Ada', color: 'red' })).toEqual({ refused: 'author.color is a hex colour such as #d9480f' });
  });
});
