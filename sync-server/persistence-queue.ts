/**
 * Gets every update a room accepts onto disk, and says when it is there.
 *
 * Updates are queued in memory and written by a single writer: everything queued while one write is
 * in flight goes out together in the next one (group commit), so a burst of keystrokes costs a few
 * LevelDB batches rather than one write each. A document's log is compacted into a snapshot when it
 * grows past a threshold and when its room unloads.
 *
 * A failed write is never dropped or reported as success: the updates stay queued in order, storage
 * is marked unhealthy (health endpoint, metrics, an error log line) and the write is retried with
 * capped exponential backoff until it succeeds. Waiters for "persisted" stay pending meanwhile.
 */
import type { Logger } from './logger';
import type { ServerMetrics } from './metrics';
import type { Scheduler, TimerHandle } from './scheduler';
import type { DocumentStore, LogEntry } from './storage/document-store';

export interface PersistenceOptions {
  readonly compactAfterUpdates: number;
  readonly retryMaxMs: number;
  /** How long a write waits for more updates to join its batch; 0 = the end of this I/O turn. */
  readonly batchWindowMs: number;
}

export interface StorageHealth {
  readonly ok: boolean;
  readonly pendingUpdates: number;
  readonly lastError: string | null;
}

interface TrackedDocument {
  readonly encodeSnapshot: () => Uint8Array;
  pending: Uint8Array[];
  /** Entries in the stored log (not counting the snapshot). */
  logLength: number;
  /** Counts every update ever queued / made durable; waiters wait for persisted >= their target. */
  queued: number;
  persisted: number;
  waiters: Waiter[];
  compactRequested: boolean;
}

/** Waits until `persisted` reaches `target`; a compaction waiter also waits for the compaction. */
interface Waiter {
  readonly target: number;
  readonly compaction: boolean;
  readonly resolve: () => void;
}

const RETRY_START_MS = 50;

export class PersistenceQueue {
  private readonly documents = new Map<string, TrackedDocument>();
  private writing = false;
  private writeScheduled = false;
  private retryTimer: TimerHandle | null = null;
  private retryDelayMs = RETRY_START_MS;
  private lastError: string | null = null;
  private pendingTotal = 0;
  private closed = false;

  constructor(
    private readonly store: DocumentStore,
    private readonly options: PersistenceOptions,
    private readonly deps: {
      logger: Logger;
      metrics: ServerMetrics;
      scheduler: Scheduler;
      /** Called when writes start failing (false) and when they succeed again (true). */
      onHealthChange?: (ok: boolean) => void;
    },
  ) {}

  /** Starts tracking a loaded document. `encodeSnapshot` must return the document's full state. */
  track(docName: string, storedLogLength: number, encodeSnapshot: () => Uint8Array): void {
    if (this.documents.has(docName)) throw new Error(`document ${docName} is already tracked`);
    this.documents.set(docName, {
      encodeSnapshot,
      pending: [],
      logLength: storedLogLength,
      queued: 0,
      persisted: 0,
      waiters: [],
      compactRequested: storedLogLength >= this.options.compactAfterUpdates,
    });
    if (storedLogLength >= this.options.compactAfterUpdates) this.scheduleWrite();
  }

  enqueue(docName: string, update: Uint8Array): void {
    const doc = this.require(docName);
    doc.pending.push(update);
    doc.queued++;
    this.pendingTotal++;
    this.deps.metrics.storagePendingUpdates.set(this.pendingTotal);
    this.scheduleWrite();
  }

  /** Resolves once every update queued for the document so far is durable. */
  whenPersisted(docName: string): Promise<void> {
    const doc = this.require(docName);
    if (doc.persisted >= doc.queued) return Promise.resolve();
    return new Promise((resolve) => doc.waiters.push({ target: doc.queued, compaction: false, resolve }));
  }

  /** Writes everything queued for the document and compacts its log into one snapshot. */
  flushAndCompact(docName: string): Promise<void> {
    const doc = this.require(docName);
    if (doc.logLength === 0 && doc.pending.length === 0) return Promise.resolve();
    doc.compactRequested = true;
    const target = doc.queued;
    const done = new Promise<void>((resolve) => doc.waiters.push({ target, compaction: true, resolve }));
    this.scheduleWrite();
    return done;
  }

  /** True when nothing of this document is waiting to be written. */
  isIdle(docName: string): boolean {
    const doc = this.documents.get(docName);
    return doc === undefined || (doc.pending.length === 0 && !doc.compactRequested);
  }

  /** Stops tracking a document; only valid when it is idle (after flushAndCompact). */
  untrack(docName: string): void {
    if (!this.isIdle(docName)) throw new Error(`document ${docName} still has unwritten updates`);
    this.documents.delete(docName);
  }

