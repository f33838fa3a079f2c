/**
 * The storage seam. The sync server keeps every document as a snapshot (a merged Yjs update) plus an
 * append-only log of the updates received since that snapshot. Implementations must make `append`
 * and `compact` atomic: after a crash either all of a call's effects are visible or none are.
 */
export interface StoredDocument {
  /** The last compacted state, or null when the document has never been compacted. */
  readonly snapshot: Uint8Array | null;
  /** Updates appended since the snapshot, in append order. */
  readonly log: readonly Uint8Array[];
}

export interface LogEntry {
  readonly docName: string;
  readonly update: Uint8Array;
}

export interface DocumentStore {
  /** Everything stored for a document; an unknown document is `{ snapshot: null, log: [] }`. */
  load(docName: string): Promise<StoredDocument>;
  /** Appends updates, possibly to several documents' logs, in one atomic write. Order is kept per document. */
  append(entries: readonly LogEntry[]): Promise<void>;
  /**
   * Atomically replaces the snapshot and the whole log of a document by `snapshot`. The caller
   * guarantees the snapshot contains every update in the log and that no `append` for this document
   * runs concurrently.
   */
  compact(docName: string, snapshot: Uint8Array): Promise<void>;
  /** Removes a document entirely (used by tests and tooling). */
  delete(docName: string): Promise<void>;
  /** Names of all stored documents, sorted (used by ops tooling and tests; may be slow). */
  listDocuments(): Promise<string[]>;
  close(): Promise<void>;
}

/** A storage failure, kept distinct from protocol and permission errors so it is never reported as one. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
