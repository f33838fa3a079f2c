/**
 * Anti-entropy between nodes: every few seconds each node publishes a digest of each document it
 * holds, and a node that reads another's digest decides whether it lacks something. Whatever made
 * two nodes diverge (an entry lost in any way, a bug not found yet), the one that lacks content
 * notices within one round and asks with its state vector, as it does after a gap.
 *
 * A digest (relayed-document.ts) is the state vector and a hash of the delete set; each replica works out
 * its own, and this module compares two of them.
 */
import * as Y from 'yjs';
import type { StateDigest } from './relayed-document';

/** What a node should do after reading another node's digest. */
export type DigestVerdict =
  /** They have structs we lack: ask. */
  | 'behind'
  /** Same structs, different deletions: ask (the answer carries the whole delete set). */
  | 'deletions-differ'
  /** Nothing we can see to lack; if they lack something, they find out from our digest. */
  | 'not-behind';

export function compareDigests(ours: StateDigest, theirs: StateDigest): DigestVerdict {
  // Both are validated state vectors (assertValidStateVector) before they get here.
  const mine = Y.decodeStateVector(ours.stateVector);
  const other = Y.decodeStateVector(theirs.stateVector);
  let same = mine.size === other.size;
  for (const [client, clock] of other) {
    const have = mine.get(client) ?? 0;
    if (clock > have) return 'behind';
    if (clock !== have) same = false;
  }
  // With equal state vectors the two delete sets cover the same structs and can be compared. While
  // one side is ahead they cannot: the newer structs may carry deletions of their own.
  if (same && ours.deletions !== theirs.deletions) return 'deletions-differ';
  return 'not-behind';
}
