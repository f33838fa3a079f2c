/**
 * When and how a document's log is folded into its snapshot. The persistence layer is given one by
 * whoever composes the server: on a single node, `localCompaction` (below) has the queue write the
 * document's own state as the snapshot; cluster mode gives its own (cluster/leased-compaction.ts),
 * which compacts from what every node stored, under a lease.
 */

/** What a policy may do with one loaded document (its DocumentStorage). */
export interface CompactableDocument {
  readonly docName: string;
  /**
   * Has the queue write this node's whole state of the document as its snapshot, with the next
   * write; resolves once it has (at once when nothing is logged or queued).
   */
  compactInQueue(): Promise<void>;
  /** Resolves once every update queued so far is durable. */
  whenPersisted(): Promise<void>;
  /** Reads this node's whole state of the document when called (empty if it was never attached). */
  heldState(): () => Uint8Array;
  /** The stored log was compacted by someone other than the queue: count it from zero again. */
  compactedElsewhere(): void;
}

export interface CompactionPolicy {
  /** The document loaded with `logLength` entries in its stored log. */
  loaded(document: CompactableDocument, logLength: number): void;
  /** This node's appends brought the document's log to `logLength` entries. */
  appended(document: CompactableDocument, logLength: number): void;
  /** Before the document unloads: everything queued written, the log compacted. */
  beforeUnload(document: CompactableDocument): Promise<void>;
}

/**
 * One node, one writer: the snapshot is this node's document, written by the queue after
 * `afterUpdates` entries in the log (a long log found at load included) and before an unload.
 */
export function localCompaction(afterUpdates: number): CompactionPolicy {
  const compactWhenLong = (document: CompactableDocument, logLength: number): void => {
    if (logLength >= afterUpdates) void document.compactInQueue();
  };
  return {
    loaded: compactWhenLong,
    appended: compactWhenLong,
    beforeUnload: (document) => document.compactInQueue(),
  };
}
