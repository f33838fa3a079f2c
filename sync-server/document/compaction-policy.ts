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

/** How much a document's stored log holds. */
export interface LogSize {
  readonly entries: number;
  readonly bytes: number;
}

export interface CompactionPolicy {
  /** The document loaded with this in its stored log. */
  loaded(document: CompactableDocument, log: LogSize): void;
  /** This node's appends brought the document's log to this. */
  appended(document: CompactableDocument, log: LogSize): void;
  /** Before the document unloads: everything queued written, the log compacted. */
  beforeUnload(document: CompactableDocument): Promise<void>;
  /** The server stops with the document loaded (`log` counts what is queued too): at least everything queued written. */
  beforeShutdown(document: CompactableDocument, log: LogSize): Promise<void>;
}

/**
 * Log bytes after which a log is compacted however few its entries. What a log costs at load is
 * its updates' integration, not its entry count: on a book of 20,000 paragraphs (4 MB), 1,000
 * logged updates of 100 edits each (2 MB) took 3.4 s to apply, and each edit into an existing
 * paragraph splits a struct in one struct array of ~200,000. 256 KiB keeps that under ~0.5 s.
 */
export const DEFAULT_COMPACT_AFTER_BYTES = 256 * 1024;

/**
 * A log at least this big is folded into the snapshot before the server stops, so that a restart
 * loads the document from one snapshot: the form a new client also applies fastest (the book: 0.66 s
 * for the snapshot, 4.5 s for the same content merged from a snapshot and a log). Smaller logs cost
 * the load little and are left, which keeps a stop with many documents loaded short.
 */
export const DEFAULT_FOLD_AT_SHUTDOWN_BYTES = 64 * 1024;

/**
 * One node, one writer: the snapshot is this node's document, written by the queue after
 * `afterUpdates` entries or `afterBytes` bytes in the log (a long log found at load included), before
 * an unload, and before the server stops when the log holds `foldAtShutdownBytes`.
 */
export function localCompaction(
  afterUpdates: number,
  afterBytes: number = DEFAULT_COMPACT_AFTER_BYTES,
  foldAtShutdownBytes: number = DEFAULT_FOLD_AT_SHUTDOWN_BYTES,
): CompactionPolicy {
  const compactWhenLong = (document: CompactableDocument, log: LogSize): void => {
    if (log.entries >= afterUpdates || log.bytes >= afterBytes) void document.compactInQueue();
  };
  return {
    loaded: compactWhenLong,
    appended: compactWhenLong,
    beforeUnload: (document) => document.compactInQueue(),
    beforeShutdown: (document, log) =>
      log.entries > 0 && log.bytes >= foldAtShutdownBytes ? document.compactInQueue() : document.whenPersisted(),
  };
}
