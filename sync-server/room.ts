/**
 * One document in memory and the connections editing it. The room is the authority for its
 * document: it validates every update before applying it, relays what it applied to everyone else
 * (gathered per event-loop turn, see turn-broadcast.ts), hands it to persistence, and answers save
 * requests once persistence has it on disk.
 */
import * as Y from 'yjs';
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '../lib/protocol/awareness';
import { CloseCode } from '../lib/protocol/close-codes';
import {
  encodeAwarenessMessage,
  encodePermissionDenied,
  encodeSaved,
  encodeSyncStep1,
  encodeSyncStep2,
  type Message,
} from '../lib/protocol/messages';
import { ProtocolError } from '../lib/protocol/protocol-error';
import { assertValidStateVector, assertValidUpdate } from '../lib/protocol/validate-payload';
import { AwarenessRegistry } from './awareness-registry';
import type { Logger } from './logger';
import type { ServerMetrics } from './metrics';
import type { PersistenceQueue } from './persistence-queue';
import type { Scheduler, TimerHandle } from './scheduler';
import { TurnBroadcast } from './turn-broadcast';

export type Permission = 'read' | 'write';

/** What a room needs of a connection. */
export interface RoomConnection {
  readonly id: number;
  readonly permission: Permission;
  send(message: Uint8Array): void;
}

/** Transaction origin of updates replayed from storage: they are already on disk. */
export const STORAGE_ORIGIN = Symbol('storage');

export interface RoomOptions {
  readonly maxAwarenessStateBytes: number;
  /** How long presence changes gather before they are relayed; 0 = at the end of the turn, like updates. */
  readonly presenceRelayMs: number;
}

export class Room {
  private readonly connections = new Set<RoomConnection>();
  private readonly awareness = new AwarenessRegistry<RoomConnection>();
  /** Read-only connections already told that their edits are refused (told once, not per keystroke). */
  private readonly deniedWriters = new WeakSet<RoomConnection>();
  private readonly outgoing = new TurnBroadcast();
  private updateFlushScheduled = false;
  private presenceFlush: TimerHandle | null = null;
  private disposed = false;
  /**
   * The sync messages that are the same for every client until the document changes: the server's
   * state vector (sent on join) and the whole state (the answer to an empty state vector, what a new
   * client sends). When a storm brings all clients of a document back at once they are encoded once
   * per document rather than once per client. The whole state is compact next to the Y.Doc itself.
   */
  private stateVectorMessage: Uint8Array | null = null;
  private wholeStateMessage: Uint8Array | null = null;

