/**
 * A loaded room as cluster mode shares it: this node's copy of a document, kept in step with the
 * other nodes' copies through the relay (stream-relay.ts). It wraps the room, which knows nothing of
 * nodes: what the room accepts goes out on the document's channel, and what other nodes relay comes
 * in through the room's outside operations, with who made it and who is present there.
 */
import * as Y from 'yjs';
import { assertValidStateVector } from '../../lib/protocol/validate-payload';
import { authorFromTag } from '../room/editor-identity';
import { UNNAMED_EDITOR, type NamedEditor, type OutsidePresenceOwner } from '../room/participants';
import type { Room } from '../room/room';
import type { RoomObserver } from '../room/room-observer';
import type { Scheduler, TimerHandle } from '../scheduler';
import { isEmptyUpdate } from '../storage/empty-update';
import { documentDigest, type DocumentChannel, type RelayedDocument, type StateDigest } from './relayed-document';

/** y-protocols' own timeout: a presence not renewed for this long belongs to a client that is gone. */
const REMOTE_PRESENCE_TIMEOUT_MS = 30_000;
/** Authors remembered per document; more than this many is not a real team, and forgetting costs one parse. */
const MAX_REMOTE_EDITORS = 1_000;

export class ReplicatedRoom implements RelayedDocument, RoomObserver {
  private channel: DocumentChannel | null = null;
  private closed = false;
  /** One presence owner per other node: it speaks for that node's clients. */
  private readonly owners = new Map<string, OutsidePresenceOwner>();
  /** When each remote client's presence was last heard of; a dead node's clients expire. */
  private readonly presenceSeen = new Map<number, { owner: OutsidePresenceOwner; at: number }>();
  private presenceSweep: TimerHandle | null = null;
  /** One editor per author another node named, so that the history counts each once. */
  private readonly editors = new Map<string, NamedEditor>();
  /** This document's anti-entropy digest, until it changes. */
  private cachedDigest: StateDigest | null = null;

  constructor(
    readonly room: Room,
    private readonly deps: { readonly scheduler: Scheduler },
  ) {}

  /** Starts sharing the room with the other nodes: from now on it reports to this replica. */
  relayThrough(open: (document: RelayedDocument) => DocumentChannel): void {
    this.channel = open(this);
    this.room.observe(this);
  }

  // RelayedDocument: what the relay hands this node.

  applyRemoteUpdate(update: Uint8Array, author: string | null): void {
    if (this.closed) return;
    this.room.applyOutsideUpdate(update, author === null ? UNNAMED_EDITOR : this.editorOf(author));
  }

  applyRemotePresence(nodeId: string, update: Uint8Array): void {
    if (this.closed) return;
    let owner = this.owners.get(nodeId);
    if (owner === undefined) {
      owner = { kind: 'outside', name: nodeId };
      this.owners.set(nodeId, owner);
    }
    const accepted = this.room.applyOutsidePresence(owner, update);
    const now = this.deps.scheduler.now();
    for (const entry of accepted) {
      if (entry.state === 'null') this.presenceSeen.delete(entry.clientId);
      else this.presenceSeen.set(entry.clientId, { owner, at: now });
    }
    // y-protocols clients renew their presence every 15 s; a node that died stops relaying them.
    this.presenceSweep ??= this.deps.scheduler.setInterval(this.expirePresence, REMOTE_PRESENCE_TIMEOUT_MS / 3);
  }

  diffFor(stateVector: Uint8Array): Uint8Array | null {
    if (this.closed) return null;
    assertValidStateVector(stateVector);
    const diff = Y.encodeStateAsUpdate(this.room.doc, stateVector);
    return isEmptyUpdate(diff) ? null : diff;
  }

  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.room.doc);
  }

  /** Worked out again only after the document changed: the delete set takes a walk over every struct. */
  digest(): StateDigest {
    this.cachedDigest ??= documentDigest(this.room.doc);
    return this.cachedDigest;
  }

  keepRelayed(updates: readonly Uint8Array[]): void {
    this.room.storeOutsideUpdates(updates);
  }

  // RoomObserver: what the room tells the other nodes through this one.

  updateAccepted(update: Uint8Array, author: string | null, seq: number): void {
    this.cachedDigest = null;
    this.channel?.publishUpdate(update, author, seq);
  }

  outsideUpdateApplied(): void {
    this.cachedDigest = null;
  }

  presenceChanged(update: Uint8Array): void {
    this.channel?.publishPresence(update);
  }

  persisted(seq: number): void {
    this.channel?.confirmStored(seq);
  }

  settled(): Promise<void> {
    return this.channel === null ? Promise.resolve() : this.channel.settled();
  }

  unloading(): void {
    this.channel?.keepUnconfirmed();
  }

  disposed(): void {
    this.closed = true;
    this.channel?.close();
    this.presenceSweep?.cancel();
  }

  private editorOf(tag: string): NamedEditor {
    let editor = this.editors.get(tag);
    if (editor === undefined) {
      const author = authorFromTag(tag);
      if (author === null) return UNNAMED_EDITOR;
      if (this.editors.size >= MAX_REMOTE_EDITORS) this.editors.clear();
      editor = { kind: 'named', author };
      this.editors.set(tag, editor);
    }
    return editor;
  }

  private readonly expirePresence = (): void => {
    const cutoff = this.deps.scheduler.now() - REMOTE_PRESENCE_TIMEOUT_MS;
    const expired = new Map<OutsidePresenceOwner, number[]>();
    for (const [clientId, { owner, at }] of this.presenceSeen) {
      if (at >= cutoff) continue;
      this.presenceSeen.delete(clientId);
      expired.set(owner, [...(expired.get(owner) ?? []), clientId]);
    }
    for (const [owner, clientIds] of expired) this.room.expireOutsidePresence(owner, clientIds);
  };
}
