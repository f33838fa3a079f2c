/**
 * Gets every update a room accepts onto disk, and says when it is there. Each loaded document has
 * a DocumentStorage handle (document-storage.ts) from `open`; this queue writes for all of them.
 *
 * Updates are queued in memory and written by a single writer: everything queued while one write is
 * in flight goes out together in the next one (group commit), so a burst of keystrokes costs a few
 * LevelDB batches rather than one write each. When a document's log is compacted into a snapshot is
 * the compaction policy's to say (compaction-policy.ts); a snapshot it asks the queue for is written
 * by the same writer, ahead of the next appends.
 *
 * A failed write is never dropped or reported as success: the updates stay queued in order, storage
 * is marked unhealthy (health endpoint, metrics, an error log line) and the write is retried with
 * capped exponential backoff until it succeeds. Waiters for "persisted" stay pending meanwhile.
 */
import type { CompactionPolicy } from './compaction-policy';
import { DocumentStorage, type WriteScheduler } from './document-storage';
import type { Logger } from '../logger';
import type { ServerMetrics } from '../metrics';
import type { Scheduler, TimerHandle } from '../scheduler';
import type { DocumentStore, LogEntry } from '../storage/document-store';

export interface PersistenceOptions {
  readonly retryMaxMs: number;
  /** How long a write waits for more updates to join its batch; 0 = the end of this turn. */
  readonly batchWindowMs: number;
}

export interface StorageHealth {
  readonly ok: boolean;
  readonly pendingUpdates: number;
  readonly lastError: string | null;
}

export interface PersistenceDeps {
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly scheduler: Scheduler;
  /** When and how each document's log is compacted. */
  readonly compaction: CompactionPolicy;
  /** Called when writes start failing (false) and when they succeed again (true). */
  readonly onHealthChange?: (ok: boolean) => void;
}

const RETRY_START_MS = 50;

export class PersistenceQueue {
  private readonly attached = new Set<DocumentStorage>();
  private readonly writer: WriteScheduler;
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
    private readonly deps: PersistenceDeps,
  ) {
    this.writer = {
      attach: (storage) => this.attached.add(storage),
      release: (storage) => this.attached.delete(storage),
      scheduleWrite: (queued) => {
        if (queued > 0) {
          this.pendingTotal += queued;
          this.deps.metrics.storagePendingUpdates.set(this.pendingTotal);
        }
        this.scheduleWrite();
      },
    };
  }

  /** A handle for one document; the room that loads the document owns it. */
  open(docName: string): DocumentStorage {
    return new DocumentStorage(docName, this.store, this.writer, this.deps.compaction);
  }

  /** Resolves when every queued update of every document is durable. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.attached].map((storage) => storage.whenPersisted()));
  }

  health(): StorageHealth {
    return { ok: this.lastError === null, pendingUpdates: this.pendingTotal, lastError: this.lastError };
  }

  close(): void {
    this.closed = true;
    this.retryTimer?.cancel();
    this.retryTimer = null;
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
    if (this.options.batchWindowMs === 0) this.deps.scheduler.atEndOfTurn(write);
    else this.deps.scheduler.setTimeout(write, this.options.batchWindowMs);
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
    for (const storage of this.attached) {
      if (storage.hasPending || storage.wantsCompaction) return true;
    }
    return false;
  }

  /** One batch with the queued updates of every document. Returns false when the write failed. */
  private async writeAppends(): Promise<boolean> {
    const batch: Array<{ storage: DocumentStorage; updates: Uint8Array[] }> = [];
    const entries: LogEntry[] = [];
    for (const storage of this.attached) {
      if (!storage.hasPending) continue;
      const updates = storage.takePending();
      batch.push({ storage, updates });
      for (const update of updates) entries.push({ docName: storage.docName, update });
    }
    if (entries.length === 0) return true;

    const stopTimer = this.deps.metrics.storageWriteSeconds.startTimer({ operation: 'append' });
    try {
      await this.store.append(entries);
    } catch (error) {
      for (const { storage, updates } of batch) storage.restorePending(updates);
      this.recordFailure('append', error, entries.length);
      return false;
    }
    stopTimer();
    this.recordSuccess();
    this.pendingTotal -= entries.length;
    this.deps.metrics.storagePendingUpdates.set(this.pendingTotal);
    for (const { storage, updates } of batch) storage.markAppended(updates);
    return true;
  }

  /** Compacts, one document at a time, every document that asked for it. */
  private async writeCompactions(): Promise<boolean> {
    for (const storage of this.attached) {
      if (!storage.wantsCompaction) continue;
      const snapshot = storage.snapshot();
      const stopTimer = this.deps.metrics.storageWriteSeconds.startTimer({ operation: 'compact' });
      try {
        await this.store.compact(storage.docName, snapshot.bytes);
      } catch (error) {
        this.recordFailure('compact', error, 0, storage.docName);
        return false;
      }
      stopTimer();
      this.recordSuccess();
      this.pendingTotal -= storage.markCompacted(snapshot);
      this.deps.metrics.storagePendingUpdates.set(this.pendingTotal);
      this.deps.logger.debug({ doc: storage.docName, bytes: snapshot.bytes.byteLength }, 'compacted document log');
    }
    return true;
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
