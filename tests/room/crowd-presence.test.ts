import { describe, expect, it } from 'vitest';
import { decodeAwarenessUpdate, encodeAwarenessUpdate, type AwarenessEntry } from '../../lib/protocol/awareness';
import { encodePing } from '../../lib/protocol/messages';
import { ACTIVE_MS, SETTLING_MS } from '../../sync-server/room/presence-audience';
import { CROWD_COUNT_MS } from '../../sync-server/room/crowd-count';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { createRoomHarness, type ProtocolClient } from '../helpers/room-harness';

/** A crowd here is more than three people. */
const CROWD_SIZE = 3;

const state = (name: string, caret = 0) => JSON.stringify({ user: { name }, cursor: { anchor: caret } });
const presence = (clientId: number, clock: number, json: string | null) =>
  encodeAwarenessUpdate([{ clientId, clock, state: json ?? 'null' }]);

/** Every presence entry the client was sent after `from` (an index into its received messages). */
function entriesSince(client: ProtocolClient, from: number): AwarenessEntry[] {
  return client.received.slice(from).flatMap((m) => (m.type === 'awareness' ? decodeAwarenessUpdate(m.update, Infinity) : []));
}

/** Five people (client ids 1–5) on one document, each announced in turn: the fourth and fifth into a crowd. */
async function crowdOfFive() {
  const harness = createRoomHarness(new MemoryDocumentStore(), { presenceCrowdSize: CROWD_SIZE });
  const people = Array.from({ length: 5 }, () => harness.connect('doc'));
  await harness.scheduler.settle();
  people.forEach((person, index) => {
    person.sendAwareness(presence(index + 1, 1, state(`p${index + 1}`)));
    harness.scheduler.endTurn();
  });
  return { harness, people, scheduler: harness.scheduler };
}

