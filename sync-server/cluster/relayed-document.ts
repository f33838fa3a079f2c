/**
 * What the relay (stream-relay.ts) and a replicated document (replicated-room.ts) ask of each other,
 * and the document digest that anti-entropy compares (state-digest.ts).
 */
import { createHash } from 'node:crypto';
import * as Y from 'yjs';

/** What the relay needs of a loaded document. */
export interface RelayedDocument {
  applyRemoteUpdate(update: Uint8Array, author: string | null): void;
  applyRemotePresence(nodeId: string, update: Uint8Array): void;
  /** What a node with `stateVector` lacks, or null when it lacks nothing. */
  diffFor(stateVector: Uint8Array): Uint8Array | null;
  /** This node's state vector, to ask the others for what it lacks. */
  stateVector(): Uint8Array;
  /** What the other nodes compare with theirs to find out whether they lack something. */
  digest(): StateDigest;
  /** Stores relayed updates whose sender never said it stored them (it may have died). */
  keepRelayed(updates: readonly Uint8Array[]): void;
}

/** A document's side of the relay, held by its replica (replicated-room.ts). */
export interface DocumentChannel {
  /** `seq`: the update's number in this node's storage queue of the document. */
  publishUpdate(update: Uint8Array, author: string | null, seq: number): void;
  publishPresence(update: Uint8Array): void;
  /** This node has stored its updates up to `seq`; the others hear it soon. */
  confirmStored(seq: number): void;
  /** Hands every relayed update still unconfirmed to the document to store (before it unloads). */
  keepUnconfirmed(): void;
  /** Resolves once every relayed update held unconfirmed now is confirmed or handed to the document. */
  settled(): Promise<void>;
  close(): void;
}

/**
 * A document's anti-entropy digest (compared by cluster/state-digest.ts): the state vector says
 * which structs a node has, a hash of the delete set which of them it has deleted. The state vector
 * alone misses a lost deletion: deleting adds no struct.
 */
export interface StateDigest {
  /** Y.encodeStateVector of the document. */
  readonly stateVector: Uint8Array;
  /** Hash of the document's encoded delete set (deletionsHash). */
  readonly deletions: string;
}

export function documentDigest(doc: Y.Doc): StateDigest {
  const stateVector = Y.encodeStateVector(doc);
  return { stateVector, deletions: deletionsHash(Y.encodeStateAsUpdate(doc, stateVector)) };
}

/**
 * `deleteSetUpdate`: an update with no structs and the document's delete set (Y.encodeStateAsUpdate(doc,
 * its own state vector)). The delete set Yjs encodes is canonical (ranges merged, clients sorted), so
 * equal sets hash equal.
 */
export function deletionsHash(deleteSetUpdate: Uint8Array): string {
  return createHash('sha256').update(deleteSetUpdate).digest('base64url').slice(0, 22);
}
