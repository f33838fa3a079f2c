/**
 * Version history in the room tier: real rooms, connections and persistence over the in-memory
 * store, on the manual clock.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeAwarenessUpdate, REMOVED_STATE } from '../../lib/protocol/awareness';
import { readDocument, renderDocument } from '../../lib/editor/document-export';
import { parseContent, writeDocument } from '../../lib/editor/document-import';
import { DAY_MS, HOUR_MS } from '../../sync-server/history/retention';
import type { VersionAuthor } from '../../sync-server/storage/document-store';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { createRoomHarness, type ProtocolClient } from '../helpers/room-harness';

const history = { idleMs: 120_000, maxIntervalMs: 300_000, retention: { keepAllMs: DAY_MS, hourlyForMs: 30 * DAY_MS } };

function setup() {
  const store = new MemoryDocumentStore();
  const harness = createRoomHarness(store, { history });
  return { store, harness };
}

/** Types into the document body the way the editor does (a paragraph in the `content` fragment). */
function write(client: ProtocolClient, markdown: string): void {
  writeDocument(client.doc, { title: '', content: parseContent(markdown, 'markdown') }, 'local');
}

function markdownOf(doc: Y.Doc): string {
  return renderDocument(readDocument(doc), 'markdown');
}

function announce(client: ProtocolClient, name: string, color: string, clock = 1): void {
  client.sendAwareness(encodeAwarenessUpdate([{ clientId: client.doc.clientID, clock, state: JSON.stringify({ user: { name, color } }) }]));
}

/** What a stock client sends as it goes (y-protocols' removeAwarenessStates), before its socket closes. */
function withdraw(client: ProtocolClient, clock: number): void {
  client.sendAwareness(encodeAwarenessUpdate([{ clientId: client.doc.clientID, clock, state: REMOVED_STATE }]));
}

function sortedNames(authors: readonly VersionAuthor[]): string[] {
  return authors.map((author) => author.name).sort();
}

