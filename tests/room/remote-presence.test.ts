/** Cluster mode in the room tier: presence relayed from another node, and what happens when it dies. */
import { describe, expect, it } from 'vitest';
import { encodeAwarenessUpdate } from '../../lib/protocol/awareness';
import { ReplicatedRoom } from '../../sync-server/cluster/replicated-room';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { createRoomHarness } from '../helpers/room-harness';

const remote = (clock: number) => encodeAwarenessUpdate([{ clientId: 77, clock, state: JSON.stringify({ user: { name: 'Remote' } }) }]);

describe('presence from other nodes', () => {
  it('is relayed to local clients, kept while renewed, and removed 30–40 s after its node stops renewing it', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore());
    const local = harness.connect('doc');
    local.sync();
    await harness.scheduler.settle();
    const { room, release } = await harness.registry.acquire('doc');
    const replica = new ReplicatedRoom(room, { scheduler: harness.scheduler });
    replica.applyRemotePresence('node-x', remote(1));
    await harness.scheduler.settle();
    expect(local.presences.get(77)).toContain('Remote');

    harness.scheduler.advance(20_000);
    replica.applyRemotePresence('node-x', remote(2)); // the client's own 15 s renewal, relayed
    harness.scheduler.advance(25_000);
    await harness.scheduler.settle();
    expect(local.presences.has(77)).toBe(true);

    harness.scheduler.advance(5_000); // 30 s since the last renewal: not yet
    await harness.scheduler.settle();
    expect(local.presences.has(77)).toBe(true);
    harness.scheduler.advance(10_000); // 40 s: its node is gone, and so is the presence (swept every 10 s)
    await harness.scheduler.settle();
    expect(local.presences.has(77)).toBe(false);
    release();
  });

  it('is never counted against the per-connection cap: a node speaks for many clients', async () => {
    const harness = createRoomHarness(new MemoryDocumentStore(), { limits: { maxPresenceIdsPerConnection: 2 } });
    const local = harness.connect('doc');
    local.sync();
    await harness.scheduler.settle();
    const { room, release } = await harness.registry.acquire('doc');
    const replica = new ReplicatedRoom(room, { scheduler: harness.scheduler });
    replica.applyRemotePresence('node-x', encodeAwarenessUpdate(Array.from({ length: 10 }, (_, i) => ({ clientId: 100 + i, clock: 1, state: '{}' }))));
    await harness.scheduler.settle();
    expect(local.presences.size).toBe(10);
    release();
  });
});
