/**
 * A connection to Redis as every part of cluster mode opens one: it reconnects with capped backoff,
 * and a command sent while Redis is away waits for it rather than failing at once. The cap bounds
 * how long after Redis is back a node still stands apart from the others.
 */
import { Redis } from 'ioredis';

export const RECONNECT_CAP_MS = 1_000;

/** Not connected until `connect()`, so that its owner has set its listeners first. */
export function redisConnection(url: string, connectionName: string, options: { readonly autoResubscribe?: boolean } = {}): Redis {
  return new Redis(url, {
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, RECONNECT_CAP_MS),
    maxRetriesPerRequest: null,
    lazyConnect: true,
    connectionName,
    ...options,
  });
}
