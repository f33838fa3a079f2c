import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '../../lib/protocol/awareness';
import { CloseCode } from '../../lib/protocol/close-codes';
import { encodePing, encodeSyncStep2, type Message } from '../../lib/protocol/messages';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import type { ManualScheduler } from '../helpers/manual-scheduler';
import { createRoomHarness } from '../helpers/room-harness';
import { ControllableStore, gate } from '../helpers/store-wrappers';

/** Lets the harness do everything it can without time passing, then checks that `check` holds. */
async function settled(
  harness: { scheduler: ManualScheduler },
  check: () => unknown,
  { what = 'condition' }: { what?: string } = {},
): Promise<void> {
  await harness.scheduler.settle();
  expect(await check(), what).toBeTruthy();
}

async function storedText(store: MemoryDocumentStore, docName: string): Promise<string> {
  const stored = await store.load(docName);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.log) Y.applyUpdate(doc, update);
  return doc.getText('t').toString();
}

describe('room: sync between clients', () => {
  it('sends nothing before the stored state is loaded, then syncs it in the first step 2', async () => {
    const memory = new MemoryDocumentStore();
    const seed = new Y.Doc();
    seed.getText('t').insert(0, 'stored text');
    await memory.append([{ docName: 'doc', update: Y.encodeStateAsUpdate(seed) }]);
    const store = new ControllableStore(memory);
    const loadGate = gate();
    store.loadGate = loadGate.promise;
    const harness = createRoomHarness(store);

    const client = harness.connect('doc');
    client.sync();
    await harness.scheduler.settle();
    expect(client.received).toEqual([]);

    loadGate.open();
    await settled(harness, () => client.text === 'stored text', { what: 'content after load' });
    // The content arrived as the answer to the client's step 1, not as a later update.
    const firstDiff = client.received.find((m) => m.type === 'sync-step-2');
    expect(firstDiff).toBeDefined();
    expect(client.received.some((m) => m.type === 'sync-update')).toBe(false);
  });

  it('answers clients waiting for a load from the stored bytes, once, with only what each lacks', async () => {
    const memory = new MemoryDocumentStore();
    const seed = new Y.Doc();
    const seedUpdates: Uint8Array[] = [];
    seed.on('update', (update: Uint8Array) => seedUpdates.push(update));
    seed.getText('t').insert(0, 'stored ');
    seed.getText('t').insert(7, 'text');
    await memory.compact('doc', seedUpdates[0]!);
    await memory.append([{ docName: 'doc', update: seedUpdates[1]! }]);
    const store = new ControllableStore(memory);
    const loadGate = gate();
    store.loadGate = loadGate.promise;
    const harness = createRoomHarness(store);

    const fresh = harness.connect('doc');
    const partial = harness.connect('doc');
    Y.applyUpdate(partial.doc, seedUpdates[0]!);
    fresh.sync();
    partial.sync();
    loadGate.open();
    await settled(harness, () => fresh.text === 'stored text' && partial.text === 'stored text', { what: 'both synced' });
    const steps2 = (client: typeof fresh) => client.received.filter((m) => m.type === 'sync-step-2');
    expect(steps2(fresh)).toHaveLength(1);
    expect(steps2(partial)).toHaveLength(1);
    // Sent before the room existed: ahead of the room's own greeting (its step 1).
    expect(fresh.received[0]?.type).toBe('sync-step-2');
    const [toPartial] = steps2(partial);
    if (toPartial?.type !== 'sync-step-2') throw new Error('no step 2');
    expect(Y.decodeUpdate(toPartial.update).structs.every((struct) => struct.id.clock >= 7)).toBe(true);

    // The room took over: edits flow both ways.
    fresh.type('!');
    await settled(harness, () => partial.text === 'stored text!', { what: 'edit relayed' });
  });

  it('lets a big document wait, boundedly, for its clients to ask, and answers them from storage first', async () => {
    const memory = new MemoryDocumentStore();
    const seed = new Y.Doc();
    seed.getText('t').insert(0, 'x'.repeat(70_000));
    await memory.compact('big', Y.encodeStateAsUpdate(seed));
    const store = new ControllableStore(memory);
    const loadGate = gate();
    store.loadGate = loadGate.promise;
    const harness = createRoomHarness(store);

    const asker = harness.connect('big');
    const silent = harness.connect('big');
    loadGate.open();
    await harness.scheduler.settle();
    expect(asker.received).toEqual([]); // stored bytes read, decode waiting for the clients

    asker.sync(); // arrives after the read: still answered from storage, ahead of the room
    await harness.scheduler.settle();
    expect(asker.received.map((m) => m.type)).toEqual(['sync-step-2']);
    expect(asker.text).toHaveLength(70_000);
    expect(silent.received).toEqual([]);

    harness.scheduler.advance(100); // a client that never asks holds the decode 100 ms at most
    await settled(harness, () => silent.received.length > 0 && asker.received.length > 1, { what: 'room ready' });
    silent.sync();
    await settled(harness, () => silent.text.length === 70_000, { what: 'silent client synced by the room' });
  });

  it('shares one load between concurrent connections to a cold document', async () => {
    const store = new ControllableStore(new MemoryDocumentStore());
    const loadGate = gate();
    store.loadGate = loadGate.promise;
    const harness = createRoomHarness(store);
    const clients = Array.from({ length: 5 }, () => harness.connect('cold'));
    loadGate.open();
    await settled(harness, () => clients.every((c) => c.received.length > 0), { what: 'all joined' });
    expect(store.loadCalls).toBe(1);
  });

  it('relays an update to the others, never back to its sender, and stores it', async () => {
    const store = new MemoryDocumentStore();
    const harness = createRoomHarness(store);
    const alice = harness.connect('doc');
    const bob = harness.connect('doc');
    await settled(harness, () => alice.received.length > 0 && bob.received.length > 0);
    alice.sync();
    bob.sync();
    const aliceBefore = alice.received.length;
    alice.type('hello');
    harness.scheduler.endTurn(); // the relay leaves at the end of the turn that received the edit
    expect(bob.text).toBe('hello');
    expect(alice.received.slice(aliceBefore).some((m) => m.type === 'sync-update')).toBe(false);
    await settled(harness, async () => (await storedText(store, 'doc')) === 'hello', { what: 'stored' });
  });

  it('greets and answers joiners with the current document after every edit (nothing stale)', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const alice = harness.connect('doc');
    await settled(harness, () => alice.received.length > 0);
    alice.sync();
    const joinAndSync = async (expected: string) => {
      const client = harness.connect('doc');
      await settled(harness, () => client.received.length > 0);
      client.sync();
      await settled(harness, () => client.text === expected, { what: `a joiner to see ${JSON.stringify(expected)}` });
      const greeting = client.received.find((m) => m.type === 'sync-step-1');
      if (greeting?.type !== 'sync-step-1') throw new Error('no step 1');
      expect(greeting.stateVector).toEqual(Y.encodeStateVector(client.doc));
    };
    await joinAndSync('');
    await joinAndSync('');
    alice.type('a');
    await joinAndSync('a');
    await joinAndSync('a');
    alice.type('b');
    await joinAndSync('ab');
  });

  it('keeps documents isolated', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const a = harness.connect('a');
    const b = harness.connect('b');
    await settled(harness, () => a.received.length > 0 && b.received.length > 0);
    a.type('only in a');
    harness.scheduler.endTurn();
    expect(b.text).toBe('');
  });
});

