/**
 * Owns the rooms of one server: loads a document once however many clients ask for it at the same
 * time, holds the connections of a loading document until its stored state is in memory (no client
 * edits a half-loaded document), and unloads a room that stayed empty for the grace period after its
 * updates are written and its log compacted.
 *
 * A client that asked for the document while it loads is answered from the stored bytes as soon as
 * they are read, before they are decoded into a Y.Doc: until the room exists the stored state is
 * the whole document, and a big document then travels while the server decodes it.
 */
import * as Y from 'yjs';
import { CloseCode } from '../../lib/protocol/close-codes';
import { PresenceTick } from './presence-tick';
import { RENEWAL_RELAY_MS } from './room-broadcast';
import type { Logger } from '../logger';
import type { ServerMetrics } from '../metrics';
import type { PersistenceQueue } from '../document/persistence-queue';
import { STORAGE_ORIGIN } from './participants';
import { Room, type RoomOptions } from './room';
import type { RoomReplication } from './room-replication';
import type { Scheduler, TimerHandle } from '../scheduler';
import { StorageError, type StoredDocument } from '../storage/document-store';
import type { DocumentContent } from './sync-answer';

/**
 * What the registry needs of a connection asking for a document: to hold it while the document
 * loads, answer its first sync from the stored bytes, then hand it its room. connection.ts
 * implements it; the room layer names no type of the layer above it.
 */
export interface JoiningConnection {
  readonly docName: string;
  readonly isClosed: boolean;
  attach(room: Room): void;
  whenFirstFrame(): Promise<void>;
  answerQueuedSyncStep1(content: DocumentContent): Promise<void> | null;
  close(code: CloseCode, reason: string, label: 'load_failed'): void;
}

type RoomEntry =
  | { readonly state: 'loading'; readonly loaded: Promise<Room>; readonly waiting: Set<JoiningConnection> }
  | { readonly state: 'ready'; readonly room: Room; idleTimer: TimerHandle | null }
  | { readonly state: 'unloading'; readonly room: Room };

export interface RoomRegistryOptions extends RoomOptions {
  /** How long presence changes gather before they are relayed; 0 = at the end of the turn, like updates. */
  readonly presenceRelayMs: number;
  readonly unloadGraceMs: number;
  readonly maxConcurrentLoads: number;
}

export class RoomRegistry {
  private readonly rooms = new Map<string, RoomEntry>();
  private readonly loadSlots: LoadSlots;
  private readonly presenceTick: PresenceTick | null;
  private readonly renewalTick: PresenceTick | null;
  private closing = false;

  constructor(
    private readonly persistence: PersistenceQueue,
    private readonly options: RoomRegistryOptions,
    private readonly deps: {
      logger: Logger;
      metrics: ServerMetrics;
      scheduler: Scheduler;
      /** Keeps every loaded room in step with its copies elsewhere (SINGLE_SERVER: none). */
      replication: RoomReplication;
    },
  ) {
    this.loadSlots = new LoadSlots(options.maxConcurrentLoads);
    this.presenceTick = options.presenceRelayMs > 0 ? new PresenceTick(deps.scheduler, options.presenceRelayMs) : null;
    this.renewalTick = options.presenceRelayMs > 0 ? new PresenceTick(deps.scheduler, RENEWAL_RELAY_MS) : null;
  }

  get loadedCount(): number {
    let count = 0;
    for (const entry of this.rooms.values()) if (entry.state !== 'loading') count++;
    return count;
  }

  /** Puts the connection into its document's room, loading the document first if needed. */
  connect(connection: JoiningConnection): void {
    const entry = this.rooms.get(connection.docName);
    if (entry !== undefined && entry.state !== 'loading') {
      this.attach(entry, connection);
      return;
    }
    let loaded: Promise<Room>;
    if (entry === undefined) {
      loaded = this.load(connection.docName, connection);
    } else {
      entry.waiting.add(connection);
      loaded = entry.loaded;
    }
    loaded.then(
      () => {
        const current = this.rooms.get(connection.docName);
        if (current !== undefined && current.state !== 'loading') this.attach(current, connection);
      },
      () => connection.close(CloseCode.InternalError, 'document could not be loaded', 'load_failed'),
    );
  }

