/**
 * A room's presence (awareness): what its connections announce, checked against who owns which
 * client id (awareness-registry.ts) and relayed to the others; what outside owners announce for
 * clients connected elsewhere; and the removals when either goes.
 */
import { decodeAwarenessUpdate, encodeAwarenessUpdate, REMOVED_STATE, type AwarenessEntry } from '../../lib/protocol/awareness';
import { encodeAwarenessMessage } from '../../lib/protocol/messages';
import type { Logger } from '../logger';
import { AwarenessRegistry } from './awareness-registry';
import type { OutsidePresenceOwner, PresenceOwner, RoomConnection } from './participants';
import type { RoomBroadcast } from './room-broadcast';

export interface RoomPresenceOptions {
  readonly maxAwarenessStateBytes: number;
  /** Presence client ids one connection may introduce over its life. */
  readonly maxPresenceIdsPerConnection: number;
}

export class RoomPresence {
  private readonly awareness: AwarenessRegistry<PresenceOwner>;

  constructor(
    private readonly docName: string,
    private readonly options: RoomPresenceOptions,
    private readonly deps: {
      readonly logger: Logger;
      readonly broadcast: RoomBroadcast;
      /** A connection's presence is about to go: who it is, is remembered first (version history). */
      readonly leaving: (connection: RoomConnection) => void;
      /** The room's own connections changed presence (accepted entries, as one awareness update). */
      readonly changed: (update: Uint8Array) => void;
    },
  ) {
    this.awareness = new AwarenessRegistry(options.maxPresenceIdsPerConnection);
  }

  /** Every live presence as one awareness message, or null when there is none. */
  liveMessage(): Uint8Array | null {
    const presences = this.awareness.liveEntries();
    return presences.length === 0 ? null : encodeAwarenessMessage(encodeAwarenessUpdate(presences));
  }

  /** Every live presence as one awareness message, however many (the answer to a query). */
  queryAnswer(): Uint8Array {
    return encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness.liveEntries()));
  }

  /** Whether anyone, here or elsewhere, is present. */
  get anyoneLive(): boolean {
    return this.awareness.liveEntries().length > 0;
  }

  /** The live states (JSON text) a connection introduced. */
  statesOf(connection: RoomConnection): string[] {
    return this.awareness.statesOwnedBy(connection);
  }

  /** Applies a connection's awareness update. Throws ProtocolError past its cap on ids. */
  applyFrom(connection: RoomConnection, update: Uint8Array): void {
    // Entries of ids another owner holds are refused anyway; their states are not even parsed.
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
    if (entries.some((entry) => entry.state === REMOVED_STATE)) this.deps.leaving(connection);
    const { accepted, correction, rejected } = this.awareness.apply(connection, entries);
    if (rejected + skipped > 0 && this.deps.logger.isLevelEnabled('debug')) {
      this.deps.logger.debug(
        { doc: this.docName, connection: connection.id, rejected: rejected + skipped },
        'ignored awareness entries owned by another connection',
      );
    }
    if (accepted.length > 0) {
      // The client's own bytes are relayed when all of it was accepted: no re-encoding then.
      const received = skipped === 0 && accepted.length === entries.length ? update : null;
      this.deps.broadcast.addPresence(accepted, received, connection);
      this.deps.changed(received ?? encodeAwarenessUpdate(accepted));
    }
    if (correction.length > 0) {
      connection.send(encodeAwarenessMessage(encodeAwarenessUpdate(correction)));
    }
  }

  /** The connection left: its presence goes, and everyone is told. */
  removeConnection(connection: RoomConnection): void {
    this.deps.leaving(connection);
    const removals = this.awareness.removeOwner(connection);
    if (removals.length === 0) return;
    this.deps.broadcast.addPresence(removals, null, null);
    this.deps.changed(encodeAwarenessUpdate(removals));
  }

  /**
   * Applies presence an outside owner speaks for; returns what changed. It speaks for all its
   * clients: the per-connection cap on ids does not apply to it.
   */
  applyOutside(owner: OutsidePresenceOwner, update: Uint8Array): readonly AwarenessEntry[] {
    const entries = decodeAwarenessUpdate(update, this.options.maxAwarenessStateBytes);
    const { accepted } = this.awareness.apply(owner, entries, { capped: false });
    if (accepted.length > 0) this.deps.broadcast.addPresence(accepted, null, owner);
    return accepted;
  }

  /** Removes the presence of these clients that `owner` still speaks for. */
  expireOutside(owner: OutsidePresenceOwner, clientIds: Iterable<number>): void {
    const removals = this.awareness.expire(owner, clientIds);
    if (removals.length > 0) this.deps.broadcast.addPresence(removals, null, null);
  }
}
