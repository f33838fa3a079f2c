/**
 * How versions are kept: most as a delta (what changed since the version before: new structs
 * and the delete set), every so often a full state (a keyframe), so that rebuilding any version
 * reads one keyframe and the deltas after it. A new keyframe is written once the deltas since the
 * last one add up to its size: rebuilding then never reads more than about twice a full state.
 */
import * as Y from 'yjs';
import type { StoredVersion, VersionInfo } from '../storage/document-store';

type DeleteSet = ReturnType<typeof Y.createDeleteSet>;

/** What the next version is recorded against: the chain since the last keyframe. */
export interface ChainPosition {
  /** The state vector of the newest version. */
  readonly stateVector: Uint8Array;
  /** What the newest version had deleted. */
  readonly deleted: DeleteSet;
  readonly keyframeBytes: number;
  readonly deltaBytesSinceKeyframe: number;
}

export interface EncodedVersion {
  readonly encoding: 'full' | 'delta';
  readonly update: Uint8Array;
  readonly next: ChainPosition;
}

/**
 * A delta holds what the document added since the version before and everything it deleted, so it
 * rebuilds the document only if the document holds all of that version. A server that took over
 * after a crash may not: the version before was recorded with edits it lost (their editors send
 * them again later), and in cluster mode with edits not yet relayed here. Then a keyframe.
 */
export function encodeVersion(doc: Y.Doc, previous: ChainPosition | null): EncodedVersion {
  const stateVector = Y.encodeStateVector(doc);
  const deleted = Y.createDeleteSetFromStructStore(doc.store);
  if (previous !== null && holdsVersion(doc, deleted, previous)) {
    const delta = Y.encodeStateAsUpdate(doc, previous.stateVector);
    if (previous.deltaBytesSinceKeyframe + delta.byteLength < previous.keyframeBytes) {
      return {
        encoding: 'delta',
        update: delta,
        next: {
          stateVector,
          deleted,
          keyframeBytes: previous.keyframeBytes,
          deltaBytesSinceKeyframe: previous.deltaBytesSinceKeyframe + delta.byteLength,
        },
      };
    }
  }
  const full = Y.encodeStateAsUpdate(doc);
  return { encoding: 'full', update: full, next: { stateVector, deleted, keyframeBytes: full.byteLength, deltaBytesSinceKeyframe: 0 } };
}

/** Whether `doc` (which has deleted `deleted`) holds everything the version at `position` held and deleted. */
function holdsVersion(doc: Y.Doc, deleted: DeleteSet, position: ChainPosition): boolean {
  for (const [client, clock] of Y.decodeStateVector(position.stateVector)) {
    if (Y.getState(doc.store, client) < clock) return false;
  }
  for (const [client, ranges] of position.deleted.clients) {
    const ours = deleted.clients.get(client) ?? [];
    for (const range of ranges) if (!covers(ours, range.clock, range.clock + range.len)) return false;
  }
  return true;
}

/** Whether the ranges (sorted by clock) cover every clock in [start, end). */
function covers(ranges: ReadonlyArray<{ readonly clock: number; readonly len: number }>, start: number, end: number): boolean {
  let from = start;
  for (const range of ranges) {
    if (range.clock + range.len <= from) continue;
    if (range.clock > from) return false;
    from = range.clock + range.len;
    if (from >= end) return true;
  }
  return from >= end;
}

/** The ids whose updates rebuild version `id`: the last keyframe at or before it, then every delta up to it. */
export function chainTo(versions: readonly VersionInfo[], id: number): number[] {
  const end = versions.findIndex((version) => version.id === id);
  if (end === -1) return [];
  let start = end;
  while (start > 0 && versions[start]!.meta.encoding !== 'full') start--;
  return versions.slice(start, end + 1).map((version) => version.id);
}

/** The state of the last version of a chain (keyframe first), as one update. */
export function stateOfChain(chain: readonly StoredVersion[]): Uint8Array {
  if (chain.length === 0 || chain[0]!.meta.encoding !== 'full') throw new Error('a version chain starts with a full state');
  return chain.length === 1 ? chain[0]!.update : Y.mergeUpdates(chain.map((version) => version.update));
}

/** Where a chain leaves off, so the next version can be recorded against it. */
export function positionAfter(chain: readonly StoredVersion[]): ChainPosition {
  const state = stateOfChain(chain);
  return {
    stateVector: Y.encodeStateVectorFromUpdate(state),
    deleted: Y.decodeUpdate(state).ds,
    keyframeBytes: chain[0]!.update.byteLength,
    deltaBytesSinceKeyframe: chain.slice(1).reduce((sum, version) => sum + version.update.byteLength, 0),
  };
}

/** A Y.Doc holding a version's content. */
export function documentFromState(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

/** The ids `removalRewrite` needs loaded to remove `remove` (ascending) from `versions`. */
export function removalRange(versions: readonly VersionInfo[], remove: readonly number[]): number[] {
  if (remove.length === 0) return [];
  const first = chainTo(versions, remove[0]!)[0];
  const removing = new Set(remove);
  const startIndex = versions.findIndex((version) => version.id === first);
  let endIndex = versions.findIndex((version) => version.id === remove.at(-1));
  while (endIndex < versions.length - 1 && removing.has(versions[endIndex]!.id)) endIndex++;
  return versions.slice(startIndex, endIndex + 1).map((version) => version.id);
}

/**
 * The rewrite that removes versions from a chain and keeps every other version rebuildable:
 * removed deltas are merged into the next survivor; a removed keyframe among them makes the next
 * survivor a keyframe of its own state. `loaded` must hold every version from the first keyframe at or
 * before the first removed one to the first survivor after the last removed one.
 */
export function removalRewrite(loaded: readonly StoredVersion[], remove: ReadonlySet<number>): StoredVersion[] {
  const rewritten: StoredVersion[] = [];
  let carried: StoredVersion[] = []; // removed versions not yet folded into a survivor
  let state: Uint8Array | null = null; // the state at the newest version walked, when a keyframe is needed
  for (const version of loaded) {
    state = state === null || version.meta.encoding === 'full' ? version.update : Y.mergeUpdates([state, version.update]);
    if (remove.has(version.id)) {
      carried.push(version);
      continue;
    }
    if (carried.length === 0 || version.meta.encoding === 'full') {
      carried = []; // a keyframe needs nothing before it
      continue;
    }
    // A removed keyframe anywhere among them: the survivor becomes a keyframe of its own state (the
    // walk's state starts again at each keyframe). Merging across a keyframe would bring back what
    // a keyframe written after a crash does not hold (see encodeVersion).
    if (carried.some((removed) => removed.meta.encoding === 'full')) {
      // Decoding and re-encoding drops what was deleted meanwhile: a clean keyframe, not a merge.
      rewritten.push({ ...version, meta: { ...version.meta, encoding: 'full' }, update: Y.encodeStateAsUpdate(documentFromState(state)) });
    } else {
      rewritten.push({ ...version, update: Y.mergeUpdates([...carried.map((removed) => removed.update), version.update]) });
    }
    carried = [];
  }
  return rewritten;
}