describe('room: incremental updates relayed and stored as received', () => {
  /** Alice's edits as the update bytes her document emits, without sending them anywhere. */
  function editsOf(run: (text: Y.Text) => void, clientID: number): Uint8Array[] {
    const doc = new Y.Doc();
    doc.clientID = clientID;
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    run(doc.getText('t'));
    return updates;
  }

  async function twoClients(memory: MemoryDocumentStore) {
    const harness = createRoomHarness(memory);
    const alice = harness.connect('doc');
    const bob = harness.connect('doc');
    alice.sync();
    bob.sync();
    await settled(harness, () => alice.received.length > 0 && bob.received.length > 0);
    return { harness, alice, bob };
  }

  const updatesTo = (client: { received: Message[] }, from: number) =>
    client.received.slice(from).flatMap((m) => (m.type === 'sync-update' ? [m.update] : []));

  it('relays and stores the very bytes a client sent', async () => {
    const memory = new MemoryDocumentStore();
    const { harness, alice, bob } = await twoClients(memory);
    const [first, second] = editsOf((text) => {
      text.insert(0, 'hello');
      text.insert(5, ' world');
    }, 101);
    alice.sendUpdate(first!);
    // Half of this the server has: Yjs's own copy would hold only the other half.
    const both = Y.mergeUpdates([first!, second!]);
    const before = bob.received.length;
    alice.sendUpdate(both);
    harness.scheduler.endTurn();
    expect(updatesTo(bob, before)).toEqual([both]);
    expect(bob.text).toBe('hello world');
    await harness.scheduler.settle();
    const stored = await memory.load('doc');
    expect(stored.log.at(-1)).toEqual(both);
    expect(await storedText(memory, 'doc')).toBe('hello world');
  });

  it('neither relays nor stores an update the document already has', async () => {
    const memory = new MemoryDocumentStore();
    const { harness, alice, bob } = await twoClients(memory);
    const [update] = editsOf((text) => text.insert(0, 'once'), 102);
    alice.sendUpdate(update!);
    await harness.scheduler.settle();
    const logLength = (await memory.load('doc')).log.length;
    const before = bob.received.length;
    alice.sendUpdate(update!);
    await harness.scheduler.settle();
    expect(updatesTo(bob, before)).toEqual([]);
    expect((await memory.load('doc')).log.length).toBe(logLength);
  });

  it('keeps an update that arrives before the one it follows, and stores both once the gap is filled', async () => {
    const memory = new MemoryDocumentStore();
    const { harness, alice, bob } = await twoClients(memory);
    const [first, second, third] = editsOf((text) => {
      text.insert(0, 'a');
      text.insert(1, 'b');
      text.insert(2, 'c');
    }, 103);
    alice.sendUpdate(third!);
    alice.sendUpdate(second!);
    harness.scheduler.endTurn();
    expect(bob.text).toBe('');
    alice.sendUpdate(first!);
    harness.scheduler.endTurn();
    expect(bob.text).toBe('abc');
    await harness.scheduler.settle();
    expect(await storedText(memory, 'doc')).toBe('abc');
    // And a restart finds the same.
    const reloaded = createRoomHarness(memory);
    const carol = reloaded.connect('doc');
    carol.sync();
    await settled(reloaded, () => carol.text === 'abc', { what: 'the stored text after a reload' });
  });

  it('stores every update that waits for a missing one before it answers "saved", whichever way it came', async () => {
    // A client back after a crash of its server types on before its sync step 2 (its offline
    // edits) arrives: what it types waits for those edits, and "saved" must still mean stored.
    const memory = new MemoryDocumentStore();
    const { harness, alice } = await twoClients(memory);
    const [first, second, third, fourth] = editsOf((text) => {
      text.insert(0, 'a');
      text.insert(1, 'b');
      text.insert(2, 'c');
      text.insert(3, 'd');
    }, 105);
    alice.sendUpdate(second!);
    alice.sendUpdate(third!);
    alice.sendFrame(encodeSyncStep2(fourth!));
    alice.requestSave(1);
    await settled(harness, () => alice.wasSaved(1), { what: 'the save answered' });
    // What storage holds, with the missing first edit, is all of it.
    const stored = await memory.load('doc');
    const rebuilt = new Y.Doc();
    for (const update of stored.log) Y.applyUpdate(rebuilt, update);
    Y.applyUpdate(rebuilt, first!);
    expect(rebuilt.getText('t').toString()).toBe('abcd');
  });

  it('stores and relays what Yjs changes by itself after the apply (a redundant mark it cleans up)', async () => {
    const memory = new MemoryDocumentStore();
    const { harness, alice, bob } = await twoClients(memory);
    // Text in the body, as the editor keeps it: the server never instantiates the root type, but
    // the text inside it is a Y.XmlText wherever it is decoded.
    const paragraph = new Y.XmlText('hello');
    alice.doc.getXmlFragment('content').insert(0, [paragraph]);
    paragraph.format(0, 2, { italic: true });
    // An empty bold range at the start, as an editor may leave: Yjs deletes its marks again in a
    // transaction of its own once it has integrated them, here on the server.
    const editor = new Y.Doc();
    Y.applyUpdate(editor, Y.encodeStateAsUpdate(alice.doc));
    const updates: Uint8Array[] = [];
    editor.on('update', (update: Uint8Array) => updates.push(update));
    (editor.getXmlFragment('content').get(0) as Y.XmlText).applyDelta([{ retain: 0, attributes: { bold: true } }]);
    const server = (await harness.registry.acquire('doc')).room.doc;
    const serverUpdates: Uint8Array[] = [];
    server.on('update', (update: Uint8Array) => serverUpdates.push(update));
    alice.sendUpdate(Y.mergeUpdates(updates));
    expect(serverUpdates.length).toBeGreaterThan(1); // the cleanup happened: this is the case under test
    await harness.scheduler.settle();

    // What a restarted server holds: the log replayed in one transaction, as the registry loads it.
    const reloaded = createRoomHarness(memory);
    const fromStorage = (await reloaded.registry.acquire('doc')).room.doc;
    const history = (doc: Y.Doc) => Y.encodeSnapshot(Y.snapshot(doc));
    expect(history(fromStorage)).toEqual(history(server));
    expect(history(bob.doc)).toEqual(history(server));
  });

  it('stores a deletion a sync step 2 leaves waiting for the text it deletes, before saying saved', async () => {
    const memory = new MemoryDocumentStore();
    const { harness, alice } = await twoClients(memory);
    // Text the server does not have (its previous run crashed before storing it); Alice has it, and
    // deletes most of it while offline. Her answer to the server's step 1 carries that deletion.
    const [typed] = editsOf((text) => text.insert(0, 'from x'), 105);
    const offline = new Y.Doc();
    Y.applyUpdate(offline, typed!);
    const deletion: Uint8Array[] = [];
    offline.on('update', (update: Uint8Array) => deletion.push(update));
    offline.getText('t').delete(0, 5);
    alice.sendFrame(encodeSyncStep2(deletion[0]!));
    alice.requestSave(1);
    await settled(harness, () => alice.wasSaved(1), { what: 'saved' });

    // The server restarts from storage; then the text's author comes back with it.
    const reloaded = createRoomHarness(memory);
    const author = reloaded.connect('doc');
    author.sync();
    await reloaded.scheduler.settle();
    author.sendUpdate(typed!);
    await settled(reloaded, () => author.received.some((m) => m.type === 'sync-step-2'));
    const { room } = await reloaded.registry.acquire('doc');
    expect(room.doc.getText('t').toString()).toBe('x');
  });

  it('relays a deletion left waiting to the one whose text it deletes, who sends that text later', async () => {
    const memory = new MemoryDocumentStore();
    const { harness, alice, bob } = await twoClients(memory);
    // Bob typed offline and has not sent it yet; Alice got his text earlier (through a server that
    // crashed before storing it) and deletes most of it. Her step 2 waits for Bob's text here.
    const [typed] = editsOf((text) => text.insert(0, 'from x'), 106);
    Y.applyUpdate(bob.doc, typed!, bob); // as the client's own copy, not sent
    const offline = new Y.Doc();
    Y.applyUpdate(offline, typed!);
    const deletion: Uint8Array[] = [];
    offline.on('update', (update: Uint8Array) => deletion.push(update));
    offline.getText('t').delete(0, 5);
    alice.sendFrame(encodeSyncStep2(deletion[0]!));
    await harness.scheduler.settle();
    bob.sendFrame(encodeSyncStep2(typed!)); // Bob's answer to the server's step 1 brings his text
    await harness.scheduler.settle();
    const { room } = await harness.registry.acquire('doc');
    expect(room.doc.getText('t').toString()).toBe('x');
    expect(bob.text).toBe('x');
  });

  it('stores the structs a sync step 2 left waiting once an update lets them in', async () => {
    const memory = new MemoryDocumentStore();
    const { harness, alice, bob } = await twoClients(memory);
    const [first, second] = editsOf((text) => {
      text.insert(0, 'x');
      text.insert(1, 'y');
    }, 104);
    alice.sendFrame(encodeSyncStep2(second!));
    alice.sendUpdate(first!);
    harness.scheduler.endTurn();
    expect(bob.text).toBe('xy');
    await harness.scheduler.settle();
    expect(await storedText(memory, 'doc')).toBe('xy');
  });
});

