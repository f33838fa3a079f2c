/**
 * One timer for every room's presence relay. Presence changes gather for up to PRESENCE_RELAY_MS
 * and leave together; with a timer per room, a server holding many documents ran one timer, one
 * event-loop wake-up and one turn of writes per room and period. The rooms that have something to
 * relay now wait for one shared tick instead, and all of them flush in that tick's turn.
 */
import type { Scheduler, TimerHandle } from '../scheduler';

export class PresenceTick {
  private waiting = new Set<() => void>();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly periodMs: number,
  ) {}

  /** Runs `flush` at the next tick (at most `periodMs` from now); once, however often it is asked. */
  request(flush: () => void): void {
    this.waiting.add(flush);
    this.timer ??= this.scheduler.setTimeout(this.tick, this.periodMs);
  }

  /** A room that goes away takes its request with it. */
  cancel(flush: () => void): void {
    this.waiting.delete(flush);
  }

  private readonly tick = (): void => {
    this.timer = null;
    const due = this.waiting;
    this.waiting = new Set();
    for (const flush of due) flush();
  };
}
