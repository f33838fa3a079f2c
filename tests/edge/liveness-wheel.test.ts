import { describe, expect, it } from 'vitest';
import { LIVENESS_SLOTS, LivenessWheel, type WatchedPeer } from '../../sync-server/edge/liveness-wheel';
import { ManualScheduler } from '../helpers/manual-scheduler';

const INTERVAL = 1600; // 16 slots of 100 ms

interface TestPeer extends WatchedPeer {
  readonly name: string;
  pings: number;
  dropped: boolean;
}

function setUp() {
  const scheduler = new ManualScheduler();
  const wheel = new LivenessWheel<TestPeer>(INTERVAL, scheduler, {
    ping: (peer) => peer.pings++,
    drop: (peer) => (peer.dropped = true),
  });
  const peer = (name: string): TestPeer => {
    const created: TestPeer = { name, heard: false, pinged: false, slot: -1, pings: 0, dropped: false };
    wheel.add(created);
    return created;
  };
  return { scheduler, wheel, peer };
}

describe('LivenessWheel', () => {
  it('drops a peer 2 to 3 intervals after its last frame, having pinged it once', () => {
    const { scheduler, wheel, peer } = setUp();
    const ghost = peer('ghost');
    let elapsed = 0;
    while (!ghost.dropped && elapsed < 10 * INTERVAL) {
      scheduler.advance(100);
      elapsed += 100;
    }
    expect(ghost.dropped).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(2 * INTERVAL);
    expect(elapsed).toBeLessThanOrEqual(3 * INTERVAL);
    expect(ghost.pings).toBe(1);
    expect(wheel.has(ghost)).toBe(false);
  });

  it('never pings a peer that sends something every interval', () => {
    const { scheduler, wheel, peer } = setUp();
    const talker = peer('talker');
    for (let i = 0; i < 10; i++) {
      scheduler.advance(INTERVAL - 1);
      talker.heard = true;
      scheduler.advance(1);
    }
    expect(talker.pings).toBe(0);
    expect(talker.dropped).toBe(false);
    expect(wheel.size).toBe(1);
  });

  it('pings a quiet peer that answers every other interval and keeps it', () => {
    const { scheduler, peer } = setUp();
    const quiet = peer('quiet');
    for (let i = 0; i < 10 * 16; i++) {
      const pings = quiet.pings;
      scheduler.advance(100);
      if (quiet.pings > pings) quiet.heard = true; // the pong comes back within the interval
    }
    expect(quiet.dropped).toBe(false);
    expect(quiet.pings).toBeGreaterThanOrEqual(4);
    expect(quiet.pings).toBeLessThanOrEqual(5);
  });

  it('looks at one slot per tick, so a crowd is pinged a slot at a time', () => {
    const { scheduler, peer } = setUp();
    const crowd = Array.from({ length: 16 * LIVENESS_SLOTS }, (_, i) => peer(`p${i}`));
    const pingedBy = (): number => crowd.reduce((sum, p) => sum + p.pings, 0);
    scheduler.advance(INTERVAL); // every slot looked at once: all heard on joining, none pinged
    expect(pingedBy()).toBe(0);
    const perTick: number[] = [];
    for (let tick = 0; tick < LIVENESS_SLOTS; tick++) {
      const before = pingedBy();
      scheduler.advance(100);
      perTick.push(pingedBy() - before);
    }
    expect(perTick).toEqual(Array.from({ length: LIVENESS_SLOTS }, () => 16));
  });

  it('judges only once the turn has read what arrived: an answer read after an overdue tick counts', () => {
    const { scheduler, peer } = setUp();
    const late = peer('late');
    scheduler.advance(2 * INTERVAL); // looked at twice: heard on joining, then silent and pinged
    expect(late.pings).toBe(1);
    scheduler.holdTurns = true;
    scheduler.advance(INTERVAL); // its slot is looked at again, silent since the ping...
    late.heard = true; // ...but the pong is read in the same turn, before the verdict
    scheduler.holdTurns = false;
    scheduler.endTurn();
    expect(late.dropped).toBe(false);
  });

  it('forgets a peer removed, and stops', () => {
    const { scheduler, wheel, peer } = setUp();
    const gone = peer('gone');
    wheel.remove(gone);
    wheel.stop();
    expect(scheduler.pendingTimers).toBe(0);
    scheduler.advance(5 * INTERVAL);
    expect(gone.pings).toBe(0);
    expect(gone.dropped).toBe(false);
    expect(wheel.peers()).toEqual([]);
  });
});
