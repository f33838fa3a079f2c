/**
 * The owner's link management client against a scripted fetch that answers as the routes do:
 * what it sends, what it makes of each answer, and a clear error for every way it can fail.
 */
import { describe, expect, it } from 'vitest';
import { assembleToken, encodeHeader, encodeLinkHeader } from '../../lib/auth/capability-token';
import { LinkManagementError, linkManagement, linkManagementAccess } from '../../lib/client/documents/link-management';

interface Seen {
  readonly url: string;
  readonly method: string;
  readonly authorization: string | null;
  readonly body: unknown;
}

function scripted(answer: (seen: Seen) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetchImpl = async (url: string, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const entry: Seen = {
      url,
      method: init?.method ?? 'GET',
      authorization: headers.get('Authorization'),
      body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : null,
    };
    seen.push(entry);
    return answer(entry);
  };
  const client = linkManagement({ httpBase: 'http://sync.test:1234/', docId: 'doc 1', token: 'owner-token', fetchImpl, timeoutMs: 200 });
  return { client, seen };
}

async function failureOf(promise: Promise<unknown>): Promise<LinkManagementError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LinkManagementError) return error;
    throw error;
  }
  throw new Error('expected a LinkManagementError');
}

const record = {
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  name: 'Reviewers',
  role: 'view',
  token: 't'.repeat(75),
  createdAt: '2026-12-03T15:00:00.000Z',
  expiresAt: '2026-12-10T15:00:00.000Z',
  revokedAt: null,
};

describe('link management client', () => {
  it('lists the links with the owner token, times as milliseconds', async () => {
    const { client, seen } = scripted(() => Response.json({ links: [record, { ...record, id: 'B', name: null, role: 'edit', expiresAt: null, revokedAt: '2026-12-04T00:00:00Z' }] }));
    const links = await client.list();
    expect(seen).toEqual([{ url: 'http://sync.test:1234/docs/doc%201/links', method: 'GET', authorization: 'Bearer owner-token', body: null }]);
    expect(links).toEqual([
      { ...record, createdAt: Date.parse(record.createdAt), expiresAt: Date.parse(record.expiresAt), revokedAt: null },
      { ...record, id: 'B', name: null, role: 'edit', createdAt: Date.parse(record.createdAt), expiresAt: null, revokedAt: Date.parse('2026-12-04T00:00:00Z') },
    ]);
  });

  it('creates a link with a JSON body of only what was chosen', async () => {
    const { client, seen } = scripted(() => Response.json({ id: 'C', name: 'Dana at Acme', role: 'edit', token: 'tok', expiresAt: null }, { status: 201 }));
    const created = await client.create({ role: 'edit', name: '  Dana at Acme ' });
    expect(seen[0]).toMatchObject({ method: 'POST', authorization: 'Bearer owner-token', body: { role: 'edit', name: 'Dana at Acme' } });
    expect(created).toEqual({ id: 'C', name: 'Dana at Acme', role: 'edit', token: 'tok', expiresAt: null });

    await client.create({ role: 'view', name: ' ', expiresAt: '2026-12-10T15:00:00.000Z' });
    expect(seen[1]?.body).toEqual({ role: 'view', expiresAt: '2026-12-10T15:00:00.000Z' });
  });

  it('revokes by link id, and a link already gone counts as revoked', async () => {
    const statuses = [204, 404];
    const { client, seen } = scripted(() => new Response(null, { status: statuses.shift() ?? 500 }));
    await client.revoke('id/1');
    await client.revoke('id/1');
    expect(seen.map((entry) => `${entry.method} ${entry.url}`)).toEqual([
      'DELETE http://sync.test:1234/docs/doc%201/links/id%2F1',
      'DELETE http://sync.test:1234/docs/doc%201/links/id%2F1',
    ]);
    expect((await failureOf(client.revoke('id/1'))).kind).toBe('server');
  });

  it('tells a token that may not manage links (403) from one not accepted (401)', async () => {
    const forbidden = scripted(() => Response.json({ error: 'this link may not manage links' }, { status: 403 }));
    expect(await failureOf(forbidden.client.list())).toMatchObject({ kind: 'not-allowed', message: 'Only the document’s owner can manage its links.' });
    const unauthorized = scripted(() => Response.json({ error: 'a share link token is required' }, { status: 401 }));
    expect((await failureOf(unauthorized.client.list())).kind).toBe('unauthorized');
  });

  it('passes on the server’s reason for a refused body, and says when to try a rate limit again', async () => {
    const refused = scripted(() => Response.json({ error: 'expiresAt is in the past' }, { status: 400 }));
    expect(await failureOf(refused.client.create({ role: 'view' }))).toMatchObject({ kind: 'rejected', message: 'ExpiresAt is in the past.' });
    const limited = scripted(() => Response.json({ error: 'too many' }, { status: 429 }));
    expect((await failureOf(limited.client.create({ role: 'view' }))).kind).toBe('rate-limited');
    const broken = scripted(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    expect(await failureOf(broken.client.list())).toMatchObject({ kind: 'server', message: 'The sync server answered 502.' });
  });

  it('refuses answers that are not what the routes return', async () => {
    for (const body of [{}, { links: 'x' }, { links: [{ ...record, createdAt: 'yesterday' }] }, { links: [{ ...record, token: 3 }] }]) {
      const { client } = scripted(() => Response.json(body));
      expect((await failureOf(client.list())).kind).toBe('server');
    }
    const owner = scripted(() => Response.json({ id: 'C', name: null, role: 'owner', token: 'tok', expiresAt: null }, { status: 201 }));
    expect((await failureOf(owner.client.create({ role: 'view' }))).kind).toBe('server');
    const text = scripted(() => new Response('not json', { status: 200 }));
    expect((await failureOf(text.client.list())).kind).toBe('server');
  });

  it('ends in a clear error when the server cannot be reached or does not answer in time', async () => {
    const unreachable = scripted(() => Promise.reject(new TypeError('fetch failed')));
    expect(await failureOf(unreachable.client.list())).toMatchObject({ kind: 'unreachable', message: 'The sync server cannot be reached right now.' });
    const silent = linkManagement({
      httpBase: 'http://sync.test:1234',
      docId: 'd',
      token: 't',
      timeoutMs: 50,
      fetchImpl: (_url, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
    });
    expect((await failureOf(silent.list())).kind).toBe('timeout');
  });
});

describe('who may manage links, as the page can tell', () => {
  const mac = new Uint8Array(32);
  const linkId = 'A'.repeat(22);
  it('is an owner link, or a version 1 edit link to be asked about', () => {
    expect(linkManagementAccess(assembleToken(encodeLinkHeader({ role: 'owner', expiresAt: null, linkId }), mac))).toBe('owner');
    expect(linkManagementAccess(assembleToken(encodeHeader({ role: 'edit', expiresAt: null }), mac))).toBe('ask');
    expect(linkManagementAccess(assembleToken(encodeHeader({ role: 'view', expiresAt: null }), mac))).toBe('none');
    expect(linkManagementAccess(assembleToken(encodeLinkHeader({ role: 'edit', expiresAt: null, linkId }), mac))).toBe('none');
    expect(linkManagementAccess(assembleToken(encodeLinkHeader({ role: 'view', expiresAt: null, linkId }), mac))).toBe('none');
    expect(linkManagementAccess(null)).toBe('none');
    expect(linkManagementAccess('garbage')).toBe('none');
  });
});
