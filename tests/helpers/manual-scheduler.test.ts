/**
 * The manual scheduler runs end-of-turn work in production's order (sync-server/scheduler.ts), so
 * a room test sees what a server does: nothing relayed inside the call that received a frame.
 */
import { describe, expect, it } from 'vitest';
import { createSystemScheduler, type Scheduler } from '../../sync-server/scheduler';
import { ManualScheduler } from './manual-scheduler';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Queues end-of-turn work from a task, and records what has run at each point the task can observe. */
async function trace(scheduler: Scheduler): Promise<string[]> {
  const seen: string[] = [];
  scheduler.atEndOfTurn(() => {
    seen.push('first');
    scheduler.atEndOfTurn(() => seen.push('queued by first'));
  });
  scheduler.atEndOfTurn(() => seen.push('second'));
  seen.push('task goes on');
  await Promise.resolve();
  seen.push('after a promise');
  await nextTurn();
  seen.push('next turn');
  return seen;
}

describe('manual scheduler: end of turn', () => {
  it('runs end-of-turn work where production does: after the task and its promises, in order, work it queues included', async () => {
    const production = await trace(createSystemScheduler());
    expect(production).toEqual(['task goes on', 'after a promise', 'first', 'second', 'queued by first', 'next turn']);
    expect(await trace(new ManualScheduler())).toEqual(production);
  });

  it('ends the turn on endTurn(), and before time moves on', () => {
    const scheduler = new ManualScheduler();
    const seen: string[] = [];
    scheduler.atEndOfTurn(() => seen.push('a'));
    expect(seen).toEqual([]);
    scheduler.endTurn();
    expect(seen).toEqual(['a']);

    scheduler.atEndOfTurn(() => seen.push('queued before the timer'));
    scheduler.setTimeout(() => {
      seen.push('timer at 10');
      scheduler.atEndOfTurn(() => seen.push('its end of turn'));
    }, 10);
    scheduler.setTimeout(() => seen.push('other timer at 10'), 10);
    scheduler.setTimeout(() => seen.push('timer at 20'), 20);
    scheduler.advance(20);
    // Timers due together share a turn, as they share the event loop's timers phase.
    expect(seen.slice(1)).toEqual(['queued before the timer', 'timer at 10', 'other timer at 10', 'its end of turn', 'timer at 20']);
  });

  it('holds turns, across awaits and time, until endTurn() when the test asks', async () => {
    const scheduler = new ManualScheduler();
    scheduler.holdTurns = true;
    const seen: string[] = [];
    scheduler.atEndOfTurn(() => seen.push('held'));
    await nextTurn();
    scheduler.advance(1_000);
    await scheduler.settle();
    expect(seen).toEqual([]);
    scheduler.endTurn();
    expect(seen).toEqual(['held']);
  });

  it('runs the rest of a turn when one task throws, then reports the failure', () => {
    const scheduler = new ManualScheduler();
    const seen: string[] = [];
    scheduler.atEndOfTurn(() => {
      throw new Error('broken task');
    });
    scheduler.atEndOfTurn(() => seen.push('after it'));
    expect(() => scheduler.endTurn()).toThrow('broken task');
    expect(seen).toEqual(['after it']);
    expect(scheduler.pendingTurnTasks).toBe(0);
  });
});
