/**
 * Who compacts a document in cluster mode: the node holding its lease in Redis. Taking the lease
 * also hands out the next fencing token (a per-document counter), which the store checks when it
 * writes the snapshot (PostgresDocumentStore.compactFromStored): a node that stalled past its
 * lease (a long pause, a lost network) and then writes anyway carries an older token than the
 * node that took the lease after it, and writes nothing.
 */
import type { Redis } from 'ioredis';

// One round trip, atomically: the lease if nobody holds it, and then the next token.
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return false`;

// Only the holder releases: a lease that expired and was taken by another node is not ours to end.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export class CompactionLease {
  constructor(
    private readonly redis: Redis,
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** The fencing token if this node now holds the lease, null if another node does. */
  async acquire(docName: string): Promise<number | null> {
    const token = await this.redis.eval(ACQUIRE, 2, leaseKey(docName), fenceKey(docName), this.holder, String(this.ttlMs));
    return token === null ? null : Number(token);
  }

  async release(docName: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, leaseKey(docName), this.holder);
  }
}

function leaseKey(docName: string): string {
  return `tandem:{${encodeURIComponent(docName)}}:compactor`;
}

function fenceKey(docName: string): string {
  return `tandem:{${encodeURIComponent(docName)}}:fence`;
}
