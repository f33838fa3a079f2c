import type { Scheduler, TimerHandle } from '../../sync-server/scheduler';

/** A scheduler whose time moves only when a test calls advance(). */
export class ManualScheduler implements Scheduler {
  private time = 1_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; callback: () => void; interval: number | null }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.add(callback, delayMs, null);
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    return this.add(callback, intervalMs, intervalMs);
  }

  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
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
      timer.callback();
    }
    this.time = end;
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
