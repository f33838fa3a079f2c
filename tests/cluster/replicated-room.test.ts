/**
 * A room as cluster mode shares it (cluster/replicated-room.ts), without Redis: two or three room
 * harnesses stand for nodes, joined by the in-memory relay, on one manual clock.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeAwarenessUpdate, REMOVED_STATE } from '../../lib/protocol/awareness';
import { DAY_MS } from '../../sync-server/history/retention';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { ManualScheduler } from '../helpers/manual-scheduler';
import { MemoryRelay } from '../helpers/memory-relay';
import { createRoomHarness, type ProtocolClient } from '../helpers/room-harness';

const history = { idleMs: 120_000, maxIntervalMs: 300_000, retention: { keepAllMs: DAY_MS, hourlyForMs: 30 * DAY_MS } };

function cluster(nodes: readonly string[]) {
  const scheduler = new ManualScheduler();
  const relay = new MemoryRelay();
  const built = nodes.map((name) => {
    const store = new MemoryDocumentStore();
    const replication = relay.node(name, scheduler);
    const harness = createRoomHarness(store, { scheduler, history, replication });
    return { name, store, harness, replicas: replication.replicas };
  });
  return { scheduler, relay, nodes: built };
}

function announce(client: ProtocolClient, name: string, clock = 1): void {
  client.sendAwareness(encodeAwarenessUpdate([{ clientId: client.doc.clientID, clock, state: JSON.stringify({ user: { name, color: '#d9480f' } }) }]));
}

const presenceOf = (clientId: number, clock: number, name: string) =>
  encodeAwarenessUpdate([{ clientId, clock, state: JSON.stringify({ user: { name } }) }]);

/** An update made elsewhere: `text` typed by a client of its own. */
function editElsewhere(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe('a replicated room', () => {
  it("relays its clients' edits to the other node's clients, stores them only where they were made, and credits their author there", async () => {
    const { scheduler, relay, nodes } = cluster(['a', 'b']);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const ada = a.harness.connect('doc');
    const bob = b.harness.connect('doc');
    ada.sync();
    bob.sync();
    announce(ada, 'Ada');
    await scheduler.settle();
    expect(bob.presences.get(ada.doc.clientID)).toContain('Ada');

    ada.type('hello');
    await scheduler.settle();
    expect(bob.text).toBe('hello');
    const storedA = await a.store.load('doc');
    const storedB = await b.store.load('doc');
    expect(storedA.log.length + (storedA.snapshot === null ? 0 : 1)).toBeGreaterThan(0);
    expect(storedB.log).toHaveLength(0);
    expect(storedB.snapshot).toBeNull();
    // What node a stored, it says it stored: b's replica then stops holding it for a.
    expect(relay.stored.get('a/doc')).toBeGreaterThan(0);
    expect(relay.stored.has('b/doc')).toBe(false);

    scheduler.advance(history.idleMs);
    await scheduler.settle();
    const { room, release } = await b.harness.registry.acquire('doc');
    const versions = await room.history!.list();
    expect(versions.map((version) => version.meta.authors)).toEqual([[{ name: 'Ada', color: '#d9480f' }]]);
    release();
  });

  it('credits an author named in many updates once, and counts an update without a name as an edit that credits no one', async () => {
    const { scheduler, nodes } = cluster(['b']);
    const [b] = nodes as [(typeof nodes)[0]];
    const bob = b.harness.connect('doc');
    bob.sync();
    await scheduler.settle();
    const replica = b.replicas.get('doc')!;
    const { room, release } = await b.harness.registry.acquire('doc');
    const ada = JSON.stringify({ name: 'Ada', color: '#d9480f' });
    replica.applyRemoteUpdate(editElsewhere('one'), ada);
    replica.applyRemoteUpdate(editElsewhere('two'), ada);
    await scheduler.settle();
    expect(bob.text).toHaveLength(6);
    await room.history!.checkpoint();
    expect((await room.history!.list()).at(-1)?.meta.authors).toEqual([{ name: 'Ada', color: '#d9480f' }]);

    replica.applyRemoteUpdate(editElsewhere('three'), null);
    replica.applyRemoteUpdate(editElsewhere('four'), '{not json');
    replica.applyRemoteUpdate(editElsewhere('five'), JSON.stringify({ name: '' }));
    await scheduler.settle();
    expect(await room.history!.checkpoint()).not.toBeNull();
    expect((await room.history!.list()).at(-1)?.meta.authors).toEqual([]);
    release();
  });

  it("expires another node's presence 30–40 s after that node stops renewing it, one node at a time", async () => {
    const { scheduler, nodes } = cluster(['b']);
    const [b] = nodes as [(typeof nodes)[0]];
    const bob = b.harness.connect('doc');
    bob.sync();
    await scheduler.settle();
    const replica = b.replicas.get('doc')!;
    replica.applyRemotePresence('node-a', presenceOf(71, 1, 'Ada'));
    replica.applyRemotePresence('node-c', presenceOf(73, 1, 'Cy'));
    await scheduler.settle();
    expect([...bob.presences.keys()].sort()).toEqual([71, 73]);

    // Node c's client renews every 15 s (y-protocols); node a has died and renews nothing.
    for (let clock = 2; clock <= 4; clock++) {
      scheduler.advance(15_000);
      replica.applyRemotePresence('node-c', presenceOf(73, clock, 'Cy'));
      await scheduler.settle();
    }
    expect(bob.presences.has(71)).toBe(false);
    expect(bob.presences.has(73)).toBe(true);

    // A withdrawal relayed from node c removes its client at once, and there is nothing left to expire.
    replica.applyRemotePresence('node-c', encodeAwarenessUpdate([{ clientId: 73, clock: 5, state: REMOVED_STATE }]));
    await scheduler.settle();
    expect(bob.presences.size).toBe(0);
    scheduler.advance(60_000);
    await scheduler.settle();
    expect(bob.presences.size).toBe(0);
  });

  it('records a version when its last local editor leaves only when no one is present on another node', async () => {
    const { scheduler, nodes } = cluster(['b']);
    const [b] = nodes as [(typeof nodes)[0]];
    const list = async () => {
      const { room, release } = await b.harness.registry.acquire('doc');
      release();
      return room.history!.list();
    };
    const bob = b.harness.connect('doc');
    bob.sync();
    announce(bob, 'Bob');
    await scheduler.settle();
    b.replicas.get('doc')!.applyRemotePresence('node-a', presenceOf(71, 1, 'Ada'));
    bob.type('with Ada around');
    await scheduler.settle();
    bob.close();
    await scheduler.settle();
    expect(await list()).toHaveLength(0); // Ada may still be at it: the pause decides

    const carol = b.harness.connect('doc');
    carol.sync();
    await scheduler.settle();
    scheduler.advance(40_000); // Ada's node stopped renewing: her presence is gone
    await scheduler.settle();
    expect(carol.presences.has(71)).toBe(false);
    expect(await list()).toHaveLength(0);
    carol.type('!');
    await scheduler.settle();
    carol.close();
    await scheduler.settle();
    expect(await list()).toHaveLength(1);
  });

  it('answers a save request only once what the client could have seen from other nodes is stored', async () => {
    const { scheduler, relay, nodes } = cluster(['b']);
    const [b] = nodes as [(typeof nodes)[0]];
    const bob = b.harness.connect('doc');
    bob.sync();
    await scheduler.settle();
    const release = relay.holdSettled();
    bob.type('x');
    bob.requestSave(1);
    await scheduler.settle();
    expect(bob.wasSaved(1)).toBe(false);
    release();
    await scheduler.settle();
    expect(bob.wasSaved(1)).toBe(true);
  });

  it("keeps its digest until the document changes, from this node's clients or another node's", async () => {
    const { scheduler, nodes } = cluster(['b']);
    const [b] = nodes as [(typeof nodes)[0]];
    const bob = b.harness.connect('doc');
    bob.sync();
    await scheduler.settle();
    const replica = b.replicas.get('doc')!;
    const first = replica.digest();
    expect(replica.digest()).toBe(first);
    bob.type('local');
    await scheduler.settle();
    const second = replica.digest();
    expect(second).not.toBe(first);
    expect(second.stateVector).not.toEqual(first.stateVector);
    replica.applyRemoteUpdate(editElsewhere('remote'), null);
    const third = replica.digest();
    expect(third.stateVector).not.toEqual(second.stateVector);
    expect(replica.diffFor(Y.encodeStateVector(new Y.Doc()))).not.toBeNull();
    expect(replica.diffFor(third.stateVector)).toBeNull();
  });

  it('ignores what the relay still delivers after its room unloaded', async () => {
    const { scheduler, nodes } = cluster(['b']);
    const [b] = nodes as [(typeof nodes)[0]];
    const bob = b.harness.connect('doc');
    bob.sync();
    await scheduler.settle();
    const replica = b.replicas.get('doc')!;
    bob.close();
    scheduler.advance(10_000); // past the unload grace
    await scheduler.settle();
    expect(b.harness.registry.loadedCount).toBe(0);
    expect(() => replica.applyRemoteUpdate(editElsewhere('late'), null)).not.toThrow();
    expect(() => replica.applyRemotePresence('node-a', presenceOf(71, 1, 'Ada'))).not.toThrow();
    expect(replica.diffFor(Y.encodeStateVector(new Y.Doc()))).toBeNull();
    scheduler.advance(60_000);
    await scheduler.settle();
  });
});
