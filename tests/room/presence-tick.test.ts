import { describe, expect, it } from 'vitest';
import { PresenceTick } from '../../sync-server/room/presence-tick';
import { ManualScheduler } from '../helpers/manual-scheduler';

describe('presence tick', () => {
  it('flushes every room that asked at one shared tick, once each; a cancelled room is left out', () => {
    const scheduler = new ManualScheduler();
    const tick = new PresenceTick(scheduler, 16);
    const flushed: string[] = [];
    const a = () => flushed.push('a');
    const b = () => flushed.push('b');
    const c = () => flushed.push('c');
    tick.request(a);
    scheduler.advance(10);
    tick.request(b);
    tick.request(a); // asked twice: flushed once
    tick.request(c);
    tick.cancel(c); // its room went away
    scheduler.advance(5);
    expect(flushed).toEqual([]);
    expect(scheduler.advance(1)).toBe(1); // one timer for all of them
    expect(flushed).toEqual(['a', 'b']);
    // A request after the tick waits for the next one.
    tick.request(b);
    scheduler.advance(15);
    expect(flushed).toEqual(['a', 'b']);
    scheduler.advance(1);
    expect(flushed).toEqual(['a', 'b', 'b']);
  });
});
