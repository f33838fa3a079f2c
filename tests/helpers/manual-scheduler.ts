import type { Scheduler, TimerHandle } from '../../sync-server/scheduler';

/**
 * A scheduler whose time moves only when a test calls advance(). End-of-turn work runs at once,
 * unless the test holds turns open to see what a turn batches, then runs it with endTurn().
 */
export class ManualScheduler implements Scheduler {
  holdTurns = false;
  private readonly turnTasks: Array<() => void> = [];
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; callback: () => void; interval: number | null }>();

  /** `startTime`: where the clock starts, e.g. where a server that replaces another takes over. */
  constructor(startTime = 1_000_000) {
    this.time = startTime;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.add(callback, delayMs, null);
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    return this.add(callback, intervalMs, intervalMs);
  }

  atEndOfTurn(task: () => void): void {
    if (this.holdTurns) this.turnTasks.push(task);
    else task();
  }

  /** Runs the end-of-turn work queued while turns were held, including work that work queues. */
  endTurn(): void {
    for (let i = 0; i < this.turnTasks.length; i++) this.turnTasks[i]!();
    this.turnTasks.length = 0;
  }

  /**
   * Lets everything happen that can without time passing: promise chains (an in-memory store
   * answers through them), end-of-turn work, and the timers they set that are already due. A turn
   * of the event loop drains every microtask; it is repeated until a turn changes nothing.
   */
  async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.advance(0) === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.advance(0) === 0) return;
      }
    }
    throw new Error('the harness never settles: something keeps scheduling work for now');
  }

  /** Moves time forward, running every timer that falls due, in order; returns how many ran. */
  advance(ms: number): number {
    let ran = 0;
    const end = this.time + ms;
    for (;;) {
      let nextId: number | null = null;
      let nextDue = Infinity;
      for (const [id, timer] of this.timers) {
        if (timer.due <= end && timer.due < nextDue) {
          nextDue = timer.due;
          nextId = id;
        }
      }
      if (nextId === null) break;
      const timer = this.timers.get(nextId)!;
      this.time = timer.due;
      if (timer.interval === null) this.timers.delete(nextId);
      else timer.due += timer.interval;
      ran++;
      timer.callback();
    }
    this.time = end;
    return ran;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  private add(callback: () => void, delay: number, interval: number | null): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { due: this.time + delay, callback, interval });
    return { cancel: () => this.timers.delete(id) };
  }
}
