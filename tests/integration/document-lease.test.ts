/** Document leases against a real Redis: one holder at a time per role, tokens that only grow. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPACTOR, DocumentLease, HISTORIAN, type LeaseRole } from '../../sync-server/cluster/document-lease';
import { waitFor } from '../helpers/poll';
import { RedisServer } from '../helpers/redis';

let redis: RedisServer;
const connections: Redis[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
}, 30_000);

afterAll(async () => {
  for (const connection of connections) connection.disconnect();
  await redis?.destroy();
});

function node(name: string, ttlMs = 10_000, role: LeaseRole = COMPACTOR): DocumentLease {
  const connection = new Redis(redis.url);
  connections.push(connection);
  return new DocumentLease(connection, name, ttlMs, role);
}

describe('document lease', () => {
  it('lets exactly one of several nodes hold it at once, with a token that grows at every taking', async () => {
    const nodes = ['a', 'b', 'c', 'd'].map((name) => node(name));
    const tokens = await Promise.all(nodes.map((lease) => lease.acquire('doc')));
    const held = tokens.filter((token) => token !== null);
    expect(held).toHaveLength(1);
    const holder = nodes[tokens.findIndex((token) => token !== null)]!;
    // Someone else releasing changes nothing; the holder releasing frees it.
    await nodes.find((lease) => lease !== holder)!.release('doc');
    expect(await nodes[0]!.acquire('doc')).toBeNull(); // still held
    await holder.release('doc');
    const next = await nodes[3]!.acquire('doc');
    expect(next).toBeGreaterThan(held[0]!);
    expect(await node('e').acquire('other-doc')).toBe(1);
  });

  it('expires, so a node that stalled loses it to the next one, whose token is newer', async () => {
    const stalled = node('stalled', 200);
    const first = await stalled.acquire('slow');
    expect(first).not.toBeNull();
    // Taken by the next node once the stalled one's 200 ms run out (a failed attempt takes nothing).
    const contender = node('next', 5_000);
    const next = await waitFor(() => contender.acquire('slow'), { intervalMs: 50, what: 'the lease to expire and be taken' });
    expect(next!).toBeGreaterThan(first!);
    // The stalled node's release does not end the new holder's lease.
    await stalled.release('slow');
    expect(await node('third').acquire('slow')).toBeNull();
  });

  it('answers the token it holds until it releases, also after the lease expired (the store then refuses it)', async () => {
    const lease = node('holder', 200, HISTORIAN);
    expect(lease.heldToken('held')).toBeNull();
    const token = await lease.acquire('held');
    expect(token).not.toBeNull();
    expect(lease.heldToken('held')).toBe(token);
    expect(await node('other', 5_000, HISTORIAN).acquire('held')).toBeNull();
    expect(lease.heldToken('held')).toBe(token);
    await lease.release('held');
    expect(lease.heldToken('held')).toBeNull();
  });

  it('keeps the roles apart: the compactor and the historian of one document are held and counted separately', async () => {
    const compactor = node('a');
    const historian = node('a', 10_000, HISTORIAN);
    const otherHistorian = node('b', 10_000, HISTORIAN);
    expect(await compactor.acquire('roles')).toBe(1);
    expect(await historian.acquire('roles')).toBe(1);
    expect(await otherHistorian.acquire('roles')).toBeNull();
    await historian.release('roles');
    expect(await otherHistorian.acquire('roles')).toBe(2);
    expect(await node('c').acquire('roles')).toBeNull(); // the compactor's lease still stands
  });
});
