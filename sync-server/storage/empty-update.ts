/**
 * The Yjs update that carries nothing, no structs and an empty delete set: two zero bytes. It is
 * what Yjs encodes for an empty document or a diff with nothing in it, and what a client with
 * nothing new sends.
 */

/** Its length: an update no longer than this carries nothing worth storing. */
export const EMPTY_UPDATE_LENGTH = 2;

/** A new one each time: Uint8Arrays are mutable, and this one travels into other modules' hands. */
export function emptyUpdate(): Uint8Array {
  return new Uint8Array([0, 0]);
}

export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === EMPTY_UPDATE_LENGTH && update[0] === 0 && update[1] === 0;
}