  /**
   * The room of a document for the document API: loaded if needed and kept in memory until
   * `release` is called, like a connection would keep it.
   */
  async acquire(docName: string): Promise<{ readonly room: Room; release(): void }> {
    for (;;) {
      const entry = this.rooms.get(docName);
      if (entry === undefined) {
        await this.load(docName, null);
        continue;
      }
      if (entry.state === 'loading') {
        await entry.loaded;
        continue;
      }
      if (entry.state === 'ready' && entry.idleTimer !== null) {
        entry.idleTimer.cancel();
        entry.idleTimer = null;
      }
      const { room } = entry;
      room.hold();
      let released = false;
      return {
        room,
        release: () => {
          if (released) return;
          released = true;
          room.unhold();
          if (!room.inUse) this.handleEmpty(room);
        },
      };
    }
  }

  /** Writes everything, then drops every room. Connections must be closed before. */
  async close(): Promise<void> {
    this.closing = true;
    const rooms = [...this.rooms.values()].filter((entry) => entry.state !== 'loading').map((entry) => entry.room);
    for (const room of rooms) room.unloading();
    // What was edited since the last version becomes one, alongside the last writes (best effort).
    // A long log is folded into the snapshot as well (the compaction policy's call), so that the
    // restart loads those documents from one snapshot.
    await Promise.all([
      ...rooms.map((room) => room.history?.flush().catch(() => undefined)),
      // A fold that fails leaves the log as it is: the flush below still writes everything.
      ...rooms.map((room) => room.storage.beforeShutdown().catch(() => undefined)),
      this.persistence.flushAll(),
    ]);
    for (const [docName, entry] of this.rooms) {
      if (entry.state === 'loading') continue;
      if (entry.state === 'ready') entry.idleTimer?.cancel();
      entry.room.dispose();
      this.rooms.delete(docName);
    }
    this.deps.metrics.documentsLoaded.set(0);
  }

  private attach(entry: Exclude<RoomEntry, { state: 'loading' }>, connection: JoiningConnection): void {
    if (entry.state === 'ready' && entry.idleTimer !== null) {
      entry.idleTimer.cancel();
      entry.idleTimer = null;
    }
    if (connection.isClosed) {
      // The client left while its document loaded: the room may be empty now.
      if (!entry.room.inUse) this.handleEmpty(entry.room);
      return;
    }
    connection.attach(entry.room);
  }

  private load(docName: string, first: JoiningConnection | null): Promise<Room> {
    const waiting = new Set(first === null ? [] : [first]);
    const loaded = this.loadSlots.run(() => this.loadRoom(docName, waiting));
    this.rooms.set(docName, { state: 'loading', loaded, waiting });
    loaded.then(
      (room) => {
        this.rooms.set(docName, { state: 'ready', room, idleTimer: null });
        this.deps.metrics.documentsLoaded.set(this.loadedCount);
      },
      (error: unknown) => {
        this.rooms.delete(docName);
        this.deps.metrics.errors.inc({ kind: 'storage' });
        this.deps.logger.error({ err: error, doc: docName }, 'document could not be loaded');
      },
    );
    return loaded;
  }

  private async loadRoom(docName: string, waiting: ReadonlySet<JoiningConnection>): Promise<Room> {
    const stopTimer = this.deps.metrics.documentLoadSeconds.startTimer();
    const storage = this.persistence.open(docName);
    const stored = await storage.load();
    await this.answerFromStorage(stored, waiting);
    const doc = new Y.Doc();
    try {
      doc.transact(() => {
        if (stored.snapshot !== null) Y.applyUpdate(doc, stored.snapshot, STORAGE_ORIGIN);
        for (const update of stored.log) Y.applyUpdate(doc, update, STORAGE_ORIGIN);
      }, STORAGE_ORIGIN);
    } catch (error) {
      doc.destroy();
      // Refuse to serve a document we cannot read fully: serving part of it would invite overwrites.
      throw new StorageError(`stored document ${docName} could not be decoded`, { cause: error });
    }
    storage.attach(doc, stored.log);
    const room = new Room(docName, doc, storage, this.options, {
      logger: this.deps.logger,
      metrics: this.deps.metrics,
      scheduler: this.deps.scheduler,
      onEmpty: (emptyRoom) => this.handleEmpty(emptyRoom),
      historyRecorder: this.deps.replication.historyRecorder(docName),
      presenceTick: this.presenceTick,
      renewalTick: this.renewalTick,
    });
    this.deps.replication.replicate(room);
    stopTimer();
    this.deps.logger.debug({ doc: docName, logLength: stored.log.length }, 'document loaded');
    return room;
  }

