import { describe, expect, it } from 'vitest';
import { fetchWithin, FetchWithinError, type Fetch } from '../../lib/client/page/fetch-within';

/** A response whose body never ends: its headers arrived, its bytes stall. */
function stalledBody(signal: AbortSignal | null | undefined): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"par'));
      signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
    },
  });
  return new Response(body, { status: 200 });
}

describe('fetchWithin', () => {
  it('hands back the whole answer, status and body, read within the deadline', async () => {
    const fetchImpl: Fetch = async () => new Response('{"ok":true}', { status: 201 });
    const response = await fetchWithin(fetchImpl, 'http://127.0.0.1/x', { method: 'POST' }, 1_000);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('keeps a 204 without a body', async () => {
    const response = await fetchWithin(async () => new Response(null, { status: 204 }), 'http://127.0.0.1/x', {}, 1_000);
    expect(response.status).toBe(204);
  });

  it('counts a body that stalls after its headers against the deadline', async () => {
    const fetchImpl: Fetch = async (_url, init) => stalledBody(init?.signal);
    const failure = await fetchWithin(fetchImpl, 'http://127.0.0.1/x', {}, 50).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FetchWithinError);
    expect((failure as FetchWithinError).kind).toBe('timeout');
    expect((failure as FetchWithinError).message).toBe('The sync server did not answer within 0 s.');
  });

  it('tells a server that cannot be reached from one that is slow', async () => {
    const failure = await fetchWithin(async () => Promise.reject(new TypeError('fetch failed')), 'http://127.0.0.1/x', {}, 1_000).catch(
      (error: unknown) => error,
    );
    expect((failure as FetchWithinError).kind).toBe('unreachable');
    expect((failure as FetchWithinError).message).toBe('The sync server cannot be reached right now.');
  });
});
