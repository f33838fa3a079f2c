/**
 * When the server takes a version by itself: once editing has paused for `idleMs`, and while people
 * keep typing, at most `maxIntervalMs` after the first edit the last version does not hold. An edit
 * costs two assignments; one timer per document is set for the earlier of the two deadlines and,
 * when it fires early (someone typed meanwhile), set again for the new one.
 */
import type { Scheduler, TimerHandle } from '../scheduler';

export interface CheckpointTiming {
  readonly idleMs: number;
  readonly maxIntervalMs: number;
}

export class CheckpointSchedule {
  private firstEditAt: number | null = null;
  private lastEditAt = 0;
  /** Counts edits, so a version knows whether edits came in while it was being written. */
  private edits = 0;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly timing: CheckpointTiming,
    private readonly scheduler: Scheduler,
    private readonly onDue: () => void,
  ) {}

  /** Edits exist that no version holds. */
  get dirty(): boolean {
    return this.firstEditAt !== null;
  }

  /** Returns the time of the edit. */
  noteEdit(): number {
    const now = this.scheduler.now();
    this.lastEditAt = now;
    this.edits++;
    if (this.firstEditAt === null) this.firstEditAt = now;
    if (this.timer === null) this.arm(now);
    return now;
  }

  /** When the first edit no version holds was made, null when every edit is in one. */
  get pendingSince(): number | null {
    return this.firstEditAt;
  }

  /** Marks the moment a version's content is taken; pass it to `recorded` once it is stored. */
  capture(): number {
    return this.edits;
  }

  /** A version holding every edit up to `captured` was stored; later edits still wait for one. */
  recorded(captured: number): void {
    this.timer?.cancel();
    this.timer = null;
    if (this.edits === captured) {
      this.firstEditAt = null;
      return;
    }
    this.firstEditAt = this.scheduler.now();
    this.arm(this.firstEditAt);
  }

  /**
   * Another node recorded a version at `at` (cluster mode): the edits made up to then are in it,
   * later ones wait for the next version, due as if it had been recorded here.
   */
  recordedElsewhere(at: number): void {
    this.timer?.cancel();
    this.timer = null;
    if (this.lastEditAt <= at) {
      this.firstEditAt = null;
      return;
    }
    this.firstEditAt = Math.max(at, this.firstEditAt ?? at);
    this.arm(this.scheduler.now());
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private arm(now: number): void {
    const due = Math.min(this.lastEditAt + this.timing.idleMs, (this.firstEditAt ?? now) + this.timing.maxIntervalMs);
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = null;
      if (this.firstEditAt === null) return;
      const at = this.scheduler.now();
      if (at >= this.lastEditAt + this.timing.idleMs || at >= this.firstEditAt + this.timing.maxIntervalMs) this.onDue();
      else this.arm(at);
    }, Math.max(0, due - now));
  }
}
