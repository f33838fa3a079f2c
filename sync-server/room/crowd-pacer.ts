/**
 * A crowd's budget for the presence of people who move without editing. In a crowd the presence
 * of whoever moved in the last two minutes is relayed (presence-audience.ts); were thousands of
 * readers to move their carets at once (a class, a link passed round, or someone scripting it
 * with a view link), each move would still go to everyone. Editors' presence leaves at once, as
 * their edits do; the others' may cost at most CROWD_DELIVERIES_PER_SECOND deliveries a second,
 * i.e. 50 presences a second to 5,000 people. What is over waits, the latest per person, oldest
 * first, and someone moving again goes to the back.
 */
import type { AwarenessEntry } from '../../lib/protocol/awareness';
import type { Scheduler, TimerHandle } from '../scheduler';

export const CROWD_DELIVERIES_PER_SECOND = 250_000;

interface Waiting {
  readonly entry: AwarenessEntry;
  readonly origin: unknown;
}

export class CrowdPacer {
  private readonly waiting = new Map<number, Waiting>();
  /** Presences that may leave now (null: a full second's worth); at most one second's worth is saved up. */
  private allowance: number | null = null;
  private allowanceAt: number;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly recipients: () => number,
    private readonly scheduler: Scheduler,
    /** Relays entries as they would have been relayed when they came (`origin` does not get them back). */
    private readonly relay: (entries: AwarenessEntry[], origin: unknown) => void,
  ) {
    this.allowanceAt = scheduler.now();
  }

  offer(entries: readonly AwarenessEntry[], origin: unknown): void {
    for (const entry of entries) {
      this.waiting.delete(entry.clientId);
      this.waiting.set(entry.clientId, { entry, origin });
    }
    this.drain();
  }

  /** The client's presence was removed (the removal went at once): its waiting state goes. */
  forget(clientId: number): void {
    this.waiting.delete(clientId);
  }

  /** The room is not a crowd any more: everything waiting leaves now. */
  releaseAll(): void {
    this.drain(true);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.waiting.clear();
  }

  private readonly drain = (all = false): void => {
    this.timer?.cancel();
    this.timer = null;
    if (this.waiting.size === 0) return;
    const perSecond = Math.max(1, CROWD_DELIVERIES_PER_SECOND / Math.max(1, this.recipients()));
    const now = this.scheduler.now();
    let allowance = Math.min(perSecond, this.allowance === null ? perSecond : this.allowance + ((now - this.allowanceAt) / 1000) * perSecond);
    this.allowanceAt = now;
    const leaving = new Map<unknown, AwarenessEntry[]>();
    for (const [clientId, { entry, origin }] of this.waiting) {
      if (!all && allowance < 1) break;
      allowance = Math.max(0, allowance - 1);
      this.waiting.delete(clientId);
      const group = leaving.get(origin);
      if (group === undefined) leaving.set(origin, [entry]);
      else group.push(entry);
    }
    this.allowance = allowance;
    for (const [origin, entries] of leaving) this.relay(entries, origin);
    if (this.waiting.size > 0) this.timer = this.scheduler.setTimeout(() => this.drain(), Math.max(1, Math.ceil(1000 / perSecond)));
  };
}