  constructor(
    readonly name: string,
    readonly doc: Y.Doc,
    private readonly persistence: PersistenceQueue,
    private readonly options: RoomOptions,
    private readonly deps: {
      logger: Logger;
      metrics: ServerMetrics;
      scheduler: Scheduler;
      onEmpty: (room: Room) => void;
    },
  ) {
    doc.on('update', this.handleDocUpdate);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  join(connection: RoomConnection): void {
    if (this.disposed) throw new Error(`room ${this.name} is disposed`);
    this.connections.add(connection);
    // The server's state vector: the client answers with everything the server lacks.
    this.stateVectorMessage ??= encodeSyncStep1(Y.encodeStateVector(this.doc));
    connection.send(this.stateVectorMessage);
    const presences = this.awareness.liveEntries();
    if (presences.length > 0) connection.send(encodeAwarenessMessage(encodeAwarenessUpdate(presences)));
  }

  leave(connection: RoomConnection): void {
    if (!this.connections.delete(connection)) return;
    const removals = this.awareness.removeOwner(connection);
    if (removals.length > 0) {
      this.outgoing.addPresence(removals, null, null);
      this.schedulePresenceFlush();
    }
    if (this.connections.size === 0) this.deps.onEmpty(this);
  }

  /** Handles one decoded message. Throws ProtocolError for a payload that must close the connection. */
  handleMessage(connection: RoomConnection, message: Message): void {
    switch (message.type) {
      case 'sync-step-1':
        assertValidStateVector(message.stateVector);
        connection.send(this.answerStateVector(message.stateVector));
        return;
      case 'sync-step-2':
      case 'sync-update':
        this.applyClientUpdate(connection, message.update);
        return;
      case 'awareness':
        this.applyAwareness(connection, message.update);
        return;
      case 'query-awareness': {
        const presences = this.awareness.liveEntries();
        connection.send(encodeAwarenessMessage(encodeAwarenessUpdate(presences)));
        return;
      }
      case 'save-request': {
        const { requestId } = message;
        void this.persistence.whenPersisted(this.name).then(() => {
          if (this.connections.has(connection)) connection.send(encodeSaved(requestId));
        });
        return;
      }
      case 'permission-denied':
      case 'saved':
        throw new ProtocolError(CloseCode.ProtocolError, `${message.type} is a server-to-client message`);
      default:
        return assertNever(message);
    }
  }

  /** Flushes nothing and closes nothing: the registry unloads a room only after persistence is idle. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.presenceFlush?.cancel();
    this.doc.off('update', this.handleDocUpdate);
    this.doc.destroy();
  }

  private answerStateVector(stateVector: Uint8Array): Uint8Array {
    if (!isEmptyStateVector(stateVector)) return encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector));
    this.wholeStateMessage ??= encodeSyncStep2(Y.encodeStateAsUpdate(this.doc));
    return this.wholeStateMessage;
  }

  private applyClientUpdate(connection: RoomConnection, update: Uint8Array): void {
    assertValidUpdate(update);
    if (connection.permission !== 'write') {
      if (isEmptyUpdate(update)) return;
      if (!this.deniedWriters.has(connection)) {
        this.deniedWriters.add(connection);
        connection.send(encodePermissionDenied('read-only access: edits are not accepted'));
      }
      return;
    }
    const stopTimer = this.deps.metrics.updateApplySeconds.startTimer();
    try {
      Y.applyUpdate(this.doc, update, connection);
    } catch (error) {
      // Decoding succeeded, so this is an update Yjs cannot integrate; the sender goes, the room stays.
      throw new ProtocolError(CloseCode.InvalidPayload, `update could not be applied: ${String(error)}`);
    } finally {
      stopTimer();
    }
  }

  private applyAwareness(connection: RoomConnection, update: Uint8Array): void {
    // Entries of ids another connection owns are refused anyway; their states are not even parsed.
    let skipped = 0;
    const entries = decodeAwarenessUpdate(update, this.options.maxAwarenessStateBytes, (clientId) => {
      const owned = this.awareness.isOwnedByAnother(connection, clientId);
      if (owned) skipped++;
      return owned;
    });
    const { accepted, correction, rejected } = this.awareness.apply(connection, entries);
    if (rejected + skipped > 0 && this.deps.logger.isLevelEnabled('debug')) {
      this.deps.logger.debug(
        { doc: this.name, connection: connection.id, rejected: rejected + skipped },
        'ignored awareness entries owned by another connection',
      );
    }
    if (accepted.length > 0) {
      // The client's own bytes are relayed when all of it was accepted: no re-encoding then.
      const received = skipped === 0 && accepted.length === entries.length ? update : null;
      this.outgoing.addPresence(accepted, received, connection);
      this.schedulePresenceFlush();
    }
    if (correction.length > 0) {
      connection.send(encodeAwarenessMessage(encodeAwarenessUpdate(correction)));
    }
  }

  private readonly handleDocUpdate = (update: Uint8Array, origin: unknown): void => {
    this.stateVectorMessage = null;
    this.wholeStateMessage = null;
    if (origin === STORAGE_ORIGIN) return;
    this.persistence.enqueue(this.name, update);
    this.outgoing.addUpdate(update, origin);
    this.scheduleUpdateFlush();
  };

  /** The first update of a turn schedules the turn's flush. */
  private scheduleUpdateFlush(): void {
    if (this.updateFlushScheduled) return;
    this.updateFlushScheduled = true;
    this.deps.scheduler.atEndOfTurn(this.flushUpdates);
  }

  private readonly flushUpdates = (): void => {
    this.updateFlushScheduled = false;
    if (this.disposed) return;
    this.outgoing.flushUpdates(this.connections);
  };

  private schedulePresenceFlush(): void {
    if (this.presenceFlush !== null) return;
    const delay = this.options.presenceRelayMs;
    if (delay === 0) {
      this.presenceFlush = { cancel: () => undefined };
      this.deps.scheduler.atEndOfTurn(this.flushPresences);
    } else {
      this.presenceFlush = this.deps.scheduler.setTimeout(this.flushPresences, delay);
    }
  }

  private readonly flushPresences = (): void => {
    this.presenceFlush = null;
    if (this.disposed) return;
    this.outgoing.flushPresences(this.connections);
  };
}

/** What a client with an empty document sends: zero entries. */
export function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return stateVector.length === 1 && stateVector[0] === 0;
}

/** An update with no structs and an empty delete set: what a client with nothing new sends. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}