describe('room: one relay per turn', () => {
  const presence = (clientId: number, clock: number, name: string) =>
    encodeAwarenessUpdate([{ clientId, clock, state: JSON.stringify({ user: { name } }) }]);

  async function threeSyncedClients() {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const clients = [harness.connect('doc'), harness.connect('doc'), harness.connect('doc')] as const;
    await settled(harness, () => clients.every((c) => c.received.length > 0));
    for (const client of clients) client.sync();
    harness.scheduler.holdTurns = true;
    const marks = clients.map((c) => c.received.length);
    const since = (index: number, type: string) => clients[index]!.received.slice(marks[index]).filter((m) => m.type === type);
    return { harness, clients, since };
  }

  it('merges the updates of a turn into one frame per client, without the client’s own', async () => {
    const { harness, clients, since } = await threeSyncedClients();
    const [alice, bob, carol] = clients;
    alice.type('a');
    bob.type('b');
    alice.type('c');
    expect(since(2, 'sync-update')).toHaveLength(0); // nothing leaves before the turn ends

    harness.scheduler.endTurn();
    expect(since(2, 'sync-update')).toHaveLength(1);
    expect(carol.text).toBe(alice.text);
    expect(bob.text).toBe(alice.text);
    expect(carol.text.split('').sort().join('')).toBe('abc');
    // Alice is sent Bob's edit alone, Bob only Alice's two.
    const authors = (index: number) => {
      const [message] = since(index, 'sync-update');
      if (message?.type !== 'sync-update') throw new Error('no update');
      return new Set(Y.decodeUpdate(message.update).structs.map((struct) => struct.id.client));
    };
    expect(authors(0)).toEqual(new Set([bob.doc.clientID]));
    expect(authors(1)).toEqual(new Set([alice.doc.clientID]));
    expect(authors(2)).toEqual(new Set([alice.doc.clientID, bob.doc.clientID]));
  });

  it('past four senders in a turn, sends everyone the one full merge (a sender’s own edit is a no-op to it)', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const clients = Array.from({ length: 6 }, () => harness.connect('doc'));
    await settled(harness, () => clients.every((c) => c.received.length > 0));
    for (const client of clients) client.sync();
    harness.scheduler.holdTurns = true;
    const marks = clients.map((c) => c.received.length);
    clients.forEach((client, i) => client.type(String(i)));
    harness.scheduler.endTurn();

    const everyone = new Set(clients.map((c) => c.doc.clientID));
    clients.forEach((client, i) => {
      const updates = client.received.slice(marks[i]).filter((m) => m.type === 'sync-update');
      expect(updates).toHaveLength(1);
      const [message] = updates;
      if (message?.type !== 'sync-update') throw new Error('no update');
      expect(new Set(Y.decodeUpdate(message.update).structs.map((struct) => struct.id.client))).toEqual(everyone);
    });
    const texts = new Set(clients.map((c) => c.text));
    expect(texts.size).toBe(1);
    expect([...texts][0]!.split('').sort().join('')).toBe('012345');
  });

  it('merges the presence changes of a turn into one awareness frame, keeping each client’s latest', async () => {
    const { harness, clients, since } = await threeSyncedClients();
    const [alice, bob, carol] = clients;
    alice.sendAwareness(presence(11, 1, 'Alice'));
    bob.sendAwareness(presence(22, 1, 'Bob'));
    alice.sendAwareness(presence(11, 2, 'Alice moved'));
    expect(since(2, 'awareness')).toHaveLength(0);

    harness.scheduler.endTurn();
    expect(since(2, 'awareness')).toHaveLength(1);
    expect(carol.presences.get(11)).toContain('Alice moved');
    expect(carol.presences.get(22)).toContain('Bob');
    expect(alice.presences.has(11)).toBe(false);
    expect(alice.presences.get(22)).toContain('Bob');
    expect(bob.presences.get(11)).toContain('Alice moved');
    expect(bob.presences.has(22)).toBe(false);
  });
});

