/**
 * What a room tells whoever keeps copies of its document elsewhere (room-replication.ts), and what
 * it waits for from them. A room has one observer; a room nobody replicates has UNOBSERVED.
 */
export interface RoomObserver {
  /**
   * The room applied an update and queued it for storage as number `seq`. `author`: who made it as
   * an author tag (editor-identity.ts), when known and version history is on.
   */
  updateAccepted(update: Uint8Array, author: string | null, seq: number): void;
  /** The room applied an update from outside (applyOutsideUpdate): stored elsewhere, not here. */
  outsideUpdateApplied(update: Uint8Array): void;
  /** The presence of the room's own connections changed: the accepted entries, as one awareness update. */
  presenceChanged(update: Uint8Array): void;
  /** Storage has written the room's updates up to `seq`. */
  persisted(seq: number): void;
  /**
   * Resolves once every outside update the room's clients could have seen by now is stored
   * somewhere: a save acknowledgement waits for it, and then for the room's own storage.
   */
  settled(): Promise<void>;
  /** The room is about to be written out for good (unload or stop): hand over whatever must be stored. */
  unloading(): void;
  /** The room is disposed: stop. */
  disposed(): void;
}

const SETTLED = Promise.resolve();

export const UNOBSERVED: RoomObserver = {
  updateAccepted: () => undefined,
  outsideUpdateApplied: () => undefined,
  presenceChanged: () => undefined,
  persisted: () => undefined,
  settled: () => SETTLED,
  unloading: () => undefined,
  disposed: () => undefined,
};
