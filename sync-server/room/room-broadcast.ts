/**
 * When what a room accepted leaves for its connections: document updates at the end of the
 * event-loop turn, presence at the server's presence tick (or at the end of the turn without one),
 * or earlier, right behind the turn's updates. What leaves is gathered by turn-broadcast.ts.
 *
 * A renewal (a presence sent again unchanged, which y-protocols does every 15 s so that others do
 * not drop it after 30 s) has no hurry: it waits for the renewal tick, at most RENEWAL_RELAY_MS,
 * or leaves with the next real change. Idle documents were most of an idle server's frames: five
 * people renewing to four others each is a frame every 0.75 s per person; gathered, a frame every
 * 7 s at most. A stock client then sees a renewal at most 18 + 7 s after the one before.
 */
import type { AwarenessEntry } from '../../lib/protocol/awareness';
import type { Scheduler, TimerHandle } from '../scheduler';
import type { PresenceTick } from './presence-tick';
import { TurnBroadcast, type Recipient } from './turn-broadcast';

export const RENEWAL_RELAY_MS = 7_000;

export class RoomBroadcast {
  private readonly outgoing = new TurnBroadcast();
  private updateFlushScheduled = false;
  private presenceFlush: TimerHandle | null = null;
  private renewalFlush: TimerHandle | null = null;
  private stopped = false;

  constructor(
    /** Read at each flush: whoever is in the room then. */
    private readonly recipients: Iterable<Recipient>,
    private readonly deps: {
      readonly scheduler: Scheduler;
      /** When presence changes leave; null: at the end of the turn, as updates (PRESENCE_RELAY_MS=0). */
      readonly presenceTick: PresenceTick | null;
      /** When renewals leave, unless something else leaves first; null: as other presence changes. */
      readonly renewalTick: PresenceTick | null;
    },
  ) {}

  /** `origin`: the connection it came from, which does not get it back. */
  addUpdate(update: Uint8Array, origin: unknown): void {
    this.outgoing.addUpdate(update, origin);
    this.scheduleUpdateFlush();
  }

  /** `received`: the awareness update as it came, when it holds exactly `entries` (relayed as it is). */
  addPresence(entries: readonly AwarenessEntry[], received: Uint8Array | null, origin: unknown): void {
    this.outgoing.addPresence(entries, received, origin);
    this.schedulePresenceFlush();
  }

  /** Presence sent again unchanged (a renewal): it leaves at the renewal tick, or with anything earlier. */
  addRenewal(entries: readonly AwarenessEntry[], received: Uint8Array | null, origin: unknown): void {
    this.outgoing.addPresence(entries, received, origin);
    const tick = this.deps.renewalTick;
    if (tick === null) {
      this.schedulePresenceFlush();
      return;
    }
    if (this.presenceFlush !== null || this.renewalFlush !== null) return;
    this.renewalFlush = { cancel: () => tick.cancel(this.flushPresences) };
    tick.request(this.flushPresences);
  }

  /** Nothing leaves any more (the room is disposed). */
  stop(): void {
    this.stopped = true;
    this.presenceFlush?.cancel();
    this.renewalFlush?.cancel();
  }

  /** The first update of a turn schedules the turn's flush. */
  private scheduleUpdateFlush(): void {
    if (this.updateFlushScheduled) return;
    this.updateFlushScheduled = true;
    this.deps.scheduler.atEndOfTurn(this.flushUpdates);
  }

  private readonly flushUpdates = (): void => {
    this.updateFlushScheduled = false;
    if (this.stopped) return;
    this.outgoing.flushUpdates(this.recipients);
    // Presence waiting for the tick leaves now, behind the edits and in the same socket write: a
    // caret arrives with the text it follows, and the tick has a write fewer to make.
    if (this.presenceFlush !== null || this.renewalFlush !== null) this.flushPresences();
  };

  private schedulePresenceFlush(): void {
    if (this.presenceFlush !== null) return;
    const tick = this.deps.presenceTick;
    if (tick === null) {
      this.presenceFlush = { cancel: () => undefined };
      this.deps.scheduler.atEndOfTurn(this.flushPresences);
    } else {
      // One timer for every room of the server (presence-tick.ts), not one per room.
      this.presenceFlush = { cancel: () => tick.cancel(this.flushPresences) };
      tick.request(this.flushPresences);
    }
  }

  /** Everything gathered leaves, renewals included, whichever tick (or edit) came first. */
  private readonly flushPresences = (): void => {
    this.presenceFlush?.cancel();
    this.presenceFlush = null;
    this.renewalFlush?.cancel();
    this.renewalFlush = null;
    if (this.stopped) return;
    this.outgoing.flushPresences(this.recipients);
  };
}