describe('room: presence relay window', () => {
  it('gathers presence changes for PRESENCE_RELAY_MS, while document updates leave at once', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore(), { presenceRelayMs: 16 });
    const alice = harness.connect('doc');
    const bob = harness.connect('doc');
    await settled(harness, () => alice.received.length > 0 && bob.received.length > 0);
    const awarenessFrames = () => bob.received.filter((m) => m.type === 'awareness').length;
    const before = awarenessFrames();
    alice.sendAwareness(encodeAwarenessUpdate([{ clientId: 11, clock: 1, state: '{"cursor":1}' }]));
    alice.sendAwareness(encodeAwarenessUpdate([{ clientId: 11, clock: 2, state: '{"cursor":2}' }]));
    harness.scheduler.endTurn();
    expect(awarenessFrames()).toBe(before);

    harness.scheduler.advance(15);
    expect(awarenessFrames()).toBe(before);
    harness.scheduler.advance(1);
    expect(awarenessFrames()).toBe(before + 1);
    expect(bob.presences.get(11)).toBe('{"cursor":2}');
  });

  it('sends waiting presence along with the next edit of the document, after it, in the same turn', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore(), { presenceRelayMs: 16 });
    const alice = harness.connect('doc');
    const bob = harness.connect('doc');
    await settled(harness, () => alice.received.length > 0 && bob.received.length > 0);
    const bobBefore = bob.received.length;
    alice.sendAwareness(encodeAwarenessUpdate([{ clientId: 11, clock: 1, state: '{"cursor":1}' }]));
    harness.scheduler.advance(5);
    expect(bob.received.length).toBe(bobBefore);

    alice.type('x');
    harness.scheduler.endTurn();
    // The edit first, so that the caret arrives once the text it points into is there.
    expect(bob.received.slice(bobBefore).map((m) => m.type)).toEqual(['sync-update', 'awareness']);
    expect(bob.text).toBe('x');
    expect(bob.presences.get(11)).toBe('{"cursor":1}');

    // Sent once: the tick that would have carried it finds nothing left for this document.
    const bobAfter = bob.received.length;
    harness.scheduler.advance(11);
    expect(bob.received.length).toBe(bobAfter);
  });

  it('keeps another document\'s presence for the tick when one document\'s edit leaves', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore(), { presenceRelayMs: 16 });
    const alice = harness.connect('doc');
    const bob = harness.connect('doc');
    const carol = harness.connect('other');
    const dave = harness.connect('other');
    await settled(harness, () => [alice, bob, carol, dave].every((client) => client.received.length > 0));
    const daveBefore = dave.received.length;
    carol.sendAwareness(encodeAwarenessUpdate([{ clientId: 33, clock: 1, state: '{"cursor":3}' }]));
    alice.type('x');
    harness.scheduler.endTurn();
    expect(bob.text).toBe('x');
    expect(dave.received.length).toBe(daveBefore);
    harness.scheduler.advance(16);
    expect(dave.received.slice(daveBefore).map((m) => m.type)).toEqual(['awareness']);
    expect(dave.presences.get(33)).toBe('{"cursor":3}');
  });
});

