import type { Scheduler, TimerHandle } from '../../sync-server/scheduler';

/**
 * A scheduler whose time moves only when a test calls advance(). End-of-turn work runs as in
 * production (sync-server/scheduler.ts): never inside the task that queued it, but once that task
 * is over: when the event loop next reaches its check phase (a test that awaits a helper, a store
 * or `settle()` lets the turn end), when the test drains it with endTurn(), or before time moves
 * on in advance(). A test that holds turns (`holdTurns`) sees what a turn batches and runs the
 * work only with endTurn().
 */
export class ManualScheduler implements Scheduler {
  holdTurns = false;
  private readonly turnTasks: Array<() => void> = [];
  private endOfTurnScheduled = false;
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
    this.turnTasks.push(task);
    if (this.endOfTurnScheduled) return;
    this.endOfTurnScheduled = true;
    // The same moment production's scheduler picks: after this turn's I/O and promise callbacks.
    setImmediate(() => {
      this.endOfTurnScheduled = false;
      if (!this.holdTurns) this.endTurn();
    });
  }

  /** Ends the current turn: runs the end-of-turn work queued so far, including work that work queues. */
  endTurn(): void {
    this.runTurnTasks();
  }

  /** End-of-turn work queued and not yet run. */
  get pendingTurnTasks(): number {
    return this.turnTasks.length;
  }

  /**
   * Lets everything happen that can without time passing: promise chains (an in-memory store
   * answers through them), end-of-turn work, and the timers they set that are already due. A turn
   * of the event loop drains every microtask; it is repeated until a turn changes nothing.
   */
  async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.step() === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.step() === 0) return;
      }
    }
    throw new Error('the harness never settles: something keeps scheduling work for now');
  }

  /**
   * Moves time forward, running every timer that falls due, in order; returns how many ran. Time
   * moving on ends the turn: end-of-turn work queued before runs first, and the work each timer
   * queues runs before a later timer fires (timers due at the same moment share a turn, as they
   * share the event loop's timers phase) and before advance() returns. Held turns stay held.
   */
  advance(ms: number): number {
    let ran = 0;
    const end = this.time + ms;
    this.endTurnUnlessHeld();
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
      if (timer.due > this.time) this.endTurnUnlessHeld();
      this.time = timer.due;
      if (timer.interval === null) this.timers.delete(nextId);
      else timer.due += timer.interval;
      ran++;
      timer.callback();
    }
    this.endTurnUnlessHeld();
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

  /** One step of settle(): the turn's work and the timers due now; returns how much ran. */
  private step(): number {
    const tasks = this.holdTurns ? 0 : this.turnTasks.length;
    return this.advance(0) + tasks;
  }

  private endTurnUnlessHeld(): void {
    if (!this.holdTurns) this.runTurnTasks();
  }

  /** Runs every queued task, those they queue included; one that throws does not stop the others. */
  private runTurnTasks(): void {
    let failure: { error: unknown } | null = null;
    for (let i = 0; i < this.turnTasks.length; i++) {
      try {
        this.turnTasks[i]!();
      } catch (error) {
        failure ??= { error };
      }
    }
    this.turnTasks.length = 0;
    if (failure !== null) throw failure.error;
  }
}
