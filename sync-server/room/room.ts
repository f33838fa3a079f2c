/**
 * One document in memory and the connections editing it. The room is the authority for its
 * document: it validates every update before applying it, relays what it applied to everyone else
 * (gathered per event-loop turn, see turn-broadcast.ts), hands it to its DocumentStorage, and
 * answers save requests once that has it on disk.
 */
import * as Y from 'yjs';
import { decodeAwarenessUpdate, encodeAwarenessUpdate, REMOVED_STATE } from '../../lib/protocol/awareness';
import { CloseCode } from '../../lib/protocol/close-codes';
import {
  encodeAwarenessMessage,
  encodePermissionDenied,
  encodeSaved,
  encodeSyncStep1,
  encodeSyncStep2,
  type Message,
} from '../../lib/protocol/messages';
import { ProtocolError } from '../../lib/protocol/protocol-error';
import { assertValidStateVector, assertValidUpdate } from '../../lib/protocol/validate-payload';
import { AwarenessRegistry } from './awareness-registry';
import type { Logger } from '../logger';
import type { ServerMetrics } from '../metrics';
import type { DocumentStorage } from '../document/document-storage';
import { isEmptyUpdate } from '../storage/empty-update';
import { DocumentHistory, RESTORE_ORIGIN, type Editor, type HistoryOptions, type HistoryRecorder } from '../history/document-history';
import { authorFromPresenceUser } from '../history/version-author';
import type { VersionAuthor } from '../storage/document-store';
import type { PresenceTick } from './presence-tick';
import { documentDigest, type DocumentChannel, type RelayedDocument, type StateDigest } from './room-replica';
import type { Scheduler, TimerHandle } from '../scheduler';
import { answerSyncStep1, type DocumentContent } from './sync-answer';
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
/** Transaction origin of updates another node relayed: that node stores them. */
export const REMOTE_ORIGIN = Symbol('remote');

export interface RoomOptions {
  readonly maxAwarenessStateBytes: number;
  /** How long presence changes gather before they are relayed; 0 = at the end of the turn, like updates. */
  readonly presenceRelayMs: number;
  /** Presence client ids one connection may introduce over its life. */
  readonly maxPresenceIdsPerConnection: number;
  /** Version history, or null when it is off (HISTORY=off). */
  readonly history: HistoryOptions | null;
}

/** An edit made through the document API, not over a connection: it is its own author. */
export interface ApiEditor {
  readonly author: VersionAuthor;
}

export class Room implements RelayedDocument {
  private readonly connections = new Set<RoomConnection>();
  private readonly awareness: AwarenessRegistry<RoomConnection>;
  /** Read-only connections already told that their edits are refused (told once, not per keystroke). */
  private readonly deniedWriters = new WeakSet<RoomConnection>();
  /** Per connection waiting for "saved": the newest request id it sent. */
  private readonly saveRequests = new Map<RoomConnection, number>();
  private readonly outgoing = new TurnBroadcast();
  private updateFlushScheduled = false;
  private presenceFlush: TimerHandle | null = null;
  private disposed = false;
  /** Holders other than connections (the document API) keeping the room in memory. */
  private holds = 0;
  /** Cluster mode: this document's stream, and one presence owner per other node. */
  private channel: DocumentChannel | null = null;
  private readonly remoteOwners = new Map<string, RoomConnection>();
  /** When each remote client's presence was last heard of; a dead node's clients expire. */
  private readonly remotePresenceSeen = new Map<number, { owner: RoomConnection; at: number }>();
  private remotePresenceSweep: TimerHandle | null = null;
  /** Who made the remote update being applied, as the version history credits it. */
  private remoteEditor: Editor = ANONYMOUS_REMOTE_EDITOR;
  private readonly remoteEditors = new Map<string, Editor>();
  /** Who each editor is in presence, as of the presence text it was parsed from (see identityNow). */
  private readonly identities = new WeakMap<Editor, EditorIdentity>();
  readonly history: DocumentHistory | null;
  /**
   * The sync messages that are the same for every client until the document changes: the server's
   * state vector (sent on join) and the whole state (the answer to an empty state vector, what a new
   * client sends). When a storm brings all clients of a document back at once they are encoded once
   * per document rather than once per client. The whole state is compact next to the Y.Doc itself.
   */
  private stateVectorMessage: Uint8Array | null = null;
  private wholeStateMessage: Uint8Array | null = null;
  /** Cluster mode: this document's anti-entropy digest, until it changes (room-replica.ts). */
  private stateDigest: StateDigest | null = null;
  /** What sync step 1 is answered from (sync-answer.ts). */
  private readonly content: DocumentContent;

