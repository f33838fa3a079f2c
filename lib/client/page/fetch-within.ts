/**
 * A request to the sync server's HTTP routes with a deadline that covers the whole answer, body
 * included (a server can stall after its headers): what the share dialog, link management, the
 * version history and document creation send. The answer comes back whole, so its body can be read
 * after the deadline's timer is gone; a request that fails ends in a FetchWithinError whose message
 * a person can act on.
 */

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export class FetchWithinError extends Error {
  override readonly name = 'FetchWithinError';
  constructor(
    /** timeout: no whole answer within the deadline; unreachable: no answer at all (offline, refused). */
    readonly kind: 'timeout' | 'unreachable',
    timeoutMs: number,
  ) {
    super(
      kind === 'timeout'
        ? `The sync server did not answer within ${Math.round(timeoutMs / 1000)} s.`
        : 'The sync server cannot be reached right now.',
    );
  }
}

export async function fetchWithin(fetchImpl: Fetch, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchImpl(url, { ...init, signal: controller.signal });
    const text = await response.text();
    const bodyless = text === '' || response.status === 204 || response.status === 304;
    return new Response(bodyless ? null : text, { status: response.status, headers: response.headers });
  } catch {
    throw new FetchWithinError(controller.signal.aborted ? 'timeout' : 'unreachable', timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}
