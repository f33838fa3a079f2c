/**
 * The room tier's seeded fuzz (room-fuzz.ts) on a few fixed seeds, and every seed that once found
 * a bug. More runs: `npm run fuzz -- --seed S --runs N`.
 *
 * A seed plays the same run only as long as the harness draws its random numbers the same way:
 * after changing the harness, check that each bug's seed still fails with its fix undone, and
 * pick another seed that does if it no longer does (seeds 23, 179 and 1108 replaced earlier ones).
 */
import { describe, it } from 'vitest';
import { FuzzFailure, describeFailure, runRoomFuzz, type FuzzSettings } from './room-fuzz';

async function play(seed: number, settings: Pick<FuzzSettings, 'steps' | 'store' | 'comments'>): Promise<void> {
  try {
    await runRoomFuzz(seed, settings);
  } catch (error) {
    if (error instanceof FuzzFailure) throw new Error(describeFailure(error, settings));
    throw error;
  }
}

describe('room fuzz: fixed seeds', () => {
  for (const seed of [4, 7, 9, 11, 14]) {
    it(`seed ${seed}, memory store`, () => play(seed, { steps: 300, store: 'memory' }));
  }
  it('seed 15, LevelDB store', () => play(15, { steps: 300, store: 'leveldb' }));
});

// Commenters and viewers beside the editors, the comments document, and read-only participants
// trying to type (fuzz-comments.ts). The runs above are the same with comments off as before them.
describe('room fuzz with comments: fixed seeds', () => {
  for (const seed of [3, 6, 10]) {
    it(`seed ${seed}, memory store`, () => play(seed, { steps: 300, store: 'memory', comments: true }));
  }
  it('seed 20, LevelDB store', () => play(20, { steps: 300, store: 'leveldb', comments: true }));
  it('seed 12: a quote that cuts a surrogate pair is refused, not kept as a copy that reads otherwise than every other', () =>
    play(12, { steps: 300, store: 'memory', comments: true }));
  it('seed 414: a read-only copy keeps what a crashed server relayed and never stored (it cannot send it back)', () =>
    play(414, { steps: 300, store: 'memory', comments: true }));
  it('seed 61329: a read-only copy\'s "saved" covers nothing it holds, not even a mark Yjs cleaned up by itself after a crash', () =>
    play(61329, { steps: 300, store: 'memory', comments: true }));
});

describe('room fuzz: seeds that found bugs', () => {
  it('seed 2: a link answered from storage before the room greets it still reaches "synced"', () =>
    play(2, { steps: 300, store: 'memory' }));
  it('seed 1: a peer that comes back with the same presence clock is seen again', () =>
    play(1, { steps: 300, store: 'memory' }));
  it('seed 23: a peer the old server marked gone is seen again when it comes back to a restarted one', () =>
    play(23, { steps: 300, store: 'memory' }));
  it('seed 108: a version recorded after a crash rebuilds to the document it was recorded from', () =>
    play(108, { steps: 300, store: 'memory' }));
  it('seed 179: a client whose new connection moved its caret while the old one held its id is shown again', () =>
    play(179, { steps: 300, store: 'memory' }));
  it('seed 1108: what Yjs deletes by itself after applying an update (a redundant mark) is stored and relayed', () =>
    play(1108, { steps: 300, store: 'memory' }));
  it('seed 10257: a deletion left waiting for the text it deletes is stored before "saved"', () =>
    play(10257, { steps: 300, store: 'memory' }));
  it('seed 20967: a deletion left waiting reaches the client whose text it deletes', () =>
    play(20967, { steps: 300, store: 'memory' }));
  it('seed 36827: thinning away a keyframe written after a crash keeps the next version as it was', () =>
    play(36827, { steps: 300, store: 'memory' }));
  it('seed 31883: the clock a new connection used is remembered while the old one keeps changing its presence', () =>
    play(31883, { steps: 300, store: 'memory' }));
});
