/**
 * A per-document role held by one node at a time in cluster mode: the compactor (who writes the
 * snapshot) and the historian (who writes versions). Taking the lease also hands out the next
 * fencing token (a per-document, per-role counter), which the store checks when it writes
 * (SharedDocumentStore.compactFromStored and writeVersionsFenced): a node that stalled
 * past its lease (a long pause, a lost network) and then writes anyway carries an older token than
 * the node that took the lease after it, and writes nothing.
 */
import type { Redis } from 'ioredis';
import { documentKey, type DocumentKeyPurpose } from './redis-keys';

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

/** The Redis keys of a role: who holds it, and its token counter. */
export interface LeaseRole {
  readonly lease: DocumentKeyPurpose;
  readonly fence: DocumentKeyPurpose;
}

export const COMPACTOR: LeaseRole = { lease: 'compactor', fence: 'fence' };
export const HISTORIAN: LeaseRole = { lease: 'historian', fence: 'history-fence' };

export class DocumentLease {
  /** The token of each lease this node took and has not released (it may have expired since). */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly role: LeaseRole = COMPACTOR,
  ) {}

  /** The fencing token if this node now holds the lease, null if another node does. */
  async acquire(docName: string): Promise<number | null> {
    const token = await this.redis.eval(ACQUIRE, 2, documentKey(docName, this.role.lease), documentKey(docName, this.role.fence), this.holder, String(this.ttlMs));
    if (token === null) return null;
    this.held.set(docName, Number(token));
    return Number(token);
  }

  /**
   * The token this node took the document's lease with, until it releases it; null when it holds
   * none. A lease that expired meanwhile still answers its token: the store refuses it then.
   */
  heldToken(docName: string): number | null {
    return this.held.get(docName) ?? null;
  }

  async release(docName: string): Promise<void> {
    this.held.delete(docName);
    await this.redis.eval(RELEASE, 1, documentKey(docName, this.role.lease), this.holder);
  }
}
