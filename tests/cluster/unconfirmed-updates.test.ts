import { describe, expect, it } from 'vitest';
import { UnconfirmedUpdates } from '../../sync-server/cluster/unconfirmed-updates';

const u = (byte: number) => Uint8Array.of(byte);

describe('unconfirmed relayed updates', () => {
  it('drops what its sender confirms, per sender, and hands over what stays unconfirmed too long', () => {
    const held = new UnconfirmedUpdates(100);
    expect(held.add('a', 1, u(1), 0)).toEqual([]);
    held.add('a', 2, u(2), 10);
    held.add('b', 7, u(70), 10);
    held.add('a', 3, u(3), 20);
    held.confirm('a', 2); // a stored its first two
    held.confirm('c', 99); // nobody's
    expect(held.size).toBe(2);
    expect(held.takeOlderThan(15)).toEqual([u(70)]);
    expect(held.takeOlderThan(15)).toEqual([]);
    held.confirm('b', 7); // late: already handed over, nothing happens
    expect(held.takeAll()).toEqual([u(3)]);
    expect(held.size).toBe(0);
  });

  it('holds at most its bound per sender: the oldest go to be stored at once', () => {
    const held = new UnconfirmedUpdates(2);
    held.add('a', 1, u(1), 0);
    held.add('a', 2, u(2), 0);
    expect(held.add('a', 3, u(3), 0)).toEqual([u(1)]);
    expect(held.add('b', 1, u(9), 0)).toEqual([]);
    expect(held.size).toBe(3);
    held.confirm('a', 3);
    expect(held.takeAll()).toEqual([u(9)]);
  });

  it('settles once everything held at the time is confirmed or handed over, whatever arrives later', async () => {
    const held = new UnconfirmedUpdates(100);
    let settled = false;
    await held.settled(); // nothing held: at once
    held.add('a', 1, u(1), 0);
    held.add('b', 1, u(2), 0);
    void held.settled().then(() => (settled = true));
    held.add('a', 2, u(3), 0); // later: not waited for
    held.confirm('a', 1);
    await Promise.resolve();
    expect(settled).toBe(false);
    expect(held.takeOlderThan(1)).toEqual([u(3), u(2)]); // handed over to be stored here
    await Promise.resolve();
    expect(settled).toBe(true);
  });
});
