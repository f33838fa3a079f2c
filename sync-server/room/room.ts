/**
 * One document in memory and the connections editing it. The room is the authority for its
 * document: it validates every update before applying it, relays what it applied to everyone else
 * (gathered per event-loop turn, see room-broadcast.ts), hands it to its DocumentStorage, and
 * answers save requests once that has it on disk. Whoever keeps copies of the document elsewhere
 * observes it (room-observer.ts) and feeds it what comes from outside (applyOutsideUpdate,
 * applyOutsidePresence).
 */
import * as Y from 'yjs';
import type { AwarenessEntry } from '../../lib/protocol/awareness';
import { CloseCode } from '../../lib/protocol/close-codes';
import type { Message } from '../../lib/protocol/messages';
import { ProtocolError } from '../../lib/protocol/protocol-error';
import { assertValidUpdate } from '../../lib/protocol/validate-payload';
import type { DocumentStorage } from '../document/document-storage';
import { DocumentHistory, type HistoryOptions, type HistoryRecorder } from '../history/document-history';
import { keepsVersionHistory } from '../history/history-scope';
import type { Logger } from '../logger';
import type { ServerMetrics } from '../metrics';
import type { Scheduler } from '../scheduler';
import { EditorIdentities } from './editor-identity';
import {
  isRoomEditor,
  OutsideOrigin,
  STORAGE_ORIGIN,
  type NamedEditor,
  type OutsidePresenceOwner,
  type RoomConnection,
  type RoomEditor,
} from './participants';
import { WritePermission } from './permissions';
import type { PresenceTick } from './presence-tick';
import { RoomBroadcast } from './room-broadcast';
import { CrowdCount } from './crowd-count';
import { UNOBSERVED, type RoomObserver } from './room-observer';
import { RoomPresence, type RoomPresenceOptions } from './room-presence';
import { SaveAcknowledgements } from './save-acknowledgements';
import { answerSyncStep1 } from './sync-answer';
import { SyncMessages } from './sync-messages';
import { applyAsReceived, applyKeepingWhatWaits } from './update-apply';

export interface RoomOptions extends RoomPresenceOptions {
  /** Version history, or null when it is off (HISTORY=off); a document's comments keep none (history-scope.ts). */
  readonly history: HistoryOptions | null;
}

export class Room {
  private readonly connections = new Set<RoomConnection>();
  private readonly writes: WritePermission;
  private readonly saves: SaveAcknowledgements;
  private readonly broadcast: RoomBroadcast;
  private readonly presence: RoomPresence;
  private readonly crowdCount: CrowdCount;
  private readonly identities: EditorIdentities;
  private readonly syncMessages: SyncMessages;
  private observer: RoomObserver = UNOBSERVED;
  private disposed = false;
  /** Holders other than connections (the document API) keeping the room in memory. */
  private holds = 0;
  readonly history: DocumentHistory<RoomEditor> | null;

  constructor(
    readonly name: string,
    readonly doc: Y.Doc,
    /** The room's own way to storage: it releases it when disposed. */
    readonly storage: DocumentStorage,
    options: RoomOptions,
    private readonly deps: {
      logger: Logger;
      metrics: ServerMetrics;
      scheduler: Scheduler;
      onEmpty: (room: Room) => void;
      /** Who may write this document's versions (room-replication.ts); null: this server, without asking. */
      historyRecorder: HistoryRecorder | null;
      /** When presence changes leave; null: at the end of the turn, as updates (PRESENCE_RELAY_MS=0). */
      presenceTick: PresenceTick | null;
      /** When presence renewals leave (room-broadcast.ts); null: as other presence changes. */
      renewalTick: PresenceTick | null;
    },
  ) {
    this.syncMessages = new SyncMessages(doc);
    this.writes = new WritePermission(name, deps);
    this.broadcast = new RoomBroadcast(this.connections, deps);
    this.presence = new RoomPresence(name, options, {
      logger: deps.logger,
      scheduler: deps.scheduler,
      recipients: () => this.connections.size,
      broadcast: this.broadcast,
      leaving: (connection) => this.history?.presenceLeaving(connection),
      changed: (update) => {
        this.observer.presenceChanged(update);
        this.crowdCount.changed();
      },
    });
    this.crowdCount = new CrowdCount(this.connections, this.presence, deps.scheduler);
    this.identities = new EditorIdentities((connection) => this.presence.statesOf(connection));
    // What this client saw from outside is stored too (there, or here), then what it sent here.
    this.saves = new SaveAcknowledgements(() => this.observer.settled().then(() => this.storage.whenPersisted()));
    this.history =
      options.history === null || !keepsVersionHistory(name)
        ? null
        : new DocumentHistory<RoomEditor>(doc, storage, options.history, {
            scheduler: deps.scheduler,
            logger: deps.logger,
            identityOf: (editor) => this.identities.identityNow(editor).author,
            recorder: deps.historyRecorder,
          });
    doc.on('update', this.handleDocUpdate);
  }

  /** Someone (a connection, or the document API while it works) needs the room in memory. */
  get inUse(): boolean {
    return this.connections.size > 0 || this.holds > 0;
  }

  hold(): void {
    this.holds++;
  }

