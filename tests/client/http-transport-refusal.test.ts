/**
 * The HTTP fallback ends a link the way a socket's close frame would: the server's 410 answer to a
 * poll carries {"code","reason"} (sync-server/edge/http-fallback-routes.ts), and a 4403 with a
 * reason is a refusal for good that keeps the reason. Played against a scripted fetch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTransport, type FetchFunction } from '../../lib/client/transport/http-transport';
import type { LinkLoss } from '../../lib/client/transport/transport';
import { FakePageEnvironment } from '../helpers/fake-page-environment';
import { ManualScheduler } from '../helpers/manual-scheduler';

const transports: HttpTransport[] = [];

afterEach(() => {
  for (const transport of transports.splice(0)) transport.close();
});

/** A server that opens one session, takes every batch, and answers the first poll with `closed`. */
function scriptedServer(closed: { status: number; body: unknown }) {
  const requests: string[] = [];
  const fetch: FetchFunction = async (url, init) => {
    const method = init.method ?? 'GET';
    requests.push(`${method} ${url}`);
    if (method === 'POST' && !url.includes('/s1')) return Response.json({ session: 's1', pollMs: 20_000, maxBodyBytes: 65_536 });
    if (method === 'POST') return new Response(null, { status: 204 });
    if (method === 'DELETE') return new Response(null, { status: 204 });
    return Response.json(closed.body, { status: closed.status });
  };
  return { fetch, requests };
}

async function settleFor(clock: ManualScheduler, done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    clock.advance(10);
  }
}

function setUp(closed: { status: number; body: unknown }) {
  const clock = new ManualScheduler();
  const server = scriptedServer(closed);
  const transport = new HttpTransport({
    baseUrl: 'http://sync.test:1234',
    docName: 'doc',
    params: { token: 'abc' },
    fetch: server.fetch,
    clock,
    environment: new FakePageEnvironment(),
    random: () => 0.5,
  });
  transports.push(transport);
  const losses: LinkLoss[] = [];
  transport.listen({ onLinkLost: (loss) => losses.push(loss) });
  return { clock, server, transport, losses };
}

describe('HttpTransport refusals', () => {
  it('keeps the reason of a 4403 that the server reports through a poll, and never opens again', async () => {
    for (const reason of ['this link was revoked', 'this link has expired']) {
      const { clock, server, transport, losses } = setUp({ status: 410, body: { code: 4403, reason } });
      transport.open();
      await settleFor(clock, () => transport.state.kind === 'refused');
      expect(transport.state).toEqual({ kind: 'refused', code: 4403, reason });
      expect(losses).toEqual([{ cause: 'server-closed', code: 4403, reason }]);
      const opened = server.requests.filter((request) => request.startsWith('POST') && !request.includes('/s1')).length;
      clock.advance(120_000);
      await settleFor(clock, () => false);
      expect(server.requests.filter((request) => request.startsWith('POST') && !request.includes('/s1'))).toHaveLength(opened);
      expect(opened).toBe(1);
    }
  });

  it('reports a refusal without a reason as before', async () => {
    const { clock, transport } = setUp({ status: 410, body: { code: 4403, reason: '' } });
    transport.open();
    await settleFor(clock, () => transport.state.kind === 'refused');
    expect(transport.state).toEqual({ kind: 'refused', code: 4403 });
  });
});
