// npm run bench:history — how to store versions, by measurement.
//
// A ~1 MB document (a long editing history, as in scenario d) is edited steadily for an hour of
// simulated time: one person typing 2 edits/s (mostly inserts of a few characters, some deletes),
// never pausing, so the server records a version every HISTORY_MAX_INTERVAL_MS (5 min): 12
// versions. Three encodings are compared on the same edits:
//   delta+keyframe  what Tandem stores (sync-server/history/version-encoding.ts)
//   full state      Y.encodeStateAsUpdate of the whole document per version
//   gc-off snapshot Y.snapshot per version, which needs the document kept with garbage collection
//                   off (so its stored state grows with everything ever deleted)
// and the time to open the oldest version (rebuild it and read it as ProseMirror JSON), median of 5.
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { readDocument } from '../lib/editor/document-export';
import { chainTo, documentFromState, encodeVersion, stateOfChain, type ChainPosition } from '../sync-server/history/version-encoding';
import type { StoredVersion } from '../sync-server/storage/document-store';

const MINUTES = 60;
const EDITS_PER_SECOND = 2;
const VERSION_EVERY_S = 300;

let seed = 7;
const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.split(' ');

/** Edits paragraphs of the body the way an editor does: Y.XmlText inside paragraph elements. */
function edit(doc: Y.Doc, kind: 'grow' | 'steady'): void {
  const fragment = doc.getXmlFragment('content');
  if (fragment.length === 0 || (kind === 'grow' && random() < 0.02)) {
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText('')]);
    fragment.insert(fragment.length === 0 ? 0 : Math.floor(random() * fragment.length), [paragraph]);
  }
  const paragraph = fragment.get(Math.floor(random() * fragment.length)) as Y.XmlElement;
  const text = paragraph.get(0) as Y.XmlText;
  if (text.length > 40 && random() < 0.2) text.delete(Math.floor(random() * (text.length - 8)), 1 + Math.floor(random() * 6));
  else text.insert(Math.floor(random() * (text.length + 1)), `${words[Math.floor(random() * words.length)]} `);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

// The same edits on a normal document and on one with garbage collection off.
const doc = new Y.Doc();
const gcOff = new Y.Doc({ gc: false });
doc.on('update', (update: Uint8Array) => Y.applyUpdate(gcOff, update));
while (Y.encodeStateAsUpdate(doc).byteLength < 1_000_000) for (let i = 0; i < 1000; i++) edit(doc, 'grow');
const startBytes = Y.encodeStateAsUpdate(doc).byteLength;

const versions: StoredVersion[] = [];
const fullSizes: number[] = [];
const snapshotSizes: number[] = [];
const snapshots: Y.Snapshot[] = [];
let position: ChainPosition | null = null;
const record = (second: number) => {
  const encoded = encodeVersion(doc, position);
  position = encoded.next;
  versions.push({
    id: versions.length + 1,
    meta: { createdAt: second * 1000, kind: 'auto', name: null, authors: [], restoredFrom: null, encoding: encoded.encoding },
    update: encoded.update,
  });
  fullSizes.push(Y.encodeStateAsUpdate(doc).byteLength);
  const snapshot = Y.snapshot(gcOff);
  snapshots.push(snapshot);
  snapshotSizes.push(Y.encodeSnapshot(snapshot).byteLength);
};
record(0);
for (let second = 1; second <= MINUTES * 60; second++) {
  for (let i = 0; i < EDITS_PER_SECOND; i++) edit(doc, 'steady');
  if (second % VERSION_EVERY_S === 0) record(second);
}

const deltaSizes = versions.map((v) => v.update.byteLength);
const keyframes = versions.filter((v) => v.meta.encoding === 'full').length;
const gcOffGrowth = Y.encodeStateAsUpdate(gcOff).byteLength - Y.encodeStateAsUpdate(doc).byteLength;

const openTimes = { deltaKeyframe: [] as number[], full: [] as number[], snapshot: [] as number[] };
const oldest = versions[1]!; // the first version recorded while editing
const fullOfOldest = (() => {
  const ids = new Set(chainTo(versions, oldest.id));
  return stateOfChain(versions.filter((v) => ids.has(v.id)));
})();
for (let run = 0; run < 5; run++) {
  let t0 = performance.now();
  const ids = new Set(chainTo(versions, oldest.id));
  readDocument(documentFromState(stateOfChain(versions.filter((v) => ids.has(v.id)))));
  openTimes.deltaKeyframe.push(performance.now() - t0);
  t0 = performance.now();
  readDocument(documentFromState(fullOfOldest));
  openTimes.full.push(performance.now() - t0);
  t0 = performance.now();
  readDocument(Y.createDocFromSnapshot(gcOff, snapshots[1]!));
  openTimes.snapshot.push(performance.now() - t0);
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
console.log(`# Version encodings: a ${mb(startBytes)} MB document, ${MINUTES} min of steady editing (${EDITS_PER_SECOND} edits/s), a version every ${VERSION_EVERY_S / 60} min: ${versions.length} versions\n`);
console.log('| encoding | bytes per version, median | total stored for history | open the oldest version, median of 5 |');
console.log('| --- | --- | --- | --- |');
console.log(
  `| delta + keyframe (Tandem; ${keyframes} keyframe${keyframes === 1 ? '' : 's'}) | ${kb(median(deltaSizes.slice(1)))} KB (first: ${kb(deltaSizes[0]!)} KB, a keyframe) | ${mb(sum(deltaSizes))} MB | ${median(openTimes.deltaKeyframe).toFixed(0)} ms |`,
);
console.log(`| full state per version | ${kb(median(fullSizes))} KB | ${mb(sum(fullSizes))} MB | ${median(openTimes.full).toFixed(0)} ms |`);
console.log(
  `| Yjs snapshot, gc off | ${kb(median(snapshotSizes))} KB | ${mb(sum(snapshotSizes))} MB + ${mb(gcOffGrowth)} MB kept in the document itself (deleted content never collected) | ${median(openTimes.snapshot).toFixed(0)} ms |`,
);
