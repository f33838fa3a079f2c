/**
 * Rooms, connections and persistence wired by the server's own wiring (sync-server/document-core.ts),
 * over in-memory sockets and a manual clock: no network, no timers, every step explicit.
 */
import pino from 'pino';
import * as Y from 'yjs';
import { decodeAwarenessUpdate, type AwarenessEntry } from '../../lib/protocol/awareness';
import {
  decodeMessage,
  encodeAwarenessMessage,
  encodeSaveRequest,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type Message,
} from '../../lib/protocol/messages';
import type { ConnectionLimits } from '../../sync-server/config';
import { Connection } from '../../sync-server/connection/connection';
import { createDocumentCore } from '../../sync-server/document-core';
import { localCompaction } from '../../sync-server/document/compaction-policy';
import { ServerMetrics } from '../../sync-server/metrics';
import type { HistoryOptions } from '../../sync-server/history/document-history';
import type { Permission } from '../../sync-server/room/permissions';
import { SINGLE_SERVER, type RoomReplication } from '../../sync-server/room/room-replication';
import type { Socket } from '../../sync-server/connection/socket';
import type { DocumentStore } from '../../sync-server/storage/document-store';
import { ManualScheduler } from './manual-scheduler';
import { MemorySocket } from './memory-socket';

export const testLimits: ConnectionLimits = {
  maxMessageBytes: 1024 * 1024,
  maxAwarenessStateBytes: 1024,
  maxPresenceIdsPerConnection: 16,
  messagesPerSecond: 1000,
  messageBurst: 2000,
  bytesPerSecond: 1024 * 1024,
  sendBufferLimitBytes: 64 * 1024,
  slowClientTimeoutMs: 1000,
  maxQueuedBytesWhileLoading: 1024 * 1024,
  maxApiBodyBytes: 64 * 1024,
};

export interface HarnessOptions {
  readonly limits?: Partial<ConnectionLimits>;
  readonly compactAfterUpdates?: number;
  readonly unloadGraceMs?: number;
  readonly presenceRelayMs?: number;
  /** PRESENCE_CROWD_SIZE (100 by default). */
  readonly presenceCrowdSize?: number;
  readonly history?: HistoryOptions | null;
  /** The clock to use (by default a new one), e.g. one that continues a previous server's time. */
  readonly scheduler?: ManualScheduler;
  /** STORAGE_BATCH_WINDOW_MS; 0 (the default) writes at the end of the turn. */
  readonly batchWindowMs?: number;
  /** How the rooms are kept in step with copies elsewhere (by default: none, a single server). */
  readonly replication?: RoomReplication;
}

export function createRoomHarness(store: DocumentStore, options: HarnessOptions = {}) {
  const scheduler = options.scheduler ?? new ManualScheduler();
  const metrics = new ServerMetrics();
  const logger = pino({ level: 'silent' });
  const connections = new Set<Connection>();
  const limits = { ...testLimits, ...options.limits };
  const { persistence, registry } = createDocumentCore(
    {
      storageRetryMaxMs: 1000,
      storageBatchWindowMs: options.batchWindowMs ?? 0,
      documentUnloadGraceMs: options.unloadGraceMs ?? 5000,
      maxConcurrentLoads: 4,
      history: options.history ?? null,
      presenceRelayMs: options.presenceRelayMs ?? 0,
      presenceCrowdSize: options.presenceCrowdSize ?? 100,
      limits,
    },
    {
      store,
      logger,
      metrics,
      scheduler,
      compaction: localCompaction(options.compactAfterUpdates ?? 1000),
      replication: options.replication ?? SINGLE_SERVER,
      onStorageHealthChange: (ok) => {
        for (const connection of connections) if (!connection.isClosed) connection.notifyStorageState(ok);
      },
    },
  );
  const deps = { logger, metrics, scheduler, storageHealthy: () => persistence.health().ok, sharingHealthy: () => true };
  let nextId = 1;
  const open = (docName: string, socket: Socket, permission: Permission): Connection => {
    const connection = new Connection(nextId++, docName, permission, socket, limits, deps);
    connections.add(connection);
    return connection;
  };

  return {
    scheduler,
    metrics,
    persistence,
    registry,
    /**
     * The server's side of a new connection over `socket`, handed to the registry as the server
     * does; feed it frames with `connection.receive` and tell it of a close with `handleSocketClosed`.
     */
    accept(docName: string, socket: Socket, permission: Permission = 'write'): Connection {
      const connection = open(docName, socket, permission);
      registry.connect(connection);
      return connection;
    },
    /** A connected client; it has the document's content once `synced` resolves. */
    connect(docName: string, permission: Permission = 'write'): ProtocolClient {
      const socket = new MemorySocket();
      // The client listens before the registry can send it anything.
      const client = new ProtocolClient(open(docName, socket, permission), socket);
      registry.connect(client.connection);
      return client;
    },
  };
}

/** A minimal y-websocket client speaking the protocol directly to a Connection. */
export class ProtocolClient {
  readonly doc = new Y.Doc();
  readonly received: Message[] = [];
  readonly presences = new Map<number, string>();
  private readonly savedIds = new Set<number>();

  constructor(
    readonly connection: Connection,
    readonly socket: MemorySocket,
  ) {
    socket.onSend = (frame) => this.handle(decodeMessage(frame));
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== this) this.sendFrame(encodeSyncUpdate(update));
    });
  }

  get text(): string {
    return this.doc.getText('t').toString();
  }

  /** Starts a sync the way y-websocket does: our state vector first. */
  sync(): void {
    this.sendFrame(encodeSyncStep1(Y.encodeStateVector(this.doc)));
  }

  type(text: string): void {
    const t = this.doc.getText('t');
    t.insert(t.length, text);
  }

  sendFrame(frame: Uint8Array, isBinary = true): void {
    this.connection.receive(frame, isBinary);
  }

  /** Sends update bytes as a sync update, whatever this client's own document holds. */
  sendUpdate(update: Uint8Array): void {
    this.sendFrame(encodeSyncUpdate(update));
  }

  sendAwareness(update: Uint8Array): void {
    this.sendFrame(encodeAwarenessMessage(update));
  }

  requestSave(id: number): void {
    this.sendFrame(encodeSaveRequest(id));
  }

  wasSaved(id: number): boolean {
    return this.savedIds.has(id);
  }

  close(): void {
    this.connection.handleSocketClosed(1000);
  }

  private handle(message: Message): void {
    this.received.push(message);
    switch (message.type) {
      case 'sync-step-1':
        this.sendFrame(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, message.stateVector)));
        break;
      case 'sync-step-2':
      case 'sync-update':
        Y.applyUpdate(this.doc, message.update, this);
        break;
      case 'awareness':
        for (const entry of decodeAwarenessUpdate(message.update, Infinity)) this.applyPresence(entry);
        break;
      case 'saved':
        this.savedIds.add(message.requestId);
        break;
      default:
        break;
    }
  }

  private applyPresence(entry: AwarenessEntry): void {
    if (entry.state === 'null') this.presences.delete(entry.clientId);
    else this.presences.set(entry.clientId, entry.state);
  }
}