describe('connection: liveness independent of storage', () => {
  it('answers a ping at once while the document is still loading', async () => {
    const store = new ControllableStore(new MemoryDocumentStore());
    const loadGate = gate();
    store.loadGate = loadGate.promise;
    const harness = createRoomHarness(store);
    const client = harness.connect('doc');
    client.sync();
    client.sendFrame(encodePing(7));
    expect(client.received).toEqual([{ type: 'pong', id: 7 }]);
    loadGate.open();
    await settled(harness, () => client.received.some((m) => m.type === 'sync-step-2'));
  });

  it('answers pings at once while storage fails, while save requests wait; says why, and when it is over', async () => {
    const memory = new MemoryDocumentStore();
    const store = new ControllableStore(memory);
    const harness = createRoomHarness(store);
    const editor = harness.connect('doc');
    const stock = harness.connect('doc'); // never speaks the extension
    editor.sync();
    stock.sync();
    editor.sendFrame(encodePing(1));
    await settled(harness, () => editor.received.some((m) => m.type === 'pong'));

    store.failWrites = true;
    editor.type('kept while the disk is full');
    editor.requestSave(1);
    await settled(harness, () => store.appendCalls > 0, { what: 'a failed write' });
    expect(editor.received.filter((m) => m.type === 'storage-state')).toEqual([{ type: 'storage-state', ok: false }]);
    const before = editor.received.length;
    editor.sendFrame(encodePing(2));
    expect(editor.received.slice(before)).toEqual([{ type: 'pong', id: 2 }]);
    expect(editor.wasSaved(1)).toBe(false);

    // Someone who opens the document during the outage is told as soon as they speak the extension.
    const late = harness.connect('doc');
    late.sync();
    await harness.scheduler.settle();
    late.sendFrame(encodePing(1));
    expect(late.received.filter((m) => m.type === 'storage-state' || m.type === 'pong')).toEqual([
      { type: 'storage-state', ok: false },
      { type: 'pong', id: 1 },
    ]);

    store.failWrites = false;
    harness.scheduler.advance(2000); // the retry timer
    await settled(harness, () => editor.wasSaved(1), { what: 'saved after recovery' });
    expect(editor.received.filter((m) => m.type === 'storage-state')).toEqual([
      { type: 'storage-state', ok: false },
      { type: 'storage-state', ok: true },
    ]);
    expect(stock.received.some((m) => m.type === 'storage-state' || m.type === 'pong')).toBe(false);
    expect(stock.text).toBe('kept while the disk is full');
    expect(await storedText(memory, 'doc')).toBe('kept while the disk is full');
  });
});

