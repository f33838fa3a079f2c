import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  chainTo,
  encodeVersion,
  positionAfter,
  removalRange,
  removalRewrite,
  stateOfChain,
  type ChainPosition,
} from '../../sync-server/history/version-encoding';
import type { StoredVersion } from '../../sync-server/storage/document-store';

/** A document edited in steps, with a version recorded after each step. */
function recordSteps(steps: number): { versions: StoredVersion[]; texts: string[] } {
  const doc = new Y.Doc();
  const text = doc.getText('t');
  const versions: StoredVersion[] = [];
  const texts: string[] = [];
  let position: ChainPosition | null = null;
  for (let step = 1; step <= steps; step++) {
    text.insert(text.length, `step ${step}. `.repeat(3));
    if (step % 3 === 0) text.delete(0, 4); // deletions too: the delete set must carry over
    const encoded = encodeVersion(doc, position);
    position = encoded.next;
    versions.push({
      id: step,
      meta: { createdAt: step, kind: 'auto', name: null, authors: [], restoredFrom: null, encoding: encoded.encoding },
      update: encoded.update,
    });
    texts.push(text.toString());
  }
  return { versions, texts };
}

function textOf(state: Uint8Array): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc.getText('t').toString();
}

function rebuild(versions: readonly StoredVersion[], id: number): string {
  const ids = new Set(chainTo(versions, id));
  return textOf(stateOfChain(versions.filter((version) => ids.has(version.id))));
}

describe('version encoding', () => {
  it('stores deltas with a keyframe now and then, and rebuilds every version exactly', () => {
    const { versions, texts } = recordSteps(40);
    const encodings = versions.map((version) => version.meta.encoding);
    expect(encodings[0]).toBe('full');
    expect(encodings.filter((encoding) => encoding === 'delta').length).toBeGreaterThan(20);
    expect(encodings.filter((encoding) => encoding === 'full').length).toBeGreaterThan(1);
    for (const version of versions) expect(rebuild(versions, version.id)).toBe(texts[version.id - 1]);
    // The chain to rebuild a version never reads much more than two full states.
    const last = versions.at(-1)!;
    const chain = chainTo(versions, last.id).map((id) => versions[id - 1]!);
    const fullNow = Y.encodeStateAsUpdate((() => { const d = new Y.Doc(); Y.applyUpdate(d, stateOfChain(chain)); return d; })()).byteLength;
    expect(chain.reduce((sum, v) => sum + v.update.byteLength, 0)).toBeLessThan(2.5 * fullNow);
  });

  it('picks the chain up where the stored versions leave off', () => {
    const { versions } = recordSteps(7);
    const position = positionAfter(chainTo(versions, 7).map((id) => versions[id - 1]!));
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stateOfChain(chainTo(versions, 7).map((id) => versions[id - 1]!)));
    doc.getText('t').insert(0, 'later ');
    const next = encodeVersion(doc, position);
    expect(next.encoding).toBe('delta');
    const all = [...versions, { id: 8, meta: { ...versions[0]!.meta, encoding: next.encoding }, update: next.update }];
    expect(rebuild(all, 8)).toBe(doc.getText('t').toString());
  });

  it('removes versions and keeps every survivor rebuildable, keyframes included', () => {
    const { versions, texts } = recordSteps(30);
    const keyframes = versions.filter((version) => version.meta.encoding === 'full').map((version) => version.id);
    const remove = [2, 3, 5, keyframes[1]!, keyframes[1]! + 1, 17, 18, 19].sort((a, b) => a - b);
    const range = removalRange(versions, remove);
    const loaded = versions.filter((version) => range.includes(version.id));
    const rewritten = new Map(removalRewrite(loaded, new Set(remove)).map((version) => [version.id, version]));
    const survivors = versions.filter((version) => !remove.includes(version.id)).map((version) => rewritten.get(version.id) ?? version);
    for (const version of survivors) expect(rebuild(survivors, version.id), `version ${version.id}`).toBe(texts[version.id - 1]);
  });
});

