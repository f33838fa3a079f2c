/**
 * One loaded document's way to storage, owned by its room: load it, queue what the room accepts,
 * learn when that is durable, flush and compact before unloading, release; and its versions. Everything persistence
 * knows about a document lives here; the PersistenceQueue only decides when to write (group
 * commit, retries) and writes for every document it has handles for at once.
 */
import * as Y from 'yjs';
import type { CompactableDocument, CompactionPolicy, LogSize } from './compaction-policy';
import { emptyUpdate } from '../storage/empty-update';
import type { DocumentStore, StoredDocument, StoredVersion, VersionChange, VersionInfo } from '../storage/document-store';

/** What a handle needs of the queue that writes for it. */
export interface WriteScheduler {
  /** The handle has a document now: its updates are to be written. */
  attach(storage: DocumentStorage): void;
  release(storage: DocumentStorage): void;
  /** Something of the handle waits to be written (`queued` more updates, maybe none). */
  scheduleWrite(queued: number): void;
}

/** Waits until `persisted` reaches `target`; a compaction waiter also waits for the compaction. */
interface Waiter {
  readonly target: number;
  readonly compaction: boolean;
  readonly resolve: () => void;
}

export class DocumentStorage implements CompactableDocument {
  private doc: Y.Doc | null = null;
  private pending: Uint8Array[] = [];
  /** Entries in the stored log (not counting the snapshot), and their bytes. */
  private logLength = 0;
  private logBytes = 0;
  /** Counts every update ever queued / made durable; waiters wait for persisted >= their target. */
  private queued = 0;
  private persisted = 0;
  private waiters: Waiter[] = [];
  private compactRequested = false;
  /** Told how many of the updates queued so far are durable, each time that grows (cluster mode). */
  onPersisted: ((persisted: number) => void) | null = null;

  constructor(
    readonly docName: string,
    private readonly store: DocumentStore,
    private readonly writer: WriteScheduler,
    private readonly compaction: CompactionPolicy,
  ) {}

  /** Everything stored for the document. */
  load(): Promise<StoredDocument> {
    return this.store.load(this.docName);
  }

  /**
   * From now on `doc` is the document: its updates are queued by the room, and a compaction
   * stores its whole state. `storedLog` is the log the load found (the compaction policy hears of it).
   */
  attach(doc: Y.Doc, storedLog: readonly Uint8Array[]): void {
    if (this.doc !== null) throw new Error(`document ${this.docName} is already attached`);
    this.doc = doc;
    this.logLength = storedLog.length;
    this.logBytes = totalBytes(storedLog);
    this.writer.attach(this);
    this.compaction.loaded(this, this.logSize());
  }

  /** The document's versions, oldest first (history/document-history.ts records them). */
  listVersions(): Promise<VersionInfo[]> {
    return this.store.listVersions(this.docName);
  }

  loadVersions(ids: readonly number[]): Promise<StoredVersion[]> {
    return this.store.loadVersions(this.docName, ids);
  }

  writeVersions(change: VersionChange): Promise<void> {
    return this.store.writeVersions(this.docName, change);
  }

  /** Queues an update; returns its number among every update queued (durable once `persisted` reaches it). */
  enqueue(update: Uint8Array): number {
    if (this.doc === null) throw new Error(`document ${this.docName} is not attached`);
    this.pending.push(update);
    this.queued++;
    this.writer.scheduleWrite(1);
    return this.queued;
  }

  /** Resolves once every update queued so far is durable. */
  whenPersisted(): Promise<void> {
    if (this.persisted >= this.queued) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target: this.queued, compaction: false, resolve }));
  }

  /** Writes everything queued and compacts the log into one snapshot (as the compaction policy does it). */
  flushAndCompact(): Promise<void> {
    return this.compaction.beforeUnload(this);
  }

  /** The server stops: writes everything queued, and compacts if the policy finds the log worth it. */
  beforeShutdown(): Promise<void> {
    const queued = { entries: this.pending.length, bytes: totalBytes(this.pending) };
    return this.compaction.beforeShutdown(this, { entries: this.logLength + queued.entries, bytes: this.logBytes + queued.bytes });
  }

  // The compaction policy's side (compaction-policy.ts).

  compactInQueue(): Promise<void> {
    // Nothing logged, queued or in flight (taken for a write that has not finished): nothing to compact.
    if (this.logLength === 0 && this.pending.length === 0 && this.persisted >= this.queued) return Promise.resolve();
    this.compactRequested = true;
    const done = new Promise<void>((resolve) => this.waiters.push({ target: this.queued, compaction: true, resolve }));
    this.writer.scheduleWrite(0);
    return done;
  }

  heldState(): () => Uint8Array {
    // The document as it is when read: a compaction elsewhere reads it once it holds its lock.
    const doc = this.doc;
    return () => (doc === null ? emptyUpdate() : Y.encodeStateAsUpdate(doc));
  }

  compactedElsewhere(): void {
    this.logLength = 0;
    this.logBytes = 0;
  }

  /** Nothing waits to be written. */
  get isIdle(): boolean {
    return this.pending.length === 0 && !this.compactRequested;
  }

  /** Ends the handle. Refused while updates are unwritten: they would be lost. */
  release(): void {
    if (this.pending.length > 0) throw new Error(`document ${this.docName} still has unwritten updates`);
    this.doc = null;
    this.writer.release(this);
  }

  // The queue's side: what to write now, and what a write achieved.

  get wantsCompaction(): boolean {
    return this.compactRequested;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Takes the queued updates for one write; `restorePending` puts them back if it fails. */
  takePending(): Uint8Array[] {
    const updates = this.pending;
    this.pending = [];
    return updates;
  }

  restorePending(updates: Uint8Array[]): void {
    // In front of anything queued meanwhile, so order is kept for the retry.
    this.pending = updates.concat(this.pending);
  }

  markAppended(updates: readonly Uint8Array[]): void {
    this.logLength += updates.length;
    this.logBytes += totalBytes(updates);
    this.persisted += updates.length;
    this.resolveWaiters();
    this.compaction.appended(this, this.logSize());
  }

  /**
   * The document's whole state for a compaction, and what it covers: every update applied so far,
   * queued ones included.
   */
  snapshot(): { readonly bytes: Uint8Array; readonly coversQueued: number; readonly coversPending: number } {
    if (this.doc === null) throw new Error(`document ${this.docName} is not attached`);
    return { bytes: Y.encodeStateAsUpdate(this.doc), coversQueued: this.queued, coversPending: this.pending.length };
  }

  /** The snapshot was stored; returns how many queued updates it made unnecessary to write. */
  markCompacted(covered: { coversQueued: number; coversPending: number }): number {
    // Updates queued while the compaction was in flight are not in the snapshot: keep those.
    this.pending = this.pending.slice(covered.coversPending);
    this.logLength = 0;
    this.logBytes = 0;
    this.persisted = Math.max(this.persisted, covered.coversQueued);
    this.compactRequested = false;
    this.resolveWaiters();
    return covered.coversPending;
  }

  private logSize(): LogSize {
    return { entries: this.logLength, bytes: this.logBytes };
  }

  private resolveWaiters(): void {
    this.onPersisted?.(this.persisted);
    if (this.waiters.length === 0) return;
    const stillWaiting: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (this.persisted >= waiter.target && !(waiter.compaction && this.compactRequested)) waiter.resolve();
      else stillWaiting.push(waiter);
    }
    this.waiters = stillWaiting;
  }
}

function totalBytes(updates: readonly Uint8Array[]): number {
  let bytes = 0;
  for (const update of updates) bytes += update.byteLength;
  return bytes;
}
