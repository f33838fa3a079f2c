import { describe, expect, it } from 'vitest';
import { newDocumentId } from '../../lib/auth/document-id';
import { defaultIdentity, parseIdentity } from '../../lib/client/page/identity';
import { parseRecentDocuments, rememberDocument, MAX_RECENT_DOCUMENTS } from '../../lib/client/documents/recent-documents';
import { documentSocketUrl, httpBaseFromSocketBase, parseSyncPort, resolveSyncBaseUrl, syncServerUrls } from '../../lib/client/page/sync-url';
import { createDocument, documentPagePath, tokenFromFragment } from '../../lib/client/documents/create-document';
import { diffToSplice } from '../../lib/editor/text-diff';

describe('document ids', () => {
  it('are 128 random bits in base64url', () => {
    const id = newDocumentId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newDocumentId()).not.toBe(id);
    expect(newDocumentId((bytes) => bytes.fill(255))).toBe('_____________________w');
  });
});

describe('sync server URL', () => {
  it('prefers the configured URL and otherwise uses the page host on SYNC_PORT', () => {
    expect(resolveSyncBaseUrl('wss://sync.example.com/', 1234, { protocol: 'https:', hostname: 'x' })).toBe('wss://sync.example.com');
    expect(resolveSyncBaseUrl(null, 1234, { protocol: 'http:', hostname: 'localhost' })).toBe('ws://localhost:1234');
    expect(resolveSyncBaseUrl(null, 443, { protocol: 'https:', hostname: 'tandem.app' })).toBe('wss://tandem.app:443');
    expect(resolveSyncBaseUrl(null, 1234, { protocol: 'http:', hostname: '::1' })).toBe('ws://[::1]:1234');
  });

  it('gives the socket and the HTTP address together, as the components ask for them', () => {
    expect(syncServerUrls(null, 1234, { protocol: 'https:', hostname: 'tandem.app' })).toEqual({ socket: 'wss://tandem.app:1234', http: 'https://tandem.app:1234' });
    expect(syncServerUrls('ws://sync.example.com/', 1234, { protocol: 'https:', hostname: 'x' })).toEqual({ socket: 'ws://sync.example.com', http: 'http://sync.example.com' });
  });

  it('puts the encoded document name in the path and parameters in the query', () => {
    expect(documentSocketUrl('ws://h:1', 'a/b c')).toBe('ws://h:1/a%2Fb%20c');
    expect(documentSocketUrl('ws://h:1/', 'doc', { token: 't&1' })).toBe('ws://h:1/doc?token=t%261');
  });

  it('finds the HTTP endpoints next to the socket', () => {
    expect(httpBaseFromSocketBase('ws://127.0.0.1:1234')).toBe('http://127.0.0.1:1234');
    expect(httpBaseFromSocketBase('wss://sync.example.com/')).toBe('https://sync.example.com');
  });

  it('falls back to 1234 for a missing or malformed SYNC_PORT', () => {
    expect(parseSyncPort(undefined)).toBe(1234);
    expect(parseSyncPort('abc')).toBe(1234);
    expect(parseSyncPort('70000')).toBe(1234);
    expect(parseSyncPort('4000')).toBe(4000);
  });
});

describe('recent documents', () => {
  it('survives garbage in storage', () => {
    expect(parseRecentDocuments('not json')).toEqual([]);
    expect(parseRecentDocuments('{"a":1}')).toEqual([]);
    expect(parseRecentDocuments('[{"id":"x","title":3,"openedAt":"y"},null,{"title":"no id"}]')).toEqual([{ id: 'x', title: '', openedAt: 0, token: null }]);
  });

  it('moves a reopened document to the top, keeps its title, and bounds the list', () => {
    let list = rememberDocument([], { id: 'a', title: 'Alpha', openedAt: 1, token: 'tok' });
    list = rememberDocument(list, { id: 'b', openedAt: 2 });
    list = rememberDocument(list, { id: 'a', openedAt: 3 });
    expect(list).toEqual([
      { id: 'a', title: 'Alpha', openedAt: 3, token: 'tok' },
      { id: 'b', title: '', openedAt: 2, token: null },
    ]);
    for (let i = 0; i < 100; i++) list = rememberDocument(list, { id: `d${i}`, openedAt: 10 + i });
    expect(list).toHaveLength(MAX_RECENT_DOCUMENTS);
  });
});

describe('identity', () => {
  it('has a friendly default and rejects invalid stored values', () => {
    const identity = defaultIdentity(() => 0);
    expect(identity.name).toMatch(/^[A-Z][a-z]+ \d\d$/);
    expect(parseIdentity(JSON.stringify(identity))).toEqual(identity);
    expect(parseIdentity('{"name":"  ","color":"#123456"}')).toBeNull();
    expect(parseIdentity('{"name":"Ann","color":"red; background:url(x)"}')).toBeNull();
  });
});

describe('title splices', () => {
  it('finds the single edit between two strings', () => {
    expect(diffToSplice('hello', 'hello')).toBeNull();
    expect(diffToSplice('hello', 'hello!')).toEqual({ index: 5, deleteCount: 0, insert: '!' });
    expect(diffToSplice('hello', 'jello')).toEqual({ index: 0, deleteCount: 1, insert: 'j' });
    expect(diffToSplice('aaa', 'aa')).toEqual({ index: 2, deleteCount: 1, insert: '' });
    expect(diffToSplice('abc', '')).toEqual({ index: 0, deleteCount: 3, insert: '' });
  });
});

describe('creating a document', () => {
  it('uses the id and edit token the server mints', async () => {
    const fetchImpl = async (url: string, init?: RequestInit) => {
      expect(url).toBe('http://h:1/docs');
      expect(init?.method).toBe('POST');
      return new Response(JSON.stringify({ id: 'abc', editToken: 'e.t', viewToken: 'v.t' }), { status: 201 });
    };
    expect(await createDocument('http://h:1', fetchImpl)).toEqual({ id: 'abc', token: 'e.t' });
  });

  it('makes an id locally when the server cannot be reached or refuses', async () => {
    const down = await createDocument('http://h:1', async () => {
      throw new TypeError('fetch failed');
    });
    expect(down.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(down.token).toBeNull();
    const limited = await createDocument('http://h:1', async () => new Response('{}', { status: 429 }));
    expect(limited.token).toBeNull();
  });

  it('puts the token in the fragment and reads it back', () => {
    expect(documentPagePath('abc', 'a.b+c')).toBe('/d/abc#token=a.b%2Bc');
    expect(documentPagePath('abc', null)).toBe('/d/abc');
    expect(tokenFromFragment('#token=a.b%2Bc')).toBe('a.b+c');
    expect(tokenFromFragment('')).toBeNull();
  });
});
