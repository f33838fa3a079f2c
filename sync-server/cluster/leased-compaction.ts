/**
 * Cluster mode's compaction policy (document/compaction-policy.ts). A node's Y.Doc may lack updates
 * another node has already stored, so a snapshot of it alone could delete log entries it does not
 * hold: here the snapshot is made from what is stored (every node's appends), joined with what
 * this node holds, by the node holding the document's compaction lease, and the store writes it
 * only if the lease's token is the newest (SharedDocumentStore.compactFromStored).
 *
 * A node asks after its own appends bring the log past the threshold and before it unloads the
 * document; not at load (the log it finds there is the other nodes' to count).
 */
import * as Y from 'yjs';
import type { CompactableDocument, CompactionPolicy } from '../document/compaction-policy';
import type { Logger } from '../logger';
import type { SharedDocumentStore } from '../storage/shared-document-store';

/** The per-document lease (document-lease.ts): the token while this node holds it, null while another does. */
export interface CompactionLease {
  acquire(docName: string): Promise<number | null>;
  release(docName: string): Promise<void>;
}

/** One snapshot of stored parts, garbage-collected: decoded into a document and encoded again. */
export function mergeStoredParts(parts: readonly Uint8Array[]): Uint8Array {
  const doc = new Y.Doc();
  try {
    doc.transact(() => {
      for (const part of parts) Y.applyUpdate(doc, part);
    });
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

export function leasedCompaction(
  store: Pick<SharedDocumentStore, 'compactFromStored'>,
  lease: CompactionLease,
  afterUpdates: number,
  logger: Logger,
): CompactionPolicy {
  /** One compaction at a time per document; a request meanwhile joins the running one. */
  const running = new Map<CompactableDocument, Promise<void>>();

  const compactUnderLease = async (docName: string, held: () => Uint8Array): Promise<void> => {
    const fence = await lease.acquire(docName);
    if (fence === null) return; // another node is compacting it
    try {
      // A CRDT join: the snapshot holds everything stored and everything this node holds. What
      // this node received from another node is stored only by that node, and if that node died
      // before storing it, this is where it is kept.
      const outcome = await store.compactFromStored(docName, fence, (parts) => mergeStoredParts([...parts, held()]));
      logger.debug({ doc: docName, fence, outcome }, 'cluster compaction');
    } finally {
      await lease.release(docName).catch(() => undefined);
    }
  };

  const compact = (document: CompactableDocument): Promise<void> => {
    let compaction = running.get(document);
    if (compaction === undefined) {
      compaction = compactUnderLease(document.docName, document.heldState())
        .then(() => document.compactedElsewhere())
        .catch(() => undefined) // asked again when the threshold is passed again, or at the unload
        .finally(() => running.delete(document));
      running.set(document, compaction);
    }
    return compaction;
  };

  return {
    loaded: () => undefined,
    appended: (document, log) => {
      if (log.entries >= afterUpdates) void compact(document);
    },
    beforeUnload: (document) => document.whenPersisted().then(() => compact(document)),
    // A compaction needs the lease and the other nodes' stored parts; a stopping node only writes.
    beforeShutdown: (document) => document.whenPersisted(),
  };
}