  constructor(
    readonly name: string,
    readonly doc: Y.Doc,
    /** The room's own way to storage: it releases it when disposed. */
    readonly storage: DocumentStorage,
    private readonly options: RoomOptions,
    private readonly deps: {
      logger: Logger;
      metrics: ServerMetrics;
      scheduler: Scheduler;
      onEmpty: (room: Room) => void;
      /** Cluster mode: the right to write this document's versions, shared with the other nodes. */
      historyRecorder?: HistoryRecorder | null;
      /** When presence changes leave; null: at the end of the turn, as updates (PRESENCE_RELAY_MS=0). */
      presenceTick: PresenceTick | null;
    },
  ) {
    this.awareness = new AwarenessRegistry(options.maxPresenceIdsPerConnection);
    this.content = {
      kind: 'loaded',
      doc,
      wholeStateMessage: () => (this.wholeStateMessage ??= encodeSyncStep2(Y.encodeStateAsUpdate(this.doc))),
    };
    this.history =
      options.history === null
        ? null
        : new DocumentHistory(doc, storage, options.history, {
            scheduler: deps.scheduler,
            logger: deps.logger,
            identityOf: (editor) => this.identityNow(editor).author,
            recorder: deps.historyRecorder ?? null,
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
    this.saveRequests.delete(connection);
    this.history?.presenceLeaving(connection);
    const removals = this.awareness.removeOwner(connection);
    if (removals.length > 0) {
      this.outgoing.addPresence(removals, null, null);
      this.schedulePresenceFlush();
      this.channel?.publishPresence(encodeAwarenessUpdate(removals));
    }
    if (this.connections.size === 0) {
      // In cluster mode the people on other nodes may still be at it: then the pause decides.
      if (this.remotePresenceSeen.size === 0) this.history?.lastEditorLeft();
      if (!this.inUse) this.deps.onEmpty(this);
    }
  }

  /** Handles one decoded message. Throws ProtocolError for a payload that must close the connection. */
  handleMessage(connection: RoomConnection, message: Message): void {
    switch (message.type) {
      case 'sync-step-1':
        connection.send(answerSyncStep1(message.stateVector, this.content));
        return;
      case 'sync-step-2':
      case 'sync-update':
        this.applyClientUpdate(connection, message.update, message.type === 'sync-update');
        return;
      case 'awareness':
        this.applyAwareness(connection, message.update);
        return;
      case 'query-awareness': {
        const presences = this.awareness.liveEntries();
        connection.send(encodeAwarenessMessage(encodeAwarenessUpdate(presences)));
        return;
      }
      case 'save-request':
        this.requestSave(connection, message.requestId);
        return;
      case 'ping':
        return; // answered by the connection before it gets here
      case 'permission-denied':
      case 'saved':
      case 'pong':
      case 'storage-state':
      case 'sharing-state':
        throw new ProtocolError(CloseCode.ProtocolError, `${message.type} is a server-to-client message`);
      default:
        return assertNever(message);
    }
  }

  /** Flushes nothing: the registry unloads a room only after its storage is idle. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.channel?.close();
    this.remotePresenceSweep?.cancel();
    this.history?.dispose();
    this.storage.release();
    this.presenceFlush?.cancel();
    this.doc.off('update', this.handleDocUpdate);
    this.doc.destroy();
  }

  /**
   * A newer save request covers everything an older one did, so a connection waits on storage at
   * most once: requests arriving during the wait only move the id to answer, and the wait is
   * renewed for what they cover. While the disk is failing, a client that keeps asking does not
   * pile up waiters.
   */
  private requestSave(connection: RoomConnection, requestId: number): void {
    const waiting = this.saveRequests.has(connection);
    this.saveRequests.set(connection, requestId);
    if (!waiting) this.answerWhenPersisted(connection);
  }

  private answerWhenPersisted(connection: RoomConnection): void {
    const requestId = this.saveRequests.get(connection);
    if (requestId === undefined) return;
    // Cluster mode: what this client saw from other nodes is stored too (by them, or here), as on one node.
    const settled = this.channel === null ? Promise.resolve() : this.channel.settled();
    void settled.then(() => this.storage.whenPersisted()).then(() => {
      const latest = this.saveRequests.get(connection);
      if (latest === undefined) return; // the connection left
      if (latest !== requestId) return this.answerWhenPersisted(connection);
      this.saveRequests.delete(connection);
      connection.send(encodeSaved(requestId));
    });
  }

  /**
   * Who an editor is now: what the version history credits it as, and the author tag relayed with
   * each of its updates (cluster mode). Parsed from presence only when that presence changed: a
   * keystroke costs a lookup, not a JSON parse and stringify.
   */
  private identityNow(editor: Editor): EditorIdentity {
    const states = 'author' in editor ? [] : this.awareness.statesOwnedBy(editor as RoomConnection);
    const key = states.join('\u0000');
    const cached = this.identities.get(editor);
    if (cached !== undefined && cached.key === key) return cached;
    const author = this.identityOf(editor);
    const identity = { key, author, tag: authorTag(author) };
    this.identities.set(editor, identity);
    return identity;
  }

  private identityOf(editor: Editor): VersionAuthor | null {
    if ('author' in editor) return (editor as ApiEditor).author;
    for (const state of this.awareness.statesOwnedBy(editor as RoomConnection)) {
      const author = authorFromPresence(state);
      if (author !== null) return author;
    }
    return null;
  }

  private applyClientUpdate(connection: RoomConnection, update: Uint8Array, incremental: boolean): void {
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
      if (incremental) this.applyAsReceived(update, connection);
      else this.applyKeepingWhatWaits(update, connection);
    } catch (error) {
      // Decoding succeeded, so this is an update Yjs cannot integrate; the sender goes, the room stays.
      throw new ProtocolError(CloseCode.InvalidPayload, `update could not be applied: ${String(error)}`);
    } finally {
      stopTimer();
    }
  }

  /**
   * Applies a client's incremental update, then relays and stores the validated bytes it came in
   * rather than the copy Yjs would encode again for its 'update' event (writing that copy was a
   * fifth of the cost of applying a keystroke). The bytes describe at least what the update changed:
   * structs the document already had are ignored by whoever applies them again.
   *
   * A sync step 2 goes the usual way: it is mostly what the server has already, and only the new part
   * must be relayed. So does an update while structs wait for missing ones: the update that lets them
   * in must carry them along, and only Yjs's own copy does.
   */
  private applyAsReceived(update: Uint8Array, connection: RoomConnection): void {
    const store = this.doc.store;
    if (store.pendingStructs !== null || store.pendingDs !== null) {
      this.applyKeepingWhatWaits(update, connection);
      return;
    }
    let applied: Y.Transaction | null = null;
    const observe = (transaction: Y.Transaction): void => {
      if (transaction.origin === connection) applied ??= transaction;
    };
    // Yjs may follow the apply with a transaction of its own (it deletes marks that the update made
    // redundant): that change is the document's like any other, and is handed on after the update.
    const followUps: Array<{ readonly update: Uint8Array; readonly origin: unknown }> = [];
    const collect = (followUp: Uint8Array, origin: unknown): void => {
      if (origin !== connection) followUps.push({ update: followUp, origin });
    };
    this.doc.off('update', this.handleDocUpdate);
    this.doc.on('update', collect);
    this.doc.on('afterTransactionCleanup', observe);
    try {
      Y.applyUpdate(this.doc, update, connection);
    } catch (error) {
      // Yjs gave up part-way: what it integrated is kept as its own encoding would have kept it,
      // and the bytes that failed are neither stored nor relayed.
      const partial = applied as Y.Transaction | null;
      if (partial !== null && changedDocument(partial)) {
        this.handleDocUpdate(Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(partial.beforeState)), connection);
      }
      for (const followUp of followUps) this.handleDocUpdate(followUp.update, followUp.origin);
      throw error;
    } finally {
      this.doc.off('afterTransactionCleanup', observe);
      this.doc.off('update', collect);
      this.doc.on('update', this.handleDocUpdate);
    }
    const transaction = applied as Y.Transaction | null;
    // Structs left waiting are in these bytes too: stored and relayed, they wait the same way elsewhere.
    if ((transaction !== null && changedDocument(transaction)) || store.pendingStructs !== null || store.pendingDs !== null) {
      this.handleDocUpdate(update, connection);
    }
    for (const followUp of followUps) this.handleDocUpdate(followUp.update, followUp.origin);
  }

