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

/** What a version says about itself; stored apart from its bytes so a list never reads them. */
export interface VersionMeta {
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** `auto`: a checkpoint the server took; `named`: someone named it; the other two bracket a restore. */
  readonly kind: 'auto' | 'named' | 'before-restore' | 'restore';
  readonly name: string | null;
  /** Who edited since the version before: the names and colours they had in presence. */
  readonly authors: readonly VersionAuthor[];
  /** For a restore: the version it brought back. */
  readonly restoredFrom: number | null;
  /** `full`: the update is the whole document; `delta`: only what changed since the version before. */
  readonly encoding: 'full' | 'delta';
}

export interface VersionAuthor {
  readonly name: string;
  readonly color: string | null;
}

export interface VersionInfo {
  /** Ascending per document. */
  readonly id: number;
  readonly meta: VersionMeta;
}

export interface StoredVersion extends VersionInfo {
  readonly update: Uint8Array;
}

export interface VersionChange {
  /** Versions to add, or to replace when the id exists. */
  readonly put: readonly StoredVersion[];
  readonly remove: readonly number[];
}

export interface DocumentStore {
  /** Which engine holds the data, as /healthz reports it. */
  readonly kind: 'leveldb' | 'postgresql' | 'memory';
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
  /** A document's versions, oldest first, without their bytes. */
  listVersions(docName: string): Promise<VersionInfo[]>;
  /** The versions with these ids, with their bytes, oldest first; unknown ids are left out. */
  loadVersions(docName: string, ids: readonly number[]): Promise<StoredVersion[]>;
  /** Adds, replaces and removes versions of a document in one atomic write. */
  writeVersions(docName: string, change: VersionChange): Promise<void>;
  /** Removes a document entirely, its versions too (used by tests and tooling). */
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
