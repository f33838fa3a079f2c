/**
 * A document's share-link records as the access check reads them: from the store, through a small
 * cache, so a reconnect storm of one link's holders costs one lookup. An entry lives a few seconds
 * only: a cluster node that missed a revocation message must still refuse the token at the next
 * connection soon after. A revocation made here drops its entry at once.
 */
import type { Scheduler } from '../scheduler';
import type { ShareLinkRecord, ShareLinkStore } from '../storage/share-link-store';

/** How long a looked-up record is trusted without asking the store again. */
const CACHE_TTL_MS = 5_000;
/** Entries kept at most; past it the oldest are dropped (a Map iterates in insertion order). */
const CACHE_MAX_ENTRIES = 10_000;

interface CacheEntry {
  readonly record: Promise<ShareLinkRecord | null>;
  readonly at: number;
}

export class LinkRecords {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    readonly store: ShareLinkStore,
    private readonly scheduler: Scheduler,
  ) {}

  /** The record, or null when the document has none with this id; `fresh` skips the cache. */
  get(docName: string, linkId: string, { fresh = false } = {}): Promise<ShareLinkRecord | null> {
    const key = cacheKey(docName, linkId);
    const now = this.scheduler.now();
    const cached = this.cache.get(key);
    if (!fresh && cached !== undefined && now - cached.at < CACHE_TTL_MS) return cached.record;
    const record = this.store.getLink(docName, linkId);
    this.cache.delete(key);
    this.cache.set(key, { record, at: now });
    // A failed lookup is not remembered: the next request asks the store again.
    record.catch(() => {
      if (this.cache.get(key)?.record === record) this.cache.delete(key);
    });
    while (this.cache.size > CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return record;
  }

  /** Forgets what is known of the link (it was revoked here or on another node). */
  invalidate(docName: string, linkId: string): void {
    this.cache.delete(cacheKey(docName, linkId));
  }
}

function cacheKey(docName: string, linkId: string): string {
  return `${linkId}\u0000${docName}`;
}
