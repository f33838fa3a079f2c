import { describe, expect, it } from 'vitest';
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '../../lib/protocol/awareness';
import { RENEWAL_RELAY_MS } from '../../sync-server/room/room-broadcast';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { createRoomHarness, type ProtocolClient } from '../helpers/room-harness';

const presence = (clientId: number, clock: number, state: string) => encodeAwarenessUpdate([{ clientId, clock, state }]);

/** Alice (id 11) and Carol (id 33) announced to Bob, on the server's 16 ms presence tick. */
async function threePeople() {
  const harness = createRoomHarness(new MemoryDocumentStore(), { presenceRelayMs: 16 });
  const [alice, bob, carol] = [harness.connect('doc'), harness.connect('doc'), harness.connect('doc')];
  await harness.scheduler.settle();
  alice.sendAwareness(presence(11, 1, '{"user":"Alice"}'));
  carol.sendAwareness(presence(33, 1, '{"user":"Carol"}'));
  harness.scheduler.advance(16);
  expect(bob.presences.size).toBe(2);
  return { harness, alice, bob, carol, scheduler: harness.scheduler };
}

/** The presence clocks the client was sent after `from`, as "id@clock". */
function clocksSince(client: ProtocolClient, from: number): string[] {
  return client.received
    .slice(from)
    .flatMap((m) => (m.type === 'awareness' ? decodeAwarenessUpdate(m.update, Infinity) : []))
    .map((entry) => `${entry.clientId}@${entry.clock}`);
}

describe('room: presence renewals', () => {
  it('relays a renewal (the same state again) at the renewal tick, not the presence tick, and both of a window in one frame', async () => {
    const { alice, bob, carol, scheduler } = await threePeople();
    const before = bob.received.length;
    alice.sendAwareness(presence(11, 2, '{"user":"Alice"}'));
    scheduler.advance(1_000);
    carol.sendAwareness(presence(33, 2, '{"user":"Carol"}'));
    scheduler.advance(RENEWAL_RELAY_MS - 1_001);
    expect(clocksSince(bob, before)).toEqual([]);
    scheduler.advance(1);
    expect(clocksSince(bob, before)).toEqual(['11@2', '33@2']);
    expect(bob.received.length - before).toBe(1);
  });

  it('sends waiting renewals with the next change or edit, whichever comes first', async () => {
    const { alice, bob, carol, scheduler } = await threePeople();
    let before = bob.received.length;
    alice.sendAwareness(presence(11, 2, '{"user":"Alice"}'));
    carol.sendAwareness(presence(33, 2, '{"user":"Carol moved"}'));
    scheduler.advance(16);
    expect(clocksSince(bob, before)).toEqual(['11@2', '33@2']);

    before = bob.received.length;
    alice.sendAwareness(presence(11, 3, '{"user":"Alice"}'));
    carol.type('x');
    scheduler.endTurn();
    expect(bob.received.slice(before).map((m) => m.type)).toEqual(['sync-update', 'awareness']);
    expect(clocksSince(bob, before)).toEqual(['11@3']);
    scheduler.advance(RENEWAL_RELAY_MS);
    expect(clocksSince(bob, before)).toEqual(['11@3']); // sent once
  });
});