describe('a version recorded from a document that lacks part of the version before it', () => {
  /** Version 1 from `before`; version 2 from `after`, recorded against version 1 as the history would. */
  function twoVersions(before: Y.Doc, after: Y.Doc): { encoding: string; rebuilt: string } {
    const first = encodeVersion(before, null);
    const second = encodeVersion(after, first.next);
    const meta = (id: number, encoding: 'full' | 'delta') => ({ createdAt: id, kind: 'auto' as const, name: null, authors: [], restoredFrom: null, encoding });
    const chain: StoredVersion[] = [
      { id: 1, meta: meta(1, first.encoding), update: first.update },
      { id: 2, meta: meta(2, second.encoding), update: second.update },
    ];
    const versions = chain.map(({ id, meta: m }) => ({ id, meta: m }));
    return { encoding: second.encoding, rebuilt: textOf(stateOfChain(chain.filter((v) => chainTo(versions, 2).includes(v.id)))) };
  }

  // A server that crashed had recorded version 1 with edits it had not yet stored; the server that
  // took over loaded the document without them (their editor sends them again when it reconnects).
  it('rebuilds to that document, not to the edits it lacks', () => {
    const stored = new Y.Doc();
    stored.getText('t').insert(0, 'stored ');
    const crashed = new Y.Doc();
    Y.applyUpdate(crashed, Y.encodeStateAsUpdate(stored));
    const editor = new Y.Doc();
    Y.applyUpdate(editor, Y.encodeStateAsUpdate(stored));
    editor.getText('t').insert(7, 'lost in the crash');
    Y.applyUpdate(crashed, Y.encodeStateAsUpdate(editor));
    const restarted = new Y.Doc();
    Y.applyUpdate(restarted, Y.encodeStateAsUpdate(stored));
    restarted.getText('t').insert(0, 'after: ');

    expect(twoVersions(crashed, restarted)).toMatchObject({ rebuilt: 'after: stored ' });
  });

  it('rebuilds without the deletions it lacks', () => {
    const stored = new Y.Doc();
    stored.getText('t').insert(0, 'kept text');
    const crashed = new Y.Doc();
    Y.applyUpdate(crashed, Y.encodeStateAsUpdate(stored));
    crashed.getText('t').delete(0, 5); // a deletion the crashed server never stored
    const restarted = new Y.Doc();
    Y.applyUpdate(restarted, Y.encodeStateAsUpdate(stored));

    expect(twoVersions(crashed, restarted)).toMatchObject({ rebuilt: 'kept text' });
  });

  it('is still recorded as a delta when the document holds all of the version before', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'a long enough first version so that a small delta pays off');
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    copy.getText('t').delete(0, 2);
    copy.getText('t').insert(0, 'A');
    const { encoding, rebuilt } = twoVersions(doc, copy);
    expect(encoding).toBe('delta');
    expect(rebuilt).toBe(copy.getText('t').toString());
  });
});

describe('removing versions across a keyframe written after a crash', () => {
  it('keeps the survivor after that keyframe rebuilding to its own content', () => {
    // Versions 1-3 by one server; it crashes with version 3's last edit unstored; the next server
    // writes version 4 as a keyframe (its document lacks that edit) and 5 as a delta on it.
    const long = 'a first version long enough for the next ones to be deltas. '.repeat(4);
    const before = new Y.Doc();
    const text = before.getText('t');
    text.insert(0, long);
    const v1 = encodeVersion(before, null);
    text.insert(text.length, 'two ');
    const v2 = encodeVersion(before, v1.next);
    const stored = Y.encodeStateAsUpdate(before);
    text.insert(text.length, 'lost ');
    const v3 = encodeVersion(before, v2.next);
    const after = new Y.Doc();
    Y.applyUpdate(after, stored);
    const next = after.getText('t');
    next.insert(next.length, 'three ');
    const v4 = encodeVersion(after, v3.next);
    next.insert(next.length, 'four');
    const v5 = encodeVersion(after, v4.next);
    expect([v2.encoding, v3.encoding, v4.encoding, v5.encoding]).toEqual(['delta', 'delta', 'full', 'delta']);
    const meta = (id: number, encoding: 'full' | 'delta') => ({ createdAt: id, kind: 'auto' as const, name: null, authors: [], restoredFrom: null, encoding });
    const versions: StoredVersion[] = [v1, v2, v3, v4, v5].map((v, i) => ({ id: i + 1, meta: meta(i + 1, v.encoding), update: v.update }));

    const rewritten = removalRewrite(versions, new Set([3, 4]));
    const kept = versions.filter((v) => v.id !== 3 && v.id !== 4).map((v) => rewritten.find((r) => r.id === v.id) ?? v);
    const chain = chainTo(kept, 5).map((id) => kept.find((v) => v.id === id)!);
    expect(textOf(stateOfChain(chain))).toBe(`${long}two three four`);
  });
});