  /** Resolves when every queued update of every document is durable. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.documents.keys()].map((name) => this.whenPersisted(name)));
  }

  health(): StorageHealth {
    return { ok: this.lastError === null, pendingUpdates: this.pendingTotal, lastError: this.lastError };
  }

  close(): void {
    this.closed = true;
    this.retryTimer?.cancel();
    this.retryTimer = null;
  }

  private require(docName: string): TrackedDocument {
    const doc = this.documents.get(docName);
    if (doc === undefined) throw new Error(`document ${docName} is not tracked by persistence`);
    return doc;
  }

  private scheduleWrite(): void {
    if (this.writing || this.writeScheduled || this.retryTimer !== null || this.closed) return;
    this.writeScheduled = true;
    const write = () => {
      this.writeScheduled = false;
      void this.writeOnce();
    };
    // A short window turns many single-update LevelDB batches (each costing far more than its
    // bytes) into one; it bounds how long a received update waits in memory before reaching the OS.
    if (this.options.batchWindowMs === 0) setImmediate(write);
    else setTimeout(write, this.options.batchWindowMs);
  }

  private async writeOnce(): Promise<void> {
    if (this.writing || this.closed) return;
    this.writing = true;
    let failed = false;
    try {
      failed = !(await this.writeCompactions());
      if (!failed) failed = !(await this.writeAppends());
    } finally {
      this.writing = false;
    }
    if (failed) {
      this.scheduleRetry();
    } else if (this.hasWork()) {
      this.scheduleWrite();
    }
  }

  private hasWork(): boolean {
    for (const doc of this.documents.values()) {
      if (doc.pending.length > 0 || doc.compactRequested) return true;
    }
    return false;
  }

  /** One batch with the queued updates of every document. Returns false when the write failed. */
  private async writeAppends(): Promise<boolean> {
    const batch: Array<{ doc: TrackedDocument; updates: Uint8Array[] }> = [];
    const entries: LogEntry[] = [];
    for (const [docName, doc] of this.documents) {
      if (doc.pending.length === 0) continue;
      const updates = doc.pending;
      doc.pending = [];
      batch.push({ doc, updates });
      for (const update of updates) entries.push({ docName, update });
    }
    if (entries.length === 0) return true;

    const stopTimer = this.deps.metrics.storageWriteSeconds.startTimer({ operation: 'append' });
    try {
      await this.store.append(entries);
    } catch (error) {
      // Put the updates back in front of anything queued meanwhile, so order is kept for the retry.
      for (const { doc, updates } of batch) doc.pending = updates.concat(doc.pending);
      this.recordFailure('append', error, entries.length);
      return false;
    }
    stopTimer();
    this.recordSuccess();
    this.pendingTotal -= entries.length;
    this.deps.metrics.storagePendingUpdates.set(this.pendingTotal);
    for (const { doc, updates } of batch) {
      doc.logLength += updates.length;
      doc.persisted += updates.length;
      if (doc.logLength >= this.options.compactAfterUpdates) doc.compactRequested = true;
      this.resolveWaiters(doc);
    }
    return true;
  }

  /** Compacts, one document at a time, every document that asked for it. */
  private async writeCompactions(): Promise<boolean> {
    for (const [docName, doc] of this.documents) {
      if (!doc.compactRequested) continue;
      // The snapshot covers everything applied to the document so far, queued updates included.
      const coversQueued = doc.queued;
      const coveredPending = doc.pending.length;
      const snapshot = doc.encodeSnapshot();
      const stopTimer = this.deps.metrics.storageWriteSeconds.startTimer({ operation: 'compact' });
      try {
        await this.store.compact(docName, snapshot);
      } catch (error) {
        this.recordFailure('compact', error, 0, docName);
        return false;
      }
      stopTimer();
      this.recordSuccess();
      // Updates queued while the compaction was in flight are not in the snapshot: keep those.
      doc.pending = doc.pending.slice(coveredPending);
      this.pendingTotal -= coveredPending;
      this.deps.metrics.storagePendingUpdates.set(this.pendingTotal);
      doc.logLength = 0;
      doc.persisted = Math.max(doc.persisted, coversQueued);
      doc.compactRequested = false;
      this.resolveWaiters(doc);
      this.deps.logger.debug({ doc: docName, bytes: snapshot.byteLength }, 'compacted document log');
    }
    return true;
  }

  private resolveWaiters(doc: TrackedDocument): void {
    if (doc.waiters.length === 0) return;
    const stillWaiting: Waiter[] = [];
    for (const waiter of doc.waiters) {
      if (doc.persisted >= waiter.target && !(waiter.compaction && doc.compactRequested)) {
        waiter.resolve();
      } else {
        stillWaiting.push(waiter);
      }
    }
    doc.waiters = stillWaiting;
  }

  private recordFailure(operation: string, error: unknown, updates: number, docName?: string): void {
    const message = error instanceof Error ? error.message : String(error);
    const wasHealthy = this.lastError === null;
    this.lastError = `${operation} failed: ${message}`;
    this.deps.metrics.errors.inc({ kind: 'storage' });
    this.deps.metrics.storageHealthy.set(0);
    this.deps.logger.error(
      { err: error, operation, doc: docName, updates, retryInMs: this.retryDelayMs },
      'storage write failed; updates kept in memory and retried',
    );
    if (wasHealthy) this.deps.onHealthChange?.(false);
  }

  private recordSuccess(): void {
    if (this.lastError !== null) {
      this.deps.logger.info('storage writes succeed again');
      this.lastError = null;
      this.deps.metrics.storageHealthy.set(1);
      this.deps.onHealthChange?.(true);
    }
    this.retryDelayMs = RETRY_START_MS;
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.retryMaxMs);
    this.retryTimer = this.deps.scheduler.setTimeout(() => {
      this.retryTimer = null;
      this.scheduleWrite();
    }, delay);
  }
}
