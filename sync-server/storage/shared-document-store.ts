/**
 * A store several sync servers write at once (PostgreSQL, in cluster mode): what cluster code needs
 * of it beyond DocumentStore. Its writes that only one node may make at a time carry a fencing token
 * from that role's lease (cluster/document-lease.ts), and the store refuses a token older than the
 * last one written, so a node that stalled past its lease writes nothing.
 */
import type { DocumentStore, VersionChange } from './document-store';

export type StoredCompaction = 'compacted' | 'fenced-out' | 'nothing-to-do';

export interface SharedDocumentStore extends DocumentStore {
  /**
   * The snapshot made from what is stored (every node's appends), under the document's lock, by
   * `merge` (the stored parts, snapshot first, into one update); written only when `fence` (the
   * compaction lease's token) is newer than the last compaction's.
   */
  compactFromStored(docName: string, fence: number, merge: (parts: Uint8Array[]) => Uint8Array): Promise<StoredCompaction>;
  /**
   * writeVersions under the historian lease's token `fence`: writes nothing and throws
   * VersionsFencedOut when a newer token has written versions of the document.
   */
  writeVersionsFenced(docName: string, change: VersionChange, fence: number): Promise<void>;
}

/** A version write refused because a node holding a newer historian lease has written since. */
export class VersionsFencedOut extends Error {
  override readonly name = 'VersionsFencedOut';
}

export function isSharedDocumentStore(store: DocumentStore): store is SharedDocumentStore {
  const candidate = store as Partial<SharedDocumentStore>;
  return typeof candidate.compactFromStored === 'function' && typeof candidate.writeVersionsFenced === 'function';
}