describe('version history', () => {
  it('records a version once editing pauses, naming who edited, and at most one per interval while typing', async () => {
    const { harness } = setup();
    const ada = harness.connect('doc');
    const bob = harness.connect('doc');
    ada.sync();
    bob.sync();
    announce(ada, 'Ada', '#d9480f');
    announce(bob, 'Bob', '#1971c2');
    await harness.scheduler.settle();
    const { room, release } = await harness.registry.acquire('doc');
    write(ada, 'first draft');
    harness.scheduler.advance(119_000);
    await harness.scheduler.settle();
    expect(await room.history!.list()).toHaveLength(0);
    harness.scheduler.advance(1_000);
    await harness.scheduler.settle();
    const [first] = await room.history!.list();
    expect(first?.meta.kind).toBe('auto');
    expect(first?.meta.authors).toEqual([{ name: 'Ada', color: '#d9480f' }]);

    // Typing every minute for 12 minutes: never idle for 2 minutes, so the 5-minute cap decides.
    for (let minute = 1; minute <= 12; minute++) {
      write(bob, `draft ${minute}`);
      harness.scheduler.advance(60_000);
      await harness.scheduler.settle();
    }
    const versions = await room.history!.list();
    expect(versions.map((v) => v.meta.createdAt - first!.meta.createdAt)).toEqual([0, 300_000, 600_000]);
    expect(versions[1]!.meta.authors).toEqual([{ name: 'Bob', color: '#1971c2' }]);
    release();
  });

  it('records a version when the last editor leaves, remembering who they were', async () => {
    const { harness } = setup();
    const ada = harness.connect('doc');
    ada.sync();
    announce(ada, 'Ada', '#d9480f');
    await harness.scheduler.settle();
    write(ada, 'written and gone');
    ada.close();
    await harness.scheduler.settle();
    const { room, release } = await harness.registry.acquire('doc');
    const versions = await room.history!.list();
    expect(versions).toHaveLength(1);
    expect(versions[0]!.meta.authors).toEqual([{ name: 'Ada', color: '#d9480f' }]);
    expect(markdownOf(await room.history!.documentAt(versions[0]!.id))).toBe('written and gone');
    release();
  });

  it('credits editors who withdraw their presence before their socket closes, as stock clients and pagehide do', async () => {
    const { harness } = setup();
    const ada = harness.connect('doc');
    const bob = harness.connect('doc');
    ada.sync();
    bob.sync();
    announce(ada, 'Ada', '#d9480f');
    announce(bob, 'Bob', '#1971c2');
    await harness.scheduler.settle();
    write(ada, 'Ada was here');
    write(bob, 'Ada was here\n\nand Bob too');
    await harness.scheduler.settle();
    withdraw(ada, 2);
    ada.close();
    withdraw(bob, 2);
    bob.close();
    await harness.scheduler.settle();
    const { room, release } = await harness.registry.acquire('doc');
    const versions = await room.history!.list();
    expect(versions).toHaveLength(1);
    expect(sortedNames(versions[0]!.meta.authors)).toEqual(['Ada', 'Bob']);
    release();
  });

  it('credits an editor who typed anonymously and named themselves afterwards, even when they withdraw before leaving', async () => {
    const { harness } = setup();
    const ada = harness.connect('doc');
    const bob = harness.connect('doc');
    ada.sync();
    bob.sync();
    announce(bob, 'Bob', '#1971c2');
    await harness.scheduler.settle();
    write(ada, 'typed before saying who');
    await harness.scheduler.settle();
    announce(ada, 'Ada', '#d9480f');
    await harness.scheduler.settle();
    withdraw(ada, 2);
    ada.close();
    await harness.scheduler.settle();
    // Bob stays, so the version waits for the pause: by then Ada's presence is long gone.
    harness.scheduler.advance(history.idleMs);
    await harness.scheduler.settle();
    const { room, release } = await harness.registry.acquire('doc');
    const versions = await room.history!.list();
    expect(versions).toHaveLength(1);
    expect(versions[0]!.meta.authors).toEqual([{ name: 'Ada', color: '#d9480f' }]);
    release();
  });

  it('credits a person once: hidden and shown again, in two tabs, or renamed (by their newest name)', async () => {
    const { harness } = setup();
    const ada = harness.connect('doc');
    const adaAgain = harness.connect('doc');
    const carol = harness.connect('doc');
    for (const client of [ada, adaAgain, carol]) client.sync();
    announce(ada, 'Ada', '#d9480f');
    announce(adaAgain, 'Ada', '#d9480f');
    announce(carol, 'Carol', '#2b8a3e');
    await harness.scheduler.settle();
    write(ada, 'one');
    write(carol, 'one\n\nCarol');
    await harness.scheduler.settle();
    // A page put in the back-forward cache and restored: presence withdrawn, then the same again.
    withdraw(ada, 2);
    announce(ada, 'Ada', '#d9480f', 3);
    write(ada, 'one two\n\nCarol');
    write(adaAgain, 'one two three\n\nCarol');
    // Carol gives her full name and types on.
    announce(carol, 'Carol Shaw', '#2b8a3e', 2);
    write(carol, 'one two three\n\nCarol Shaw');
    await harness.scheduler.settle();
    for (const client of [ada, adaAgain, carol]) {
      withdraw(client, 9);
      client.close();
    }
    await harness.scheduler.settle();
    const { room, release } = await harness.registry.acquire('doc');
    const versions = await room.history!.list();
    expect(versions).toHaveLength(1);
    expect(sortedNames(versions[0]!.meta.authors)).toEqual(['Ada', 'Carol Shaw']);
    release();
  });

  it('restores a version as a live change for everyone, bracketed by versions, history kept', async () => {
    const { harness } = setup();
    const ada = harness.connect('doc');
    const bob = harness.connect('doc');
    ada.sync();
    bob.sync();
    await harness.scheduler.settle();
    const { room, release } = await harness.registry.acquire('doc');
    write(ada, 'the good text');
    const good = await room.history!.name('Good', { name: 'Ada', color: null });
    write(ada, ''); // select all, delete
    await harness.scheduler.settle();
    expect(markdownOf(bob.doc)).toBe('');

    const { before, after } = await room.history!.restore(good.id, { name: 'Bob', color: '#1971c2' });
    await harness.scheduler.settle();
    expect(markdownOf(bob.doc)).toBe('the good text');
    expect(markdownOf(ada.doc)).toBe('the good text');
    const versions = await room.history!.list();
    expect(versions.map((v) => [v.meta.kind, v.meta.name])).toEqual([
      ['named', 'Good'],
      ['before-restore', null],
      ['restore', null],
    ]);
    expect(after.meta.restoredFrom).toBe(good.id);
    expect(after.meta.authors).toContainEqual({ name: 'Bob', color: '#1971c2' });
    // The restore is undoable: the state before it is a version of its own.
    expect(markdownOf(await room.history!.documentAt(before.id))).toBe('');
    await room.history!.restore(before.id, { name: 'Ada', color: null });
    await harness.scheduler.settle();
    expect(markdownOf(bob.doc)).toBe('');
    release();
  });

  it('merges what a client typed offline on top of a restore', async () => {
    const { harness } = setup();
    const ada = harness.connect('doc');
    ada.sync();
    await harness.scheduler.settle();
    const { room, release } = await harness.registry.acquire('doc');
    write(ada, 'keep this\n\nand this');
    const v1 = await room.history!.name('v1', { name: 'Ada', color: null });
    write(ada, 'keep this\n\nand this\n\nthen a mistake');
    await harness.scheduler.settle();

    // Carol was here, then went offline and kept typing in the first paragraph.
    const carol = harness.connect('doc');
    carol.sync();
    await harness.scheduler.settle();
    carol.close();
    const paragraph = carol.doc.getXmlFragment('content').get(0) as Y.XmlElement;
    (paragraph.get(0) as Y.XmlText).insert('keep this'.length, ', typed offline');

    await room.history!.restore(v1.id, { name: 'Ada', color: null });
    await harness.scheduler.settle();
    expect(markdownOf(ada.doc)).toBe('keep this\n\nand this');

    const back = harness.connect('doc');
    Y.applyUpdate(back.doc, Y.encodeStateAsUpdate(carol.doc));
    back.sync();
    await harness.scheduler.settle();
    expect(markdownOf(ada.doc)).toBe('keep this, typed offline\n\nand this');
    expect(markdownOf(back.doc)).toBe('keep this, typed offline\n\nand this');
    release();
  });

  it('thins automatic versions with age on the manual clock, keeping named ones and every survivor readable', async () => {
    const { harness } = setup();
    const ada = harness.connect('doc');
    ada.sync();
    await harness.scheduler.settle();
    const { room, release } = await harness.registry.acquire('doc');
    const expected = new Map<number, string>();
    // Three days of a version every 20 minutes, one named on the first morning.
    for (let step = 1; step <= 3 * 72; step++) {
      write(ada, `text at step ${step}`);
      harness.scheduler.advance(20 * 60_000);
      await harness.scheduler.settle();
      if (step === 10) {
        const named = await room.history!.name('Morning', { name: 'Ada', color: null });
        expected.set(named.id, `text at step ${step}`);
      }
    }
    const versions = await room.history!.list();
    const ages = versions.map((v) => harness.scheduler.now() - v.meta.createdAt);
    // The last day: all (3 an hour); before: one an hour, plus the named one.
    expect(versions.filter((v, i) => ages[i]! < DAY_MS).length).toBeGreaterThanOrEqual(70);
    const older = versions.filter((v, i) => ages[i]! >= DAY_MS && v.meta.kind !== 'named');
    const hours = new Set(older.map((v) => Math.floor(v.meta.createdAt / HOUR_MS)));
    expect(older.length).toBe(hours.size);
    expect(versions.some((v) => v.meta.kind === 'named' && v.meta.name === 'Morning')).toBe(true);
    for (const version of versions) {
      const doc = await room.history!.documentAt(version.id);
      expect(markdownOf(doc)).toMatch(/^text at step \d+$/);
      if (expected.has(version.id)) expect(markdownOf(doc)).toBe(expected.get(version.id));
    }
    release();
  });
});

describe('the version history of a document’s comments', () => {
  it('records none: editing and leaving the comments leave no version, while the text records its own', async () => {
    const { harness, store } = setup();
    const text = harness.connect('doc');
    const comments = harness.connect('doc/comments');
    text.sync();
    comments.sync();
    await harness.scheduler.settle();
    write(text, 'the text');
    comments.doc.getMap('threads').set('thread-1', 'a question');
    harness.scheduler.advance(400_000);
    await harness.scheduler.settle();
    comments.close();
    text.close();
    harness.scheduler.advance(400_000);
    await harness.scheduler.settle();
    expect(await store.listVersions('doc/comments')).toEqual([]);
    expect(await store.listVersions('doc')).not.toEqual([]);
    const { room, release } = await harness.registry.acquire('doc/comments');
    expect(room.history).toBeNull();
    expect(room.doc.getMap('threads').get('thread-1')).toBe('a question');
    release();
  });
});