describe('room: save acknowledgements', () => {
  it('holds one wait per connection however many save requests arrive while storage fails, and answers the newest', async () => {
    const memory = new MemoryDocumentStore();
    const store = new ControllableStore(memory);
    const harness = createRoomHarness(store);
    const client = harness.connect('doc');
    client.sync();
    await harness.scheduler.settle();
    store.failWrites = true;
    for (let id = 1; id <= 500; id++) {
      client.type('x');
      client.requestSave(id);
    }
    await harness.scheduler.settle();
    store.failWrites = false;
    harness.scheduler.advance(2000); // the retry timer
    await settled(harness, () => client.wasSaved(500), { what: 'the newest request answered' });
    const answered = client.received.filter((m) => m.type === 'saved');
    expect(answered).toEqual([{ type: 'saved', requestId: 500 }]);
    expect(await storedText(memory, 'doc')).toBe('x'.repeat(500));
  });

  it('answers a save request only once the updates before it are on disk', async () => {
    const memory = new MemoryDocumentStore();
    const store = new ControllableStore(memory);
    const harness = createRoomHarness(store);
    const client = harness.connect('doc');
    await settled(harness, () => client.received.length > 0);
    store.failWrites = true;
    client.type('precious');
    client.requestSave(1);
    await settled(harness, () => store.appendCalls > 0, { what: 'a failed write' });
    expect(client.wasSaved(1)).toBe(false);
    expect(harness.persistence.health().ok).toBe(false);
    expect(await storedText(memory, 'doc')).toBe('');

    store.failWrites = false;
    harness.scheduler.advance(2000); // the retry timer
    await settled(harness, () => client.wasSaved(1), { what: 'saved after recovery' });
    expect(await storedText(memory, 'doc')).toBe('precious');
    expect(harness.persistence.health().ok).toBe(true);
  });
});

