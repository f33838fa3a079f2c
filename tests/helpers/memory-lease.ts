/**
 * Per-document leases held in this process, with the semantics of cluster/document-lease.ts (one
 * holder at a time per document, a token that grows at every taking, only the holder releases), so
 * that compaction and version fencing run in unit tests without Redis.
 */
import type { CompactionLease } from '../../sync-server/cluster/leased-compaction';

export class MemoryLeaseTable {
  private readonly holders = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** The lease as node `holder` sees it. */
  lease(holder: string): CompactionLease & { heldToken(docName: string): number | null } {
    const held = new Map<string, number>();
    return {
      acquire: async (docName) => {
        if (this.holders.has(docName)) return null;
        this.holders.set(docName, holder);
        const token = (this.counters.get(docName) ?? 0) + 1;
        this.counters.set(docName, token);
        held.set(docName, token);
        return token;
      },
      release: async (docName) => {
        held.delete(docName);
        if (this.holders.get(docName) === holder) this.holders.delete(docName);
      },
      heldToken: (docName) => held.get(docName) ?? null,
    };
  }

  /** Ends `docName`'s lease whoever holds it, as an expiry would. */
  expire(docName: string): void {
    this.holders.delete(docName);
  }

  holderOf(docName: string): string | null {
    return this.holders.get(docName) ?? null;
  }
}