  /**
   * Applies an update the usual way (Yjs's 'update' event hands on what it integrated), and hands
   * on its bytes as received too when Yjs left part of it waiting: structs that follow ones this
   * document lacks, or deletions of text it lacks (a server that crashed lost it; its author brings
   * it back later). No 'update' event holds those until then, yet a save request after them covers
   * them; and the update that lets them in is relayed to everyone but its sender, who needs them
   * most. Stored and relayed now, they wait the same way elsewhere, and Yjs ignores what it has.
   */
  private applyKeepingWhatWaits(update: Uint8Array, connection: RoomConnection): void {
    const store = this.doc.store;
    const structsBefore = store.pendingStructs?.update ?? null;
    const deletionsBefore = store.pendingDs;
    Y.applyUpdate(this.doc, update, connection);
    const structsWait = store.pendingStructs !== null && !sameBytes(store.pendingStructs.update, structsBefore);
    const deletionsWait = store.pendingDs !== null && !sameBytes(store.pendingDs, deletionsBefore);
    if (structsWait || deletionsWait) this.handleDocUpdate(update, connection);
  }

  private applyAwareness(connection: RoomConnection, update: Uint8Array): void {
    // Entries of ids another connection owns are refused anyway; their states are not even parsed.
    let skipped = 0;
    const entries = decodeAwarenessUpdate(update, this.options.maxAwarenessStateBytes, (clientId, clock) => {
      const owned = this.awareness.isOwnedByAnother(connection, clientId);
      if (owned) {
        skipped++;
        this.awareness.noteRefused(clientId, clock);
      }
      return owned;
    });
    // Clients withdraw their presence before they close: who they are is kept for the history first.
    if (this.history !== null && entries.some((entry) => entry.state === REMOVED_STATE)) this.history.presenceLeaving(connection);
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
      this.channel?.publishPresence(received ?? encodeAwarenessUpdate(accepted));
    }
    if (correction.length > 0) {
      connection.send(encodeAwarenessMessage(encodeAwarenessUpdate(correction)));
    }
  }

  private readonly handleDocUpdate = (update: Uint8Array, origin: unknown): void => {
    this.stateVectorMessage = null;
    this.wholeStateMessage = null;
    this.stateDigest = null;
    if (origin === STORAGE_ORIGIN) return;
    // Another node's client sent it: that node stores and publishes it; here it is only relayed.
    if (origin !== REMOTE_ORIGIN) {
      const seq = this.storage.enqueue(update);
      const edited = origin !== RESTORE_ORIGIN && typeof origin === 'object' && origin !== null;
      // The author travels with the update so that whichever node records the version credits them.
      this.channel?.publishUpdate(update, edited && this.history !== null ? this.identityNow(origin).tag : null, seq);
      if (edited) this.history?.noteEdit(origin);
    } else {
      this.history?.noteEdit(this.remoteEditor);
    }
    this.outgoing.addUpdate(update, origin);
    this.scheduleUpdateFlush();
  };

  // Cluster mode (cluster/stream-relay.ts): what other nodes relay to this one.

  /** Starts sharing this document with the other nodes. */
  relayThrough(open: (document: RelayedDocument) => DocumentChannel): void {
    const channel = open(this);
    this.channel = channel;
    this.storage.onPersisted = (persisted) => channel.confirmStored(persisted);
  }

  /** Stores what other nodes relayed and have not said they stored (before an unload or a stop). */
  keepUnconfirmed(): void {
    this.channel?.keepUnconfirmed();
  }

  keepRelayed(updates: readonly Uint8Array[]): void {
    if (this.disposed) return;
    for (const update of updates) this.storage.enqueue(update);
  }

  applyRemoteUpdate(update: Uint8Array, author: string | null): void {
    if (this.disposed) return;
    assertValidUpdate(update); // another node validated it too, but nothing unvalidated is applied
    this.remoteEditor = author === null ? ANONYMOUS_REMOTE_EDITOR : this.remoteEditorOf(author);
    try {
      Y.applyUpdate(this.doc, update, REMOTE_ORIGIN);
    } finally {
      this.remoteEditor = ANONYMOUS_REMOTE_EDITOR;
    }
  }

  /** One editor per author another node named, so that the history counts each once. */
  private remoteEditorOf(tag: string): Editor {
    let editor = this.remoteEditors.get(tag);
    if (editor === undefined) {
      const author = authorFromTag(tag);
      if (author === null) return ANONYMOUS_REMOTE_EDITOR;
      if (this.remoteEditors.size >= MAX_REMOTE_EDITORS) this.remoteEditors.clear();
      editor = { author } satisfies ApiEditor;
      this.remoteEditors.set(tag, editor);
    }
    return editor;
  }

  applyRemotePresence(nodeId: string, update: Uint8Array): void {
    if (this.disposed) return;
    let owner = this.remoteOwners.get(nodeId);
    if (owner === undefined) {
      owner = { id: -1, permission: 'read', send: () => undefined };
      this.remoteOwners.set(nodeId, owner);
    }
    const entries = decodeAwarenessUpdate(update, this.options.maxAwarenessStateBytes);
    // A node speaks for all its clients: the per-connection cap on ids does not apply to it.
    const { accepted } = this.awareness.apply(owner, entries, { capped: false });
    const now = this.deps.scheduler.now();
    for (const entry of accepted) {
      if (entry.state === 'null') this.remotePresenceSeen.delete(entry.clientId);
      else this.remotePresenceSeen.set(entry.clientId, { owner, at: now });
    }
    // y-protocols clients renew their presence every 15 s; a node that died stops relaying them.
    this.remotePresenceSweep ??= this.deps.scheduler.setInterval(this.expireRemotePresence, REMOTE_PRESENCE_TIMEOUT_MS / 3);
    if (accepted.length === 0) return;
    this.outgoing.addPresence(accepted, null, owner);
    this.schedulePresenceFlush();
  }

  private readonly expireRemotePresence = (): void => {
    const cutoff = this.deps.scheduler.now() - REMOTE_PRESENCE_TIMEOUT_MS;
    const expired = new Map<RoomConnection, number[]>();
    for (const [clientId, { owner, at }] of this.remotePresenceSeen) {
      if (at >= cutoff) continue;
      this.remotePresenceSeen.delete(clientId);
      expired.set(owner, [...(expired.get(owner) ?? []), clientId]);
    }
    for (const [owner, clientIds] of expired) {
      const removals = this.awareness.expire(owner, clientIds);
      if (removals.length === 0) continue;
      this.outgoing.addPresence(removals, null, null);
      this.schedulePresenceFlush();
    }
  };

  diffFor(stateVector: Uint8Array): Uint8Array | null {
    if (this.disposed) return null;
    assertValidStateVector(stateVector);
    const diff = Y.encodeStateAsUpdate(this.doc, stateVector);
    return isEmptyUpdate(diff) ? null : diff;
  }

  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc);
  }

  /** Worked out again only after the document changed: the delete set takes a walk over every struct. */
  digest(): StateDigest {
    this.stateDigest ??= documentDigest(this.doc);
    return this.stateDigest;
  }

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
    // Presence waiting for the tick leaves now, behind the edits and in the same socket write: a
    // caret arrives with the text it follows, and the tick has a write fewer to make.
    if (this.presenceFlush !== null) {
      this.presenceFlush.cancel();
      this.flushPresences();
    }
  };

  private schedulePresenceFlush(): void {
    if (this.presenceFlush !== null) return;
    const tick = this.deps.presenceTick;
    if (tick === null) {
      this.presenceFlush = { cancel: () => undefined };
      this.deps.scheduler.atEndOfTurn(this.flushPresences);
    } else {
      // One timer for every room of the server (presence-tick.ts), not one per room.
      this.presenceFlush = { cancel: () => tick.cancel(this.flushPresences) };
      tick.request(this.flushPresences);
    }
  }

  private readonly flushPresences = (): void => {
    this.presenceFlush = null;
    if (this.disposed) return;
    this.outgoing.flushPresences(this.connections);
  };
}