describe('room: awareness', () => {
  const presence = (clientId: number, clock: number, name: string | null) =>
    encodeAwarenessUpdate([{ clientId, clock, state: name === null ? 'null' : JSON.stringify({ user: { name } }) }]);

  it('relays presence, sends it to late joiners, and removes it when the owner leaves', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const alice = harness.connect('doc');
    const bob = harness.connect('doc');
    await settled(harness, () => alice.received.length > 0 && bob.received.length > 0);
    alice.sendAwareness(presence(11, 1, 'Alice'));
    harness.scheduler.endTurn();
    expect(bob.presences.get(11)).toContain('Alice');

    const carol = harness.connect('doc');
    await settled(harness, () => carol.presences.has(11), { what: 'late joiner sees Alice' });

    alice.close();
    harness.scheduler.endTurn();
    expect(bob.presences.has(11)).toBe(false);
    expect(carol.presences.has(11)).toBe(false);
  });

  it('lets no connection change or remove a presence another connection owns', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const alice = harness.connect('doc');
    const mallory = harness.connect('doc');
    const bob = harness.connect('doc');
    await settled(harness, () => [alice, mallory, bob].every((c) => c.received.length > 0));
    alice.sendAwareness(presence(11, 1, 'Alice'));
    mallory.sendAwareness(presence(11, 5, 'Mallory'));
    mallory.sendAwareness(presence(11, 6, null));
    harness.scheduler.endTurn();
    expect(bob.presences.get(11)).toContain('Alice');
    expect(mallory.socket.isGone).toBe(false);
  });

  it('caps the presence ids one connection may introduce: past it, 1008 and nothing of that frame applied', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore(), { limits: { maxPresenceIdsPerConnection: 3 } });
    const alice = harness.connect('doc');
    const flooder = harness.connect('doc');
    const bob = harness.connect('doc');
    await settled(harness, () => [alice, flooder, bob].every((c) => c.received.length > 0));
    alice.sendAwareness(presence(1, 1, 'Alice'));
    // Echoes of someone else's presence, and updates to one's own ids, claim nothing new.
    flooder.sendAwareness(encodeAwarenessUpdate([{ clientId: 1, clock: 1, state: '{"user":"Alice"}' }]));
    for (let clock = 1; clock <= 5; clock++) flooder.sendAwareness(presence(20, clock, 'F'));
    flooder.sendAwareness(presence(21, 1, 'F'));
    flooder.sendAwareness(presence(22, 1, 'F'));
    expect(flooder.socket.isGone).toBe(false);
    const many = Array.from({ length: 2 }, (_, i) => ({ clientId: 30 + i, clock: 1, state: '{"user":"F"}' }));
    flooder.sendAwareness(encodeAwarenessUpdate(many));
    expect(flooder.socket.closed?.code).toBe(CloseCode.PolicyViolation);
    expect(flooder.socket.closed?.reason).toMatch(/too many presence client ids/);
    await harness.scheduler.settle();
    expect(bob.presences.has(30)).toBe(false);
    expect(bob.presences.has(31)).toBe(false);
    expect(bob.presences.get(1)).toContain('Alice');
    alice.type('still editing');
    harness.scheduler.endTurn();
    expect(bob.text).toBe('still editing');
  });

  it('marks a client gone above the clock its new connection used while the old one held its id', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const old = harness.connect('doc');
    const bob = harness.connect('doc');
    await settled(harness, () => old.received.length > 0 && bob.received.length > 0);
    old.sendAwareness(presence(11, 3, 'Alice'));
    // Alice's browser lost the old socket without the server noticing, reconnected and moved her caret.
    const again = harness.connect('doc');
    await settled(harness, () => again.received.length > 0);
    again.sendAwareness(presence(11, 4, 'Alice'));
    again.sendAwareness(presence(11, 5, 'Alice moved'));
    harness.scheduler.endTurn();
    expect(bob.presences.get(11)).not.toContain('moved'); // the old connection still holds the id
    old.sendAwareness(presence(11, 4, 'Alice')); // a frame the old connection had still in flight

    old.close(); // its ping timeout
    harness.scheduler.endTurn();
    const removals = again.received.flatMap((m) => (m.type === 'awareness' ? decodeAwarenessUpdate(m.update, Infinity) : []));
    const removal = removals.find((entry) => entry.clientId === 11 && entry.state === 'null');
    // A y-protocols client ignores a removal of itself at or below its own clock (5): it would never announce again.
    expect(removal?.clock).toBeGreaterThan(5);
    again.sendAwareness(presence(11, removal!.clock + 1, 'Alice moved'));
    harness.scheduler.endTurn();
    expect(bob.presences.get(11)).toContain('moved');
  });

  it('tells a reconnecting client it was marked gone, so it can announce itself again', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const first = harness.connect('doc');
    const bob = harness.connect('doc');
    await settled(harness, () => first.received.length > 0 && bob.received.length > 0);
    first.sendAwareness(presence(11, 3, 'Alice'));
    first.close(); // server records the removal at clock 4
    const again = harness.connect('doc');
    await settled(harness, () => again.received.length > 0);
    again.sendAwareness(presence(11, 3, 'Alice')); // stale: same clock as before
    harness.scheduler.endTurn();
    expect(again.presences.get(11)).toBeUndefined();
    const correction = again.received.filter((m) => m.type === 'awareness');
    expect(correction.length).toBeGreaterThan(0);
    again.sendAwareness(presence(11, 5, 'Alice'));
    harness.scheduler.endTurn();
    expect(bob.presences.get(11)).toContain('Alice');
  });
});