  /**
   * Answers the sync step 1 of every waiting client from the stored bytes. They are trusted as they
   * are: each logged update was fully validated before it was written, and a snapshot is encoded
   * from a document. For a big document the decode below blocks the event loop for a while (about
   * 150 ms per MB), so it first waits, within bounds, for the waiting clients' first frames (a
   * client's step 1 arrives one round trip after its connection opened) and for the answers to be
   * written out: the content then travels while the server decodes.
   */
  private async answerFromStorage(stored: StoredDocument, waiting: ReadonlySet<JoiningConnection>): Promise<void> {
    if (stored.snapshot === null && stored.log.length === 0) return;
    let content: DocumentContent;
    try {
      content = { kind: 'stored', update: wholeStoredState(stored) };
    } catch {
      return; // decoding the document below fails too, and reports it
    }
    const written: Array<Promise<void>> = [];
    // Only until the decode starts: after it, edits may exist that the stored bytes lack.
    let answering = true;
    const answerOne = (connection: JoiningConnection) => {
      if (!answering) return;
      const answered = connection.answerQueuedSyncStep1(content);
      if (answered !== null) written.push(answered);
    };
    if (content.update.byteLength >= EARLY_ANSWER_MIN_BYTES) {
      const asked = [...waiting].map((connection) => connection.whenFirstFrame().then(() => answerOne(connection)));
      await this.atMost(FIRST_FRAME_WAIT_MS, Promise.all(asked));
    } else {
      for (const connection of waiting) answerOne(connection);
    }
    answering = false;
    if (written.length > 0) await this.atMost(ANSWER_WRITE_WAIT_MS, Promise.all(written));
  }

  /** Waits for `work`, but no longer than `ms`. */
  private async atMost(ms: number, work: Promise<unknown>): Promise<void> {
    let timer: TimerHandle | null = null;
    const timeout = new Promise<void>((resolve) => {
      timer = this.deps.scheduler.setTimeout(resolve, ms);
    });
    try {
      await Promise.race([work, timeout]);
    } finally {
      (timer as TimerHandle | null)?.cancel();
    }
  }

  private handleEmpty(room: Room): void {
    const entry = this.rooms.get(room.name);
    if (entry?.state !== 'ready' || entry.room !== room || entry.idleTimer !== null || this.closing) return;
    entry.idleTimer = this.deps.scheduler.setTimeout(() => {
      entry.idleTimer = null;
      void this.unload(room);
    }, this.options.unloadGraceMs);
  }

  private async unload(room: Room): Promise<void> {
    const entry = this.rooms.get(room.name);
    if (entry?.state !== 'ready' || entry.room !== room || room.inUse) return;
    this.rooms.set(room.name, { state: 'unloading', room });
    room.unloading();
    await room.history?.flush().catch(() => undefined);
    // Waits through storage failures (retried): a room is never dropped with unwritten updates.
    await room.storage.flushAndCompact();
    if (this.closing) return;
    if (room.inUse || !room.storage.isIdle) {
      // Someone joined while the log was being compacted: keep the room.
      const ready: RoomEntry = { state: 'ready', room, idleTimer: null };
      this.rooms.set(room.name, ready);
      if (!room.inUse) this.handleEmpty(room);
      return;
    }
    room.dispose();
    this.rooms.delete(room.name);
    this.deps.metrics.documentsLoaded.set(this.loadedCount);
    this.deps.logger.debug({ doc: room.name }, 'document unloaded');
  }
}

/** Below this a document decodes in a few milliseconds: not worth waiting for its clients. */
const EARLY_ANSWER_MIN_BYTES = 64 * 1024;
/** How long a big document's decode waits for its waiting clients' first frames. */
const FIRST_FRAME_WAIT_MS = 100;
/** How long it waits for answers already sent to be written out (a client that does not read). */
const ANSWER_WRITE_WAIT_MS = 500;

/** The stored snapshot and log as one update. */
function wholeStoredState(stored: StoredDocument): Uint8Array {
  const parts = stored.snapshot === null ? [...stored.log] : [stored.snapshot, ...stored.log];
  return parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
}

/** Bounds how many documents load at once, so a connection storm cannot exhaust memory or I/O. */
class LoadSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      // The finishing load hands its slot over directly, so `active` never exceeds the limit.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }
}
