/**
 * What a node does with its documents' stream entries (cluster/document-relays.ts,
 * document-relay.ts), with no Redis: entries go in as XREAD returns them, time moves only on the
 * manual clock, and the assertions read what the node adds to the stream.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ANTI_ENTROPY_MS, CATCH_UP_SPACING_MS, UNCONFIRMED_KEEP_AFTER_MS } from '../../sync-server/cluster/document-relay';
import { READ_COUNT, SWEEP_MS } from '../../sync-server/cluster/document-relays';
import { documentDigest } from '../../sync-server/cluster/relayed-document';
import { editOf, MemoryDocument, NODE, OtherNode, RelayHarness, STREAM } from './relay-harness';

function opened(): { harness: RelayHarness; document: MemoryDocument; channel: ReturnType<RelayHarness['relays']['open']> } {
  const harness = new RelayHarness();
  const document = new MemoryDocument();
  const channel = harness.relays.open('doc', document);
  return { harness, document, channel };
}

describe('document relay: what a node adds', () => {
  it('asks with its state vector on open, then numbers its room entries 1, 2, 3', () => {
    const { harness, channel } = opened();
    expect(harness.streamsChanged).toBe(1);
    expect(harness.relays.readPositions()).toEqual({ streams: [STREAM], ids: ['0'] });
    channel.publishUpdate(Uint8Array.of(0, 0), '{"name":"Ada","color":"#f00"}', 1);
    channel.publishPresence(Uint8Array.of(1));
    expect(harness.added.map((added) => added.stream)).toEqual([STREAM, STREAM, STREAM]);
    expect(harness.take()).toEqual([
      { node: NODE, room: '1', index: 1, stored: null, kind: 'state-vector', stateVector: Uint8Array.of(0) },
      { node: NODE, room: '1', index: 2, stored: null, kind: 'update', update: Uint8Array.of(0, 0), author: '{"name":"Ada","color":"#f00"}', seq: 1 },
      { node: NODE, room: '1', index: 3, stored: null, kind: 'presence', update: Uint8Array.of(1) },
    ]);
    expect(harness.relays.counters.entriesSent).toBe(3);
  });

  it('says how far it has stored: on its next update, else within one sweep, and when the document closes', () => {
    const { harness, channel } = opened();
    harness.take();
    channel.confirmStored(3);
    channel.publishUpdate(Uint8Array.of(0, 0), null, 4);
    expect(harness.take()).toMatchObject([{ kind: 'update', seq: 4, stored: 3 }]);
    channel.confirmStored(4);
    harness.scheduler.advance(SWEEP_MS);
    expect(harness.take('stored')).toMatchObject([{ kind: 'stored', stored: 4 }]);
    harness.scheduler.advance(SWEEP_MS);
    expect(harness.take('stored')).toEqual([]); // said once
    channel.confirmStored(6);
    channel.close();
    expect(harness.take()).toMatchObject([{ kind: 'stored', stored: 6 }]);
    expect(harness.relays.readPositions().streams).toEqual([]);
    expect(harness.streamsChanged).toBe(2);
  });

  it('publishes a digest every 3 s ±20 %, the first spread over the period', () => {
    const harness = new RelayHarness();
    harness.randoms.push(0.25, 0, 0.999);
    const document = new MemoryDocument();
    document.doc.getText('t').insert(0, 'abc');
    harness.relays.open('doc', document);
    const opened = harness.scheduler.now();
    harness.scheduler.advance(4 * ANTI_ENTROPY_MS);
    const digests = harness.added.filter((added) => added.entry.kind === 'digest');
    // Due at 0.25 of a period, then 0.8, about 1.2 and 1 period after each was sent; sent on the
    // sweep's first 250 ms tick at or after that: 750; 3,150 → 3,250; 6,849 → 7,000; 10,000.
    expect(digests.map((added) => added.at - opened)).toEqual([750, 3_250, 7_000, 10_000]);
    expect(digests[0]!.entry).toMatchObject({ kind: 'digest', ...documentDigest(document.doc) });
  });
});

describe('document relay: what a node does with what others add', () => {
  it('applies updates and forwards presence, and skips its own entries', () => {
    const { harness, document } = opened();
    const other = new OtherNode();
    harness.deliver(
      other.entry({ kind: 'update', update: editOf(document.doc, 'hello'), author: null, seq: null }),
      other.entry({ kind: 'presence', update: Uint8Array.of(4, 2) }),
      { node: NODE, room: '1', index: 9, stored: null, kind: 'presence', update: Uint8Array.of(1) },
    );
    expect(document.text).toBe('hello');
    expect(document.presence).toEqual([{ node: 'other', update: Uint8Array.of(4, 2) }]);
    expect(harness.relays.counters.entriesReceived).toBe(2);
    expect(harness.relays.readPositions().ids).toEqual(['1-3']);
  });

  it("answers another node's state vector with what it lacks, and says nothing when it lacks nothing", () => {
    const { harness, document } = opened();
    harness.take();
    const other = new OtherNode();
    harness.deliver(other.entry({ kind: 'state-vector', stateVector: Y.encodeStateVector(document.doc) }));
    expect(harness.take()).toEqual([]);
    document.doc.getText('t').insert(0, 'only here');
    harness.deliver(other.entry({ kind: 'state-vector', stateVector: Uint8Array.of(0) }));
    const answers = harness.take();
    expect(answers).toMatchObject([{ kind: 'update', seq: null, author: null }]);
    const copy = new Y.Doc();
    for (const answer of answers) if (answer.kind === 'update') Y.applyUpdate(copy, answer.update);
    expect(copy.getText('t').toString()).toBe('only here');
  });

  it("asks with its state vector when a sender's numbers jump", () => {
    const { harness } = opened();
    harness.scheduler.advance(CATCH_UP_SPACING_MS);
    harness.take();
    const other = new OtherNode();
    harness.deliver(other.entry({ kind: 'presence', update: Uint8Array.of(1) }));
    other.lose(2);
    harness.deliver(other.entry({ kind: 'presence', update: Uint8Array.of(1) }));
    expect(harness.take('state-vector')).toHaveLength(1);
    expect(harness.relays.counters).toMatchObject({ gapsDetected: 1, catchUps: 1 });
    expect(harness.warnings()).toContain("missed stream entries (a sender's entry numbers jumped); catching up");
  });

  it('spaces catch-ups 250 ms apart: those wanted sooner wait for the sweep and go as one', () => {
    const { harness } = opened(); // asked on open
    const start = harness.scheduler.now();
    harness.take();
    const other = new OtherNode();
    const gap = (): void => {
      other.lose(1);
      harness.deliver(other.entry({ kind: 'presence', update: Uint8Array.of(1) }));
    };
    harness.deliver(other.entry({ kind: 'presence', update: Uint8Array.of(1) }));
    harness.scheduler.advance(100);
    gap();
    expect(harness.added).toEqual([]);
    harness.scheduler.advance(150);
    harness.scheduler.advance(50);
    gap();
    harness.scheduler.advance(100);
    gap();
    harness.scheduler.advance(SWEEP_MS);
    const asks = harness.added.filter((added) => added.entry.kind === 'state-vector').map((added) => added.at - start);
    expect(asks).toEqual([250, 500]);
    expect(harness.relays.counters).toMatchObject({ gapsDetected: 3, catchUps: 2 });
  });

  it("asks when another node's digest shows structs it lacks, or the same structs with other deletions", () => {
    const { harness, document } = opened();
    harness.scheduler.advance(CATCH_UP_SPACING_MS);
    harness.take();
    const other = new OtherNode();
    const theirs = new Y.Doc();
    theirs.getText('t').insert(0, 'abcdef');
    harness.deliver(other.entry({ kind: 'digest', ...documentDigest(theirs) }));
    expect(harness.take('state-vector')).toHaveLength(1);

    Y.applyUpdate(document.doc, Y.encodeStateAsUpdate(theirs));
    harness.scheduler.advance(CATCH_UP_SPACING_MS);
    harness.deliver(other.entry({ kind: 'digest', ...documentDigest(theirs) }));
    expect(harness.take('state-vector')).toEqual([]); // same content: nothing to ask

    theirs.getText('t').delete(1, 2);
    harness.deliver(other.entry({ kind: 'digest', ...documentDigest(theirs) }));
    expect(harness.take('state-vector')).toHaveLength(1);
    expect(harness.relays.counters).toMatchObject({ digestMismatches: 2, catchUps: 2 });
  });

  it('looks for a trim after a full read, and catches up when the stream now begins past what it read', async () => {
    const { harness } = opened();
    harness.scheduler.advance(CATCH_UP_SPACING_MS);
    harness.take();
    const other = new OtherNode();
    const fullRead = () => Array.from({ length: READ_COUNT }, () => other.entry({ kind: 'presence', update: Uint8Array.of(1) }));
    harness.deliver(...fullRead()); // from '0', the whole retained stream: nothing can be lost before it
    await harness.scheduler.settle();
    expect(harness.streamInfoCalls).toBe(0);

    const readAfter = harness.relays.readPositions().ids[0]!;
    harness.streamInfo = ['length', 1000, 'first-entry', ['1-100', []], 'max-deleted-entry-id', '0-0'];
    harness.deliver(...fullRead());
    await harness.scheduler.settle();
    expect(harness.streamInfoCalls).toBe(1);
    expect(harness.take('state-vector')).toEqual([]); // the stream still begins before readAfter

    harness.streamInfo = ['length', 1000, 'first-entry', [`1-${Number(readAfter.split('-')[1]) + 600}`, []]];
    harness.scheduler.advance(CATCH_UP_SPACING_MS);
    harness.deliver(...fullRead());
    await harness.scheduler.settle();
    expect(harness.take('state-vector')).toHaveLength(1);
    expect(harness.warnings()).toContain('missed stream entries (the stream was trimmed past this node); catching up');

    harness.streamInfo = new Error('connection lost');
    harness.scheduler.advance(CATCH_UP_SPACING_MS);
    harness.deliver(...fullRead());
    await harness.scheduler.settle();
    expect(harness.take('state-vector')).toHaveLength(1); // not knowing counts as missed
    expect(harness.relays.counters.gapsDetected).toBe(2);
  });

  it('holds relayed updates until their node says it stored them, and stores what stays unconfirmed', async () => {
    const { harness, document, channel } = opened();
    const other = new OtherNode();
    const update = (seq: number) => other.entry({ kind: 'update', update: editOf(document.doc, String(seq)), author: null, seq });
    harness.deliver(update(1));
    harness.deliver(update(2));
    expect(harness.relays.unconfirmedUpdates).toBe(2);
    let settled = false;
    void channel.settled().then(() => (settled = true));
    harness.deliver(other.entry({ kind: 'stored' }, 2));
    await harness.scheduler.settle();
    expect(settled).toBe(true);
    expect(harness.relays.unconfirmedUpdates).toBe(0);

    harness.deliver(update(3));
    harness.scheduler.advance(UNCONFIRMED_KEEP_AFTER_MS);
    expect(document.kept).toEqual([]);
    harness.scheduler.advance(SWEEP_MS);
    expect(document.kept).toHaveLength(1);
    expect(harness.relays.counters.orphansStored).toBe(1);

    // The update that confirms carries its own number: it is held in turn.
    harness.deliver(other.entry({ kind: 'update', update: editOf(document.doc, '4'), author: null, seq: 4 }, 3));
    expect(harness.relays.unconfirmedUpdates).toBe(1);
    channel.keepUnconfirmed(); // the document unloads: it stores what is still held
    expect(document.kept).toHaveLength(2);
    expect(harness.relays.unconfirmedUpdates).toBe(0);
    expect(document.text).toBe('1234');
  });

  it('asks again for every document after a reconnect', () => {
    const harness = new RelayHarness();
    harness.relays.open('a', new MemoryDocument());
    harness.relays.open('b', new MemoryDocument());
    harness.take();
    harness.relays.askEveryone();
    expect(harness.added.map((added) => [added.stream, added.entry.kind])).toEqual([
      ['tandem:{a}:stream', 'state-vector'],
      ['tandem:{b}:stream', 'state-vector'],
    ]);
  });
});

describe('document relay: entries it cannot use', () => {
  it("counts an unknown kind in its sender's numbers, so that a newer node's entries are no gap", () => {
    const { harness, document } = opened();
    harness.scheduler.advance(CATCH_UP_SPACING_MS);
    harness.take();
    const other = new OtherNode();
    harness.deliver(
      other.entry({ kind: 'presence', update: Uint8Array.of(1) }),
      ['n', 'other', 'k', 'w', 'd', Buffer.from([1]), 'o', '1', 'i', '2'],
      other.entry({ kind: 'presence', update: Uint8Array.of(3) }),
    );
    other.lose(1);
    expect(document.presence).toHaveLength(2);
    expect(harness.take()).toEqual([]);
    expect(harness.relays.counters.gapsDetected).toBe(0);
    expect(harness.logs).toContainEqual(expect.objectContaining({ level: 20, msg: 'ignored a relayed entry', reason: 'unknown kind "w"' }));
  });

  it('logs a malformed entry or one its document refuses with the reason, and goes on with the rest', () => {
    const { harness, document } = opened();
    const other = new OtherNode();
    document.failNextApply = new Error('invalid update');
    harness.deliver(
      ['k', 'u', 'd', Buffer.from([0, 0])],
      other.entry({ kind: 'update', update: Uint8Array.of(0, 0), author: null, seq: null }),
      ['n', 'other', 'k', 'h', 'd', Buffer.from([2, 5]), 'o', '1', 'i', '2', 'x', 'hash'],
      other.entry({ kind: 'update', update: editOf(document.doc, 'after'), author: null, seq: null }),
    );
    expect(document.text).toBe('after');
    expect(harness.logs).toContainEqual(expect.objectContaining({ level: 40, msg: 'ignored a relayed entry', reason: 'no node (n)' }));
    expect(harness.logs).toContainEqual(expect.objectContaining({ level: 40, msg: 'ignored a relayed entry', reason: expect.stringContaining('malformed state vector') }));
    expect(harness.warnings()).toContain('ignored a relayed entry that could not be applied');
    expect(harness.relays.counters.gapsDetected).toBe(0);
  });

  it('stops its sweep when told to', () => {
    const harness = new RelayHarness();
    expect(harness.scheduler.pendingTimers).toBe(1);
    harness.relays.stopSweeping();
    expect(harness.scheduler.pendingTimers).toBe(0);
  });
});