describe('room: hostile input', () => {
  const cases: Array<{ name: string; frame: Uint8Array; isBinary?: boolean; code: number }> = [
    { name: 'text frame', frame: new TextEncoder().encode('hello'), isBinary: false, code: CloseCode.UnsupportedData },
    { name: 'unknown message type', frame: Uint8Array.of(42), code: CloseCode.ProtocolError },
    { name: 'unknown sync step', frame: Uint8Array.of(0, 9, 0), code: CloseCode.ProtocolError },
    { name: 'bad varint', frame: Uint8Array.of(0xff, 0xff), code: CloseCode.ProtocolError },
    { name: 'truncated payload', frame: Uint8Array.of(0, 2, 50, 1, 2, 3), code: CloseCode.ProtocolError },
    { name: 'garbage update', frame: Uint8Array.of(0, 2, 5, 9, 9, 9, 9, 9), code: CloseCode.InvalidPayload },
    { name: 'garbage state vector', frame: Uint8Array.of(0, 0, 2, 5, 1), code: CloseCode.InvalidPayload },
    { name: 'awareness with bad JSON', frame: Uint8Array.of(1, 6, 1, 1, 1, 2, 0x7b, 0x7b), code: CloseCode.InvalidPayload },
    { name: 'server-only message', frame: Uint8Array.of(100, 1, 1), code: CloseCode.ProtocolError },
  ];

  for (const testCase of cases) {
    it(`${testCase.name}: closes that connection with ${testCase.code}; the document and others carry on`, async () => {
      const harness = createRoomHarness(new MemoryDocumentStore());
      const victim = harness.connect('doc');
      const other = harness.connect('doc');
      await settled(harness, () => victim.received.length > 0 && other.received.length > 0);
      victim.type('before ');
      harness.scheduler.endTurn();
      expect(other.text).toBe('before ');

      victim.sendFrame(testCase.frame, testCase.isBinary ?? true);
      expect(victim.socket.closed?.code).toBe(testCase.code);
      expect(victim.socket.closed?.reason.length).toBeGreaterThan(0);

      other.type('after');
      const reader = harness.connect('doc');
      reader.sync();
      await settled(harness, () => reader.text === 'before after', { what: 'document intact' });
      expect(other.socket.isGone).toBe(false);
    });
  }

  it('closes a connection that exceeds its message rate with 1008', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore(), { limits: { messagesPerSecond: 10, messageBurst: 20 } });
    const client = harness.connect('doc');
    await settled(harness, () => client.received.length > 0);
    for (let i = 0; i < 25 && !client.socket.isGone; i++) client.sendFrame(Uint8Array.of(3));
    expect(client.socket.closed?.code).toBe(CloseCode.PolicyViolation);
  });

  it('refuses a read-only connection’s edits, telling it once', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const writer = harness.connect('doc', 'write');
    const viewer = harness.connect('doc', 'read');
    await settled(harness, () => writer.received.length > 0 && viewer.received.length > 0);
    viewer.type('x');
    viewer.type('y');
    harness.scheduler.endTurn();
    expect(writer.text).toBe('');
    expect(viewer.received.filter((m) => m.type === 'permission-denied')).toHaveLength(1);
    writer.type('from writer');
    harness.scheduler.endTurn();
    expect(writer.text).toBe('from writer');
    // The viewer still follows live edits (its own refused ones stay local to it).
    expect(viewer.text).toContain('from writer');
  });

  it('terminates a client that stops reading', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const writer = harness.connect('doc');
    const stalled = harness.connect('doc');
    await settled(harness, () => writer.received.length > 0 && stalled.received.length > 0);
    stalled.socket.bufferedAmount = 10 * 1024 * 1024;
    writer.type('x');
    harness.scheduler.endTurn(); // the relay finds the socket's buffer full and starts the slow-client timer
    expect(stalled.socket.terminated).toBe(false);
    harness.scheduler.advance(1500);
    expect(stalled.socket.terminated).toBe(true);
    expect(writer.socket.isGone).toBe(false);
  });
});

describe('room registry: unloading', () => {
  it('unloads an idle document after the grace period, compacted, and reloads it intact', async () => {
    const memory = new MemoryDocumentStore();
    const store = new ControllableStore(memory);
    const harness = createRoomHarness(store, { unloadGraceMs: 5000 });
    const client = harness.connect('doc');
    await settled(harness, () => client.received.length > 0);
    for (const word of ['one ', 'two ', 'three']) client.type(word);
    client.close();
    expect(harness.registry.loadedCount).toBe(1);
    harness.scheduler.advance(4000);
    expect(harness.registry.loadedCount).toBe(1);
    harness.scheduler.advance(1500);
    await settled(harness, () => harness.registry.loadedCount === 0, { what: 'unloaded' });
    const stored = await memory.load('doc');
    expect(stored.log).toHaveLength(0);
    expect(stored.snapshot).not.toBeNull();

    const reader = harness.connect('doc');
    reader.sync();
    await settled(harness, () => reader.text === 'one two three', { what: 'reloaded content' });
  });

  it('keeps a room with unwritten updates in memory while storage fails', async () => {
    const memory = new MemoryDocumentStore();
    const store = new ControllableStore(memory);
    const harness = createRoomHarness(store, { unloadGraceMs: 100 });
    const client = harness.connect('doc');
    await settled(harness, () => client.received.length > 0);
    store.failWrites = true;
    client.type('not yet on disk');
    client.close();
    harness.scheduler.advance(200);
    await harness.scheduler.settle();
    expect(harness.registry.loadedCount).toBe(1);
    store.failWrites = false;
    for (let i = 0; i < 20 && harness.registry.loadedCount > 0; i++) {
      harness.scheduler.advance(1000);
      await harness.scheduler.settle();
    }
    await settled(harness, () => harness.registry.loadedCount === 0, { what: 'unloaded after recovery' });
    expect(await storedText(memory, 'doc')).toBe('not yet on disk');
  });

  it('compacts the log once it passes the threshold', async () => {
    const memory = new MemoryDocumentStore();
    const harness = createRoomHarness(memory, { compactAfterUpdates: 10 });
    const client = harness.connect('doc');
    await settled(harness, () => client.received.length > 0);
    for (let i = 0; i < 25; i++) {
      client.type(String(i % 10));
      await harness.scheduler.settle();
    }
    await settled(harness, async () => (await memory.load('doc')).snapshot !== null, { what: 'a snapshot' });
    const stored = await memory.load('doc');
    expect(stored.log.length).toBeLessThan(10);
    expect(await storedText(memory, 'doc')).toBe(client.text);
  });
});