describe('room: presence in a crowd', () => {
  it('relays nobody the presence of someone who appears in a crowd and only reads, renewals included', async () => {
    const { people, scheduler } = await crowdOfFive();
    const [first, , , , fifth] = people;
    // The first three came before the crowd: everyone has them. The fifth came into it.
    expect([...first!.presences.keys()].sort()).toEqual([2, 3]);
    expect(first!.presences.has(5)).toBe(false);
    const before = first!.received.length;
    fifth!.sendAwareness(presence(5, 2, state('p5'))); // the 15 s renewal
    scheduler.advance(SETTLING_MS);
    fifth!.sendAwareness(presence(5, 3, state('p5'))); // and the next
    scheduler.endTurn();
    expect(entriesSince(first!, before)).toEqual([]);
  });

  it('relays the presence of whoever edits or moves, from the first keystroke, renewals included', async () => {
    const { people, scheduler } = await crowdOfFive();
    const [first, , , fourth, fifth] = people;
    fifth!.type('hello'); // came in unseen, now edits: everyone learns who it is
    scheduler.endTurn();
    expect(first!.text).toBe('hello');
    expect(first!.presences.get(5)).toBe(state('p5'));
    fifth!.sendAwareness(presence(5, 2, state('p5', 5))); // its caret after the edit
    scheduler.endTurn();
    expect(first!.presences.get(5)).toBe(state('p5', 5));

    scheduler.advance(SETTLING_MS);
    fourth!.sendAwareness(presence(4, 2, state('p4', 3))); // a reader moves its caret
    scheduler.endTurn();
    expect(first!.presences.get(4)).toBe(state('p4', 3));
    const before = first!.received.length;
    fourth!.sendAwareness(presence(4, 3, state('p4', 3))); // its renewal while active
    scheduler.endTurn();
    expect(entriesSince(first!, before).map((entry) => [entry.clientId, entry.clock])).toEqual([[4, 3]]);
  });

  it('stops relaying the renewals of someone idle for ACTIVE_MS, or sending them to joiners, and relays them again at the next move', async () => {
    const { harness, people, scheduler } = await crowdOfFive();
    const [first, , , , fifth] = people;
    fifth!.type('x');
    scheduler.endTurn();
    const early = harness.connect('doc');
    await scheduler.settle();
    expect([...early.presences.keys()]).toEqual([5]);
    scheduler.advance(ACTIVE_MS);
    const late = harness.connect('doc');
    await scheduler.settle();
    expect([...late.presences.keys()]).toEqual([]);
    const before = first!.received.length;
    fifth!.sendAwareness(presence(5, 2, state('p5')));
    scheduler.endTurn();
    expect(entriesSince(first!, before)).toEqual([]); // a stock client drops it 30 s later
    fifth!.sendAwareness(presence(5, 3, state('p5', 1)));
    scheduler.endTurn();
    expect(first!.presences.get(5)).toBe(state('p5', 1));
  });

  it('sends a joiner only the active people, and the others what it does once it edits', async () => {
    const { harness, people, scheduler } = await crowdOfFive();
    scheduler.advance(ACTIVE_MS); // everyone idle
    const [first, second] = people;
    second!.type('typing');
    scheduler.endTurn();
    const joiner = harness.connect('doc');
    await scheduler.settle();
    expect([...joiner.presences.keys()]).toEqual([2]);
    joiner.sendAwareness(presence(6, 1, state('p6')));
    scheduler.endTurn();
    expect(first!.presences.has(6)).toBe(false);
    joiner.type('!');
    scheduler.endTurn();
    expect(first!.presences.get(6)).toBe(state('p6'));
  });

  it('relays a departure to everyone who may hold the presence, and that of someone never shown to nobody', async () => {
    const { people, scheduler } = await crowdOfFive();
    const [first, second, , , fifth] = people;
    let before = first!.received.length;
    fifth!.close(); // came into the crowd, never shown
    scheduler.endTurn();
    expect(entriesSince(first!, before)).toEqual([]);
    before = first!.received.length;
    second!.close(); // shown before the crowd; the room is not a crowd any more, so the fourth is shown too
    scheduler.endTurn();
    const relayed = entriesSince(first!, before);
    expect(relayed.filter((entry) => entry.state === 'null').map((entry) => entry.clientId)).toEqual([2]);
    expect(relayed.some((entry) => entry.clientId === 5)).toBe(false);
    expect(first!.presences.has(2)).toBe(false);
  });

  it('relays everyone nobody was sent as soon as the room is not crowded, and every renewal from then on', async () => {
    const { people, scheduler } = await crowdOfFive();
    const [first, second, third, , fifth] = people;
    second!.close(); // four left: still a crowd (more than three)
    scheduler.endTurn();
    fifth!.sendAwareness(presence(5, 2, state('p5')));
    scheduler.endTurn();
    expect(first!.presences.has(5)).toBe(false);
    third!.close(); // three: not a crowd
    scheduler.endTurn();
    expect(first!.presences.get(5)).toBe(state('p5'));
    expect(first!.presences.get(4)).toBe(state('p4'));
    fifth!.sendAwareness(presence(5, 3, state('p5')));
    scheduler.endTurn();
    expect(first!.received.at(-1)?.type).toBe('awareness');
  });

  it("tells Tandem's clients how many people are present, stock clients never, and 0 once it is not a crowd", async () => {
    const { people, scheduler } = await crowdOfFive();
    const [tandem, stock] = people;
    tandem!.sendFrame(encodePing(1)); // speaks the extension
    scheduler.advance(CROWD_COUNT_MS);
    const counts = (client: ProtocolClient) => client.received.flatMap((m) => (m.type === 'crowd' ? [m.present] : []));
    expect(counts(tandem!)).toEqual([5]);
    scheduler.advance(CROWD_COUNT_MS * 3);
    expect(counts(tandem!)).toEqual([5]); // told again only when it changes
    people[4]!.close();
    scheduler.advance(CROWD_COUNT_MS);
    expect(counts(tandem!)).toEqual([5, 4]);
    people[3]!.close();
    scheduler.advance(CROWD_COUNT_MS);
    expect(counts(tandem!)).toEqual([5, 4, 0]);
    expect(counts(stock!)).toEqual([]);
  });
});