  unhold(): void {
    this.holds = Math.max(0, this.holds - 1);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** From now on `observer` hears what the room applies and is asked before saves and unloads. */
  observe(observer: RoomObserver): void {
    if (this.observer !== UNOBSERVED) throw new Error(`room ${this.name} is observed already`);
    this.observer = observer;
    this.storage.onPersisted = (persisted) => observer.persisted(persisted);
  }

  join(connection: RoomConnection): void {
    if (this.disposed) throw new Error(`room ${this.name} is disposed`);
    this.connections.add(connection);
    connection.send(this.syncMessages.stateVectorMessage());
    const presences = this.presence.liveMessage();
    if (presences !== null) connection.send(presences);
  }

  leave(connection: RoomConnection): void {
    if (!this.connections.delete(connection)) return;
    this.saves.forget(connection);
    this.presence.removeConnection(connection);
    if (this.connections.size === 0) {
      // People present elsewhere may still be at it: then the pause decides.
      if (!this.presence.anyoneLive) this.history?.lastEditorLeft();
      if (!this.inUse) this.deps.onEmpty(this);
    }
  }

  /** Handles one decoded message. Throws ProtocolError for a payload that must close the connection. */
  handleMessage(connection: RoomConnection, message: Message): void {
    switch (message.type) {
      case 'sync-step-1':
        connection.send(answerSyncStep1(message.stateVector, this.syncMessages.content));
        return;
      case 'sync-step-2':
      case 'sync-update':
        this.applyClientUpdate(connection, message.update, message.type === 'sync-update');
        return;
      case 'awareness':
        this.presence.applyFrom(connection, message.update);
        return;
      case 'query-awareness':
        connection.send(this.presence.queryAnswer());
        return;
      case 'save-request':
        this.saves.request(connection, message.requestId);
        return;
      case 'ping':
        return; // answered by the connection before it gets here
      case 'permission-denied':
      case 'saved':
      case 'pong':
      case 'storage-state':
      case 'sharing-state':
      case 'crowd':
        throw new ProtocolError(CloseCode.ProtocolError, `${message.type} is a server-to-client message`);
      default:
        return assertNever(message);
    }
  }

  /**
   * Applies an update that was applied and stored elsewhere first (another server's client sent
   * it), crediting `editor`: relayed to this room's connections, not stored here.
   */
  applyOutsideUpdate(update: Uint8Array, editor: NamedEditor): void {
    if (this.disposed) return;
    assertValidUpdate(update); // validated where it came from too, but nothing unvalidated is applied
    Y.applyUpdate(this.doc, update, new OutsideOrigin(editor));
  }

  /** Stores outside updates here after all: where they came from may never store them (it died). */
  storeOutsideUpdates(updates: readonly Uint8Array[]): void {
    if (this.disposed) return;
    for (const update of updates) this.storage.enqueue(update);
  }

  /** Applies presence `owner` speaks for; returns the entries that changed something. */
  applyOutsidePresence(owner: OutsidePresenceOwner, update: Uint8Array): readonly AwarenessEntry[] {
    if (this.disposed) return [];
    const accepted = this.presence.applyOutside(owner, update);
    this.crowdCount.changed();
    return accepted;
  }

  /** Removes the presence of these clients `owner` spoke for (gone, as far as it can tell). */
  expireOutsidePresence(owner: OutsidePresenceOwner, clientIds: Iterable<number>): void {
    if (this.disposed) return;
    this.presence.expireOutside(owner, clientIds);
    this.crowdCount.changed();
  }

  /** Before the registry writes the room out for good (an unload, or the server stopping). */
  unloading(): void {
    this.observer.unloading();
  }

  /** Flushes nothing: the registry unloads a room only after its storage is idle. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.observer.disposed();
    this.history?.dispose();
    this.storage.release();
    this.broadcast.stop();
    this.crowdCount.stop();
    this.presence.stop();
    this.doc.off('update', this.handleDocUpdate);
    this.doc.destroy();
  }

  private applyClientUpdate(connection: RoomConnection, update: Uint8Array, incremental: boolean): void {
    assertValidUpdate(update);
    if (!this.writes.allows(connection, update, this.doc)) return;
    const stopTimer = this.deps.metrics.updateApplySeconds.startTimer();
    try {
      if (incremental) applyAsReceived(this.doc, update, connection, this.handleDocUpdate);
      else applyKeepingWhatWaits(this.doc, update, connection, this.handleDocUpdate);
    } catch (error) {
      // Decoding succeeded, so this is an update Yjs cannot integrate; the sender goes, the room stays.
      throw new ProtocolError(CloseCode.InvalidPayload, `update could not be applied: ${String(error)}`);
    } finally {
      stopTimer();
    }
  }

  private authorTagOf(editor: RoomEditor | null): string | null {
    return editor !== null && this.history !== null ? this.identities.identityNow(editor).tag : null;
  }

  private readonly handleDocUpdate = (update: Uint8Array, origin: unknown): void => {
    this.syncMessages.documentChanged();
    if (origin === STORAGE_ORIGIN) return;
    if (origin instanceof OutsideOrigin) {
      // Stored where it was made; here it is only relayed.
      this.history?.noteEdit(origin.editor);
      this.observer.outsideUpdateApplied(update);
    } else {
      const seq = this.storage.enqueue(update);
      // A restore or Yjs's own follow-up has no editor; everything else is someone's edit.
      const editor = isRoomEditor(origin) ? origin : null;
      if (editor?.kind === 'connection') this.presence.edited(editor);
      // The author travels with the update so that whichever copy records the version credits them;
      // worked out only for an observer, as a keystroke on a single server needs no author.
      if (this.observer !== UNOBSERVED) this.observer.updateAccepted(update, this.authorTagOf(editor), seq);
      if (editor !== null) this.history?.noteEdit(editor);
    }
    this.broadcast.addUpdate(update, origin);
  };
}

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}