/** `{ user: { name, color } }`, as TipTap's caret extension and most Yjs apps put it in presence. */
function authorFromPresence(state: string): VersionAuthor | null {
  try {
    const parsed: unknown = JSON.parse(state);
    return authorFromPresenceUser(typeof parsed === 'object' && parsed !== null ? (parsed as { user?: unknown }).user : undefined);
  } catch {
    return null;
  }
}

interface EditorIdentity {
  /** The editor's presence states, joined: the identity is parsed again only when they change. */
  readonly key: string;
  readonly author: VersionAuthor | null;
  /** The author as it travels between nodes with an update (cluster/stream-relay.ts). */
  readonly tag: string | null;
}

/** An author as it travels between nodes with an update (cluster/stream-relay.ts). */
function authorTag(author: VersionAuthor | null): string | null {
  return author === null ? null : JSON.stringify(author);
}

function authorFromTag(tag: string): VersionAuthor | null {
  try {
    return authorFromPresenceUser(JSON.parse(tag));
  } catch {
    return null;
  }
}

/** Edits relayed without an author (a node's catch-up answers, people without a name) still count as edits. */
const ANONYMOUS_REMOTE_EDITOR: Editor = {};
/** Authors remembered per document; more than this many is not a real team, and forgetting costs one parse. */
const MAX_REMOTE_EDITORS = 1_000;

/** y-protocols' own timeout: a presence not renewed for this long belongs to a client that is gone. */
const REMOTE_PRESENCE_TIMEOUT_MS = 30_000;

/** Whether a transaction added or deleted anything: when Yjs would emit 'update' for it. */
function changedDocument(transaction: Y.Transaction): boolean {
  if (transaction.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of transaction.afterState) {
    if (transaction.beforeState.get(client) !== clock) return true;
  }
  return false;
}

function sameBytes(a: Uint8Array, b: Uint8Array | null): boolean {
  if (b === null || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}

